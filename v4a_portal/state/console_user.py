"""`/console/users/<id>`: one user as staff see them — profile, tabs (ledger, payments,
photos, scripts, clips, sign-ins) each read when opened, and the actions this role may take:
adjust credits (previewed: balance before and after), clip refund/retry/cancel, disable or
enable, sign out everywhere, change role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.models import Role
from v4a_portal.services.console import (
    staff_accounts,
    staff_credits,
    user_detail,
    video_search,
)
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import formatting, messages
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.console_clip_actions import ClipActions, clip_row
from v4a_portal.state.paging import PER_PAGE, range_label
from v4a_portal.state.service_call import call, row_id

TABS = ("ledger", "payments", "photos", "scripts", "clips", "sign-ins")
MONEY_TABS = ("ledger", "payments")  # analysts see no money
CATEGORY_LABELS = {c: c.capitalize() for c in staff_credits.CATEGORIES}


@dataclass(frozen=True)
class LedgerItem:
    id: int
    kind: str
    delta: str
    is_credit: bool
    balance_after: int
    reference: str  # in words ("Clip #21")
    reference_raw: str  # as stored ("video:21"), shown on hover
    reference_url: str  # "" when it names nothing the console shows
    note: str
    actor: str
    when: str


@dataclass(frozen=True)
class PhotoItem:
    id: int
    thumbnail_url: str
    url: str
    filename: str
    details: str
    uses: str
    when: str


@dataclass(frozen=True)
class ScriptItem:
    id: int
    product: str
    excerpt: str
    photo: str  # "Photo #3" or ""
    parent: str  # "Regenerates #5" or ""
    clips: int
    clips_url: str
    meta: str
    when: str


@dataclass(frozen=True)
class SignInItem:
    kind: str
    label: str
    active: bool
    created: str
    last_used: str
    ends: str


def reference_url(user_id: int, reference: str) -> str:
    """Where the thing a ledger entry paid for is shown in the console."""
    kind, _, value = reference.partition(":")
    if kind == "video" and value.isdigit():
        return routes.console_clips(video=value)
    if kind == "batch" and value:
        return routes.console_clips(batch=value)
    if kind == "image":
        return routes.console_user(user_id, tab="photos")
    if kind in ("script-request", "demo-script", "regenerate"):
        return routes.console_user(user_id, tab="scripts")
    return ""


def _ledger_item(user_id: int, line: user_detail.LedgerLine) -> LedgerItem:
    return LedgerItem(
        id=line.id,
        kind=messages.kind_label(line.kind),
        delta=formatting.signed(line.delta),
        is_credit=line.delta > 0,
        balance_after=line.balance_after,
        reference=messages.reference_label(line.reference),
        reference_raw=line.reference,
        reference_url=reference_url(user_id, line.reference),
        note=line.note,
        actor=line.actor_email,
        when=formatting.timestamp(line.created_at),
    )


def _photo_item(line: user_detail.PhotoLine) -> PhotoItem:
    size = f"{line.width}×{line.height}" if line.width and line.height else ""
    kib = f"{round(line.size / 1024)} KiB" if line.size else ""
    return PhotoItem(
        id=line.id,
        thumbnail_url=line.thumbnail_url,
        url=line.url,
        filename=line.filename,
        details=" · ".join(p for p in (size, kib) if p),
        uses=f"{line.scripts} scripts · {line.videos} clips",
        when=formatting.day(line.created_at),
    )


def _script_item(user_id: int, line: user_detail.ScriptLine) -> ScriptItem:
    return ScriptItem(
        id=line.id,
        product=line.product or "Untitled",
        excerpt=line.excerpt,
        photo=f"Photo #{line.image_id}" if line.image_id else "",
        parent=f"Regenerates #{line.parent_script_id}" if line.parent_script_id else "",
        clips=line.videos,
        clips_url=routes.console_clips(user=user_id),
        meta=f"{messages.writer_label(line.writer)} · {line.credits_used} credits",
        when=formatting.timestamp(line.created_at),
    )


def _sign_in_item(line: user_detail.SignInLine) -> SignInItem:
    label = (
        "Browser session"
        if line.kind == "browser"
        else f"API sign-in · {line.tokens} refresh tokens"
    )
    return SignInItem(
        kind=line.kind,
        label=label,
        active=line.active,
        created=formatting.timestamp(line.created_at),
        last_used=formatting.timestamp(line.last_used_at),
        ends=formatting.timestamp(line.revoked_at or line.expires_at),
    )


class ConsoleUserState(ClipActions, ConsoleState):
    permission: ClassVar[str] = user_detail.PERMISSION

    found: rx.Field[bool] = rx.field(True)
    target_id: rx.Field[int] = rx.field(0)
    email: rx.Field[str] = rx.field("")
    name: rx.Field[str] = rx.field("")
    picture: rx.Field[str] = rx.field("")
    target_role: rx.Field[str] = rx.field("")  # (AuthState.role is the viewer's)
    target_role_label: rx.Field[str] = rx.field("")
    disabled: rx.Field[bool] = rx.field(False)
    joined: rx.Field[str] = rx.field("")
    last_sign_in: rx.Field[str] = rx.field("")
    balance: rx.Field[int] = rx.field(0)
    sees_money: rx.Field[bool] = rx.field(False)
    subscription: rx.Field[str] = rx.field("")
    counts: rx.Field[str] = rx.field("")
    is_self: rx.Field[bool] = rx.field(False)
    audit_url: rx.Field[str] = rx.field("")

    tab: rx.Field[str] = rx.field("clips")
    tab_loading: rx.Field[bool] = rx.field(False)
    tab_page: rx.Field[int] = rx.field(1)
    tab_total: rx.Field[int] = rx.field(0)
    tab_capped: rx.Field[bool] = rx.field(False)
    ledger: rx.Field[list[LedgerItem]] = rx.field(default_factory=list)
    photos: rx.Field[list[PhotoItem]] = rx.field(default_factory=list)
    scripts: rx.Field[list[ScriptItem]] = rx.field(default_factory=list)
    sign_ins: rx.Field[list[SignInItem]] = rx.field(default_factory=list)

    # The credit adjustment dialog.
    adjust_amount: rx.Field[str] = rx.field("")
    adjust_category: rx.Field[str] = rx.field("goodwill")
    adjust_reason: rx.Field[str] = rx.field("")
    adjust_before: rx.Field[int] = rx.field(0)
    adjust_after: rx.Field[int] = rx.field(0)
    adjust_error: rx.Field[str] = rx.field("")
    _adjust_key: str = ""

    # Account actions (disable, enable, sign out everywhere, role).
    account_reason: rx.Field[str] = rx.field("")
    new_role: rx.Field[str] = rx.field("")
    done: rx.Field[str] = rx.field("")
    action_error: rx.Field[str] = rx.field("")

    @rx.var
    def email_parts(self) -> list[str]:
        return formatting.break_points(self.email)

    @rx.var
    def tab_has_prev(self) -> bool:
        return self.tab_page > 1

    @rx.var
    def tab_has_next(self) -> bool:
        return self.tab_page * PER_PAGE < self.tab_total

    @rx.var
    def tab_range(self) -> str:
        if not self.tab_total:
            return ""
        return range_label(self.tab_page, self.tab_total, self.tab_capped)

    @rx.var
    def adjust_delta(self) -> int:
        try:
            return int(self.adjust_amount.replace(" ", "").replace("−", "-"))
        except ValueError:
            return 0

    def _target(self) -> int:
        # /console/users/<id>: the last part of the path (routes.CONSOLE_USER)
        return row_id(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])

    @rx.event
    async def load(self) -> EventSpec | None:
        self.done = self.action_error = self.clip_done = self.clip_error = ""
        wanted = self.router.url.query_parameters.get("tab", "")
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        money = self._may(ctx, "credits.view")
        self.tab = (
            wanted
            if wanted in TABS and (wanted not in MONEY_TABS or money)
            else ("ledger" if money else "clips")
        )
        self.tab_page = 1
        await self._read_profile(ctx)
        if self.found:
            await self._read_tab(ctx)
        return type(self).watch_active_clips

    async def _read_profile(self, ctx: StaffContext) -> None:
        self.target_id = self._target()
        found, self.load_error = await call(user_detail.profile, ctx, self.target_id)
        self.found = found is not None
        if found is None:
            if self.load_error == messages.NOT_FOUND:
                self.load_error = ""
            return
        self.email, self.name, self.picture = found.email, found.name, found.picture
        self.target_role, self.target_role_label = found.role, messages.role_label(found.role)
        self.new_role = found.role
        self.disabled = found.disabled
        self.joined = formatting.timestamp(found.created_at)
        self.last_sign_in = formatting.timestamp(found.last_login_at) or "Never"
        self.sees_money = found.credits is not None
        self.balance = found.credits or 0
        plan = found.subscription_plan or ("subscriber" if found.is_subscriber else "")
        self.subscription = (
            f"{plan} ({found.subscription_status})" if plan and found.subscription_status else plan
        )
        self.counts = f"{found.photos} photos · {found.scripts} scripts · {found.videos} clips"
        self.is_self = ctx.actor.id == found.id
        self.audit_url = routes.console_audit(target=found.id)

    async def _read_tab(self, ctx: StaffContext) -> None:
        user_id, page = self.target_id, self.tab_page
        self.tab_loading, self.tab_capped = True, False
        error = ""
        if self.tab == "ledger":
            got, error = await call(_ledger, ctx, user_id, page)
            if got is not None:
                self.ledger = [_ledger_item(user_id, line) for line in got.items]
                self.tab_total = got.total
        elif self.tab == "photos":
            photos, error = await call(_photos, ctx, user_id, page)
            if photos is not None:
                self.photos = [_photo_item(line) for line in photos.items]
                self.tab_total = photos.total
        elif self.tab == "scripts":
            scripts, error = await call(_scripts, ctx, user_id, page)
            if scripts is not None:
                self.scripts = [_script_item(user_id, line) for line in scripts.items]
                self.tab_total = scripts.total
        elif self.tab == "payments":
            pass  # the tab's own state reads it (state/console_payments.py)
        elif self.tab == "sign-ins":
            sign_ins, error = await call(user_detail.sign_ins, ctx, user_id)
            if sign_ins is not None:
                self.sign_ins = [_sign_in_item(line) for line in sign_ins]
                self.tab_total = 0
        else:
            await self._reload_clips(ctx)
            error = self.load_error
        self.load_error = error
        self.tab_loading = False

    async def _reload_clips(self, ctx: StaffContext) -> None:
        found, self.load_error = await call(_clips, ctx, self.target_id, self.tab_page)
        if found is not None:
            self.clips = [clip_row(line) for line in found.items]
            self.tab_total, self.tab_capped = found.total, found.total_capped

    async def _refresh(self, ctx: StaffContext) -> None:
        """After an action: the profile (balance, flags) and the open tab again."""
        await self._read_profile(ctx)
        await self._read_tab(ctx)
        await self._signed_in()  # the header, in case staff changed their own balance

    @rx.event
    async def show_tab(self, tab: str):
        if tab not in TABS:
            return
        self.tab, self.tab_page, self.tab_loading = tab, 1, True
        yield
        ctx, bounce = await self._staff()
        if ctx is None:
            yield bounce
            return
        await self._read_tab(ctx)
        if tab == "clips":
            yield type(self).watch_active_clips

    @rx.event
    async def turn_page(self, step: int):
        self.tab_page = max(1, self.tab_page + (1 if step > 0 else -1))
        self.tab_loading = True
        yield
        ctx, bounce = await self._staff()
        if ctx is None:
            yield bounce
            return
        await self._read_tab(ctx)

    # --- credits ------------------------------------------------------------------------

    @rx.event
    async def open_adjust(self) -> None:
        """The adjustment dialog opens: an empty form and the key that makes a double click
        (or a retried submit) one adjustment."""
        self._adjust_key = staff_credits.new_key()
        self.adjust_amount, self.adjust_reason, self.adjust_error = "", "", ""
        self.adjust_category = staff_credits.CATEGORIES[0]
        self.adjust_before = self.adjust_after = self.balance

    @rx.event
    async def set_adjust_amount(self, value: str) -> EventSpec | None:
        self.adjust_amount = value[:12]
        self.adjust_error = ""
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        numbers, self.adjust_error = await call(
            staff_credits.preview, ctx, self.target_id, self.adjust_delta
        )
        if numbers is not None:
            self.adjust_before, self.adjust_after = numbers
            if self.adjust_after < 0:
                self.adjust_error = (
                    f"The balance is {self.adjust_before}: at most {self.adjust_before} "
                    "credits can be taken."
                )
        return None

    @rx.event
    def set_adjust_category(self, value: str) -> None:
        if value in staff_credits.CATEGORIES:
            self.adjust_category = value

    @rx.event
    def set_adjust_reason(self, value: str) -> None:
        self.adjust_reason = value[:500]

    @rx.event
    async def confirm_adjust(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        self.done = ""
        adjusted, self.action_error = await call(
            staff_credits.adjust,
            ctx,
            self.target_id,
            self.adjust_delta,
            self.adjust_category,
            self.adjust_reason,
            self._adjust_key,
        )
        if adjusted is not None:
            self.done = (
                f"{formatting.signed(self.adjust_delta)} credits: balance "
                f"{adjusted.balance_before} → {adjusted.balance_after}."
            )
            self.tab, self.tab_page = ("ledger", 1) if self.sees_money else (self.tab, 1)
        await self._refresh(ctx)
        return None

    # --- account ------------------------------------------------------------------------

    @rx.event
    def open_account_action(self) -> None:
        self.account_reason, self.action_error = "", ""
        self.new_role = self.target_role

    @rx.event
    def set_account_reason(self, value: str) -> None:
        self.account_reason = value[:500]

    @rx.event
    def set_new_role(self, value: str) -> None:
        if value in {r.value for r in Role}:
            self.new_role = value

    @rx.event
    async def account_action(self, kind: str) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        self.done = ""
        user_id, reason = self.target_id, self.account_reason
        if kind == "disable":
            changed, self.action_error = await call(staff_accounts.disable, ctx, user_id, reason)
            done = "Account disabled: every session and token stops working now."
        elif kind == "enable":
            changed, self.action_error = await call(staff_accounts.enable, ctx, user_id, reason)
            done = "Account enabled again."
        elif kind == "signout":
            changed, self.action_error = await call(
                staff_accounts.sign_out_everywhere, ctx, user_id, reason
            )
            done = "Signed out everywhere."
            if changed is not None:
                done = (
                    f"Signed out everywhere: {changed.sessions_ended} browser sessions ended, "
                    f"{changed.tokens_revoked} refresh tokens revoked."
                )
        elif kind == "role":
            changed, self.action_error = await call(
                staff_accounts.set_role, ctx, user_id, self.new_role, reason
            )
            done = f"Role changed to {messages.role_label(self.new_role)}."
        else:
            return None
        if changed is not None:
            self.done = done
        await self._refresh(ctx)
        return None


def _ledger(ctx: StaffContext, user_id: int, page: int) -> user_detail.Page[user_detail.LedgerLine]:
    return user_detail.ledger(ctx, user_id, page=page, per_page=PER_PAGE)


def _photos(ctx: StaffContext, user_id: int, page: int) -> user_detail.Page[user_detail.PhotoLine]:
    return user_detail.photos(ctx, user_id, page=page, per_page=PER_PAGE)


def _scripts(
    ctx: StaffContext, user_id: int, page: int
) -> user_detail.Page[user_detail.ScriptLine]:
    return user_detail.scripts(ctx, user_id, page=page, per_page=PER_PAGE)


def _clips(ctx: StaffContext, user_id: int, page: int) -> video_search.VideoPage:
    return video_search.search(
        ctx, video_search.VideoFilters(user_id=user_id), page=page, per_page=PER_PAGE
    )
