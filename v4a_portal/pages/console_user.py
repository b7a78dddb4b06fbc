"""`/console/users/<id>`: one user, everything staff may see and do about them."""

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.badges import role_badge
from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.console_clips import clip_item
from v4a_portal.components.console_frame import (
    console_nav,
    error_callout,
    fact,
    loading_card,
    may_open,
    success_callout,
)
from v4a_portal.components.console_payments import console_payments
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.template import template
from v4a_portal.components.wrapping_text import wrapping_text
from v4a_portal.models import Role
from v4a_portal.state.console_base import handler, may
from v4a_portal.state.console_user import (
    CATEGORY_LABELS,
    LedgerItem,
    PhotoItem,
    ScriptItem,
    SignInItem,
)
from v4a_portal.state.console_user import ConsoleUserState as S
from v4a_portal.state.messages import ROLE_LABELS

_WIDE = ["none", "none", "table-cell"]


def _reason(value: rx.Var, on_change: rx.EventHandler, placeholder: str) -> rx.Component:
    return rx.text_area(
        value=value,
        on_change=on_change,
        placeholder=placeholder,
        aria_label="Reason",
        rows="2",
        width="100%",
    )


# --- profile and account actions ----------------------------------------------------------


def _adjust() -> rx.Component:
    preview = rx.hstack(
        rx.vstack(
            rx.text("Balance before", size="1", color_scheme="gray"),
            rx.text(S.adjust_before, size="5", weight="bold", id="adjust-before"),
            spacing="0",
        ),
        rx.icon("arrow-right", size=18, color=rx.color("gray", 9)),
        rx.vstack(
            rx.text("after", size="1", color_scheme="gray"),
            rx.text(
                S.adjust_after,
                size="5",
                weight="bold",
                color_scheme=rx.cond(S.adjust_after < 0, "red", "green"),
                id="adjust-after",
            ),
            spacing="0",
        ),
        align="center",
        spacing="4",
        padding="12px",
        border_radius="8px",
        background=rx.color("gray", 3),
        width="100%",
        id="adjust-preview",
    )
    form = rx.vstack(
        description(
            "Add credits with a positive amount, take them with a negative one. "
            "The customer sees it in their history; the reason goes to the audit log."
        ),
        rx.grid(
            rx.vstack(
                rx.text("Amount", size="1", weight="medium"),
                rx.input(
                    value=S.adjust_amount,
                    on_change=handler(S.set_adjust_amount).debounce(250),
                    placeholder="e.g. 50 or -20",
                    aria_label="Amount",
                    inputmode="numeric",
                    width="100%",
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Category", size="1", weight="medium"),
                rx.select.root(
                    rx.select.trigger(width="100%", aria_label="Category"),
                    rx.select.content(
                        *[rx.select.item(label, value=v) for v, label in CATEGORY_LABELS.items()]
                    ),
                    value=S.adjust_category,
                    on_change=S.set_adjust_category,
                ),
                spacing="1",
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        _reason(S.adjust_reason, handler(S.set_adjust_reason), "Why (required), e.g. ticket #1234"),
        preview,
        rx.cond(
            S.adjust_error != "",
            rx.text(S.adjust_error, color_scheme="red", size="2", id="adjust-error"),
        ),
        spacing="3",
        width="100%",
        margin_top="8px",
    )
    return confirm_dialog(
        rx.button(rx.icon("coins", size=15), "Adjust credits", on_click=S.open_adjust),
        "Adjust credits",
        form,
        rx.button(
            "Confirm adjustment",
            on_click=S.confirm_adjust,
            disabled=(S.adjust_delta == 0) | (S.adjust_reason == "") | (S.adjust_after < 0),
        ),
        max_width="460px",
    )


def _account_dialog(
    trigger_label: str,
    icon: str,
    title: str,
    text: str,
    kind: str,
    color: str,
    extra: rx.Component | None = None,
) -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon(icon, size=15),
            trigger_label,
            on_click=S.open_account_action,
            variant="soft",
            color_scheme=color,
        ),
        title,
        rx.vstack(
            description(text),
            extra or rx.fragment(),
            _reason(S.account_reason, handler(S.set_account_reason), "Why (required)"),
            spacing="3",
            width="100%",
            margin_top="8px",
        ),
        rx.button(
            title.rstrip("?"),
            on_click=handler(S.account_action)(kind),
            disabled=S.account_reason == "",
            color_scheme=color,
        ),
    )


def _role_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", aria_label="New role"),
        rx.select.content(*[rx.select.item(ROLE_LABELS[r], value=r.value) for r in Role]),
        value=S.new_role,
        on_change=S.set_new_role,
    )


def _actions() -> rx.Component:
    return rx.flex(
        rx.cond(may("credits.adjust") & S.sees_money, _adjust()),
        rx.cond(
            may("users.signout"),
            _account_dialog(
                "Sign out everywhere",
                "log-out",
                "Sign out everywhere?",
                "Ends every browser session and revokes every API refresh token of this user.",
                "signout",
                "gray",
            ),
        ),
        rx.cond(
            may("users.disable") & ~S.is_self,
            rx.cond(
                S.disabled,
                _account_dialog(
                    "Enable",
                    "lock-open",
                    "Enable this account?",
                    "The user can sign in and use the API again.",
                    "enable",
                    "green",
                ),
                _account_dialog(
                    "Disable",
                    "ban",
                    "Disable this account?",
                    "Every session, access token and refresh token stops working now; "
                    "their running clips finish normally.",
                    "disable",
                    "red",
                ),
            ),
        ),
        rx.cond(
            may("users.set_role"),  # on one's own page too: an admin may step down
            _account_dialog(
                "Change role",
                "user-cog",
                "Change role?",
                "Staff roles open the console; the last admin cannot be demoted.",
                "role",
                "indigo",
                _role_select(),
            ),
        ),
        gap="8px",
        wrap="wrap",
        id="user-actions",
    )


def _profile() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(
                    rx.avatar(
                        src=S.picture,
                        fallback=S.email[:2].upper(),
                        size="4",
                        radius="full",
                        custom_attrs={"referrerPolicy": "no-referrer"},
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.heading(
                                rx.cond(S.name != "", S.name, wrapping_text(S.email_parts)),
                                size=rx.breakpoints(initial="5", sm="6"),
                                overflow_wrap="anywhere",
                                id="console-title",
                            ),
                            role_badge(S.target_role, S.target_role_label),
                            rx.cond(
                                S.disabled,
                                rx.badge("Disabled", color_scheme="red", id="user-disabled"),
                            ),
                            align="center",
                            wrap="wrap",
                        ),
                        rx.text(
                            wrapping_text(S.email_parts),
                            color_scheme="gray",
                            size="2",
                            overflow_wrap="anywhere",  # a part longer than the line
                        ),
                        spacing="1",
                        min_width="0",
                    ),
                    align="center",
                    spacing="3",
                    min_width="0",
                ),
                rx.spacer(),
                _actions(),
                gap="16px",
                wrap="wrap",
                width="100%",
            ),
            rx.grid(
                fact("User id", rx.text("#", S.target_id, size="2")),
                fact("Signed up", S.joined),
                fact("Last sign-in", S.last_sign_in),
                rx.cond(
                    S.sees_money,
                    fact(
                        "Balance",
                        rx.text(S.balance, " credits", size="2", weight="bold", id="user-balance"),
                    ),
                ),
                fact("Subscription", rx.cond(S.subscription != "", S.subscription, "None")),
                fact("Made", S.counts),
                rx.cond(
                    may_open("audit.view_own"),
                    fact(
                        "Staff actions",
                        rx.link("Audit log of this user", href=S.audit_url, size="2"),
                    ),
                ),
                columns=rx.breakpoints(initial="2", sm="3", lg="4"),
                spacing="4",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id="user-profile",
    )


# --- tabs -----------------------------------------------------------------------------------


def _tab_pager() -> rx.Component:
    return rx.cond(
        S.tab_has_prev | S.tab_has_next,
        rx.hstack(
            rx.text(S.tab_range, size="2", color_scheme="gray"),
            rx.hstack(
                rx.button(
                    "Previous",
                    on_click=handler(S.turn_page)(-1),
                    disabled=~S.tab_has_prev,
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                ),
                rx.button(
                    "Next",
                    on_click=handler(S.turn_page)(1),
                    disabled=~S.tab_has_next,
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                ),
                spacing="2",
            ),
            justify="between",
            align="center",
            width="100%",
            padding_top="12px",
        ),
    )


def _ledger_row(row: ObjectVar[LedgerItem]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.when, white_space="nowrap", size="2"), display=_WIDE),
        rx.table.cell(
            rx.vstack(
                rx.text(row.kind, size="2", weight="medium"),
                rx.cond(row.note != "", rx.text(row.note, size="1", color_scheme="gray")),
                rx.cond(row.actor != "", rx.text("by ", row.actor, size="1", color_scheme="gray")),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.text(
                row.delta,
                weight="bold",
                color_scheme=rx.cond(row.is_credit, "green", "red"),
                white_space="nowrap",
            ),
            justify="end",
        ),
        rx.table.cell(row.balance_after, justify="end", display=_WIDE),
        rx.table.cell(
            rx.cond(
                row.reference_url != "",
                rx.link(
                    row.reference,
                    href=row.reference_url,
                    size="2",
                    title=row.reference_raw,
                    overflow_wrap="anywhere",  # a phone's narrow column: wrap, never clip
                ),
                rx.text(
                    row.reference,
                    size="2",
                    color_scheme="gray",
                    title=row.reference_raw,
                    overflow_wrap="anywhere",
                ),
            )
        ),
        align="center",
    )


def _ledger() -> rx.Component:
    return rx.cond(
        S.ledger.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When", display=_WIDE),
                        rx.table.column_header_cell("What"),
                        rx.table.column_header_cell("Change", justify="end"),
                        rx.table.column_header_cell("Balance", justify="end", display=_WIDE),
                        rx.table.column_header_cell("For"),
                    )
                ),
                rx.table.body(rx.foreach(S.ledger, _ledger_row)),
                variant="ghost",
                size="1",
                width="100%",
                id="ledger-table",
            ),
            _tab_pager(),
            width="100%",
        ),
        empty_state("receipt", "No ledger entries", "This balance never changed."),
    )


def _photo(row: ObjectVar[PhotoItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.image(
                    src=row.thumbnail_url,
                    alt=row.filename,
                    width="100%",
                    height="140px",
                    object_fit="cover",
                    border_radius="6px",
                ),
                href=row.url,
                is_external=True,
            ),
            rx.text(
                "#",
                row.id,
                " · ",
                row.filename,
                size="2",
                weight="medium",
                trim="both",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                width="100%",
            ),
            rx.text(row.details, size="1", color_scheme="gray"),
            rx.text(row.uses, " · ", row.when, size="1", color_scheme="gray"),
            spacing="1",
        ),
        id=f"photo-{row.id}",
    )


def _photos() -> rx.Component:
    return rx.cond(
        S.photos.length() > 0,
        rx.box(
            rx.grid(
                rx.foreach(S.photos, _photo),
                columns=rx.breakpoints(initial="2", sm="3", md="5"),
                spacing="3",
                width="100%",
            ),
            _tab_pager(),
            width="100%",
        ),
        empty_state("image", "No photos", "This user has not uploaded a product photo."),
    )


def _script(row: ObjectVar[ScriptItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("#", row.id, weight="bold", size="2"),
                rx.text(row.product, weight="medium", size="2"),
                rx.cond(
                    row.photo != "", rx.badge(rx.icon("image", size=12), row.photo, variant="soft")
                ),
                rx.cond(
                    row.parent != "",
                    rx.badge(
                        rx.icon("git-branch", size=12),
                        row.parent,
                        variant="soft",
                        color_scheme="indigo",
                    ),
                ),
                rx.cond(
                    row.clips != 0,
                    rx.link(
                        rx.badge(
                            rx.icon("clapperboard", size=12),
                            row.clips,
                            " clips",
                            variant="soft",
                            color_scheme="green",
                        ),
                        href=row.clips_url,
                    ),
                ),
                wrap="wrap",
                align="center",
            ),
            rx.text(row.excerpt, size="2", color_scheme="gray"),
            rx.text(row.meta, " · ", row.when, size="1", color_scheme="gray"),
            spacing="1",
        ),
        width="100%",
        id=f"script-{row.id}",
    )


def _scripts() -> rx.Component:
    return rx.cond(
        S.scripts.length() > 0,
        rx.vstack(rx.foreach(S.scripts, _script), _tab_pager(), spacing="2", width="100%"),
        empty_state("file-text", "No scripts", "This user has not had an ad script written."),
    )


def _clips() -> rx.Component:
    return rx.cond(
        S.clips.length() > 0,
        rx.vstack(
            rx.foreach(S.clips, lambda row: clip_item(row, S, show_owner=False)),
            _tab_pager(),
            spacing="2",
            width="100%",
            id="user-clips",
        ),
        empty_state("clapperboard", "No clips", "This user has not ordered a clip."),
    )


def _sign_in(row: ObjectVar[SignInItem]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.hstack(
                rx.icon(rx.cond(row.kind == "browser", "monitor", "key-round"), size=16),
                rx.text(row.label, size="2", weight="medium"),
                rx.badge(
                    rx.cond(row.active, "Active", "Ended"),
                    color_scheme=rx.cond(row.active, "green", "gray"),
                ),
                align="center",
            ),
            rx.spacer(),
            rx.text(
                "Started ",
                row.created,
                rx.cond(row.last_used != "", f" · last used {row.last_used}", ""),
                " · ",
                rx.cond(row.active, "expires ", "ended "),
                row.ends,
                size="1",
                color_scheme="gray",
            ),
            gap="8px",
            wrap="wrap",
            align="center",
        ),
        width="100%",
    )


def _sign_ins() -> rx.Component:
    return rx.cond(
        S.sign_ins.length() > 0,
        rx.vstack(rx.foreach(S.sign_ins, _sign_in), spacing="2", width="100%"),
        empty_state("key-round", "No sign-ins", "No browser session or API token on record."),
    )


def _tab(value: str, label: str, icon: str) -> rx.Component:
    return rx.tabs.trigger(
        rx.hstack(rx.icon(icon, size=14), label, align="center", spacing="1"), value=value
    )


def _tabs() -> rx.Component:
    content = rx.cond(
        S.tab_loading,
        rx.center(rx.spinner(size="3"), padding_y="48px", width="100%"),
        rx.match(
            S.tab,
            ("ledger", _ledger()),
            ("payments", console_payments()),
            ("photos", _photos()),
            ("scripts", _scripts()),
            ("sign-ins", _sign_ins()),
            _clips(),
        ),
    )
    return rx.card(
        rx.tabs.root(
            rx.box(
                rx.tabs.list(
                    rx.cond(S.sees_money, _tab("ledger", "Credits", "receipt")),
                    rx.cond(S.sees_money, _tab("payments", "Payments", "credit-card")),
                    _tab("clips", "Clips", "clapperboard"),
                    _tab("photos", "Photos", "image"),
                    _tab("scripts", "Scripts", "file-text"),
                    _tab("sign-ins", "Sign-ins", "key-round"),
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.box(content, padding_top="16px", width="100%"),
            value=S.tab,
            on_change=S.show_tab,
            width="100%",
        ),
        size="2",
        width="100%",
        id="user-tabs",
    )


def _missing() -> rx.Component:
    return rx.card(
        rx.vstack(
            empty_state("user-x", "No such user", "There is no account with this id."),
            rx.button(
                rx.link("Back to users", href=routes.CONSOLE_USERS), as_child=True, variant="soft"
            ),
            align="center",
            padding_bottom="32px",
        ),
        width="100%",
        id="user-missing",
    )


@template(routes.CONSOLE_USER, "User · Console", permission=S.permission, on_load=handler(S.load))
def console_user() -> rx.Component:
    return rx.vstack(
        console_nav(),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "All users", align="center", spacing="1"),
            href=routes.CONSOLE_USERS,
            size="2",
        ),
        error_callout(S.load_error),
        error_callout(S.action_error, "action-error"),
        success_callout(S.done, "action-done"),
        error_callout(S.clip_error, "clip-error"),
        success_callout(S.clip_done, "clip-done"),
        rx.cond(
            S.allowed,
            rx.cond(S.found, rx.vstack(_profile(), _tabs(), spacing="4", width="100%"), _missing()),
            loading_card("320px"),
        ),
        spacing="4",
        width="100%",
        min_width="0",
    )
