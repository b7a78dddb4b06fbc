"""A clip as staff see it (a card that reads on a phone as on a desk): status, owner, model,
attempts, age (once ended: how long it took), live progress, stuck flag, error, generation
and RQ job ids, timings, and the refund / retry / cancel buttons this role may use, each
behind a confirmation."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.state.console_base import may
from v4a_portal.state.console_clip_actions import ClipRow

_STATUS_COLORS = {
    "pending": "gray",
    "processing": "indigo",
    "completed": "green",
    "failed": "red",
    "canceled": "amber",
}


def status_badge(row: ObjectVar[ClipRow]) -> rx.Component:
    return rx.badge(
        row.status_label,
        color_scheme=rx.match(row.status, *_STATUS_COLORS.items(), "gray"),
        variant="soft",
    )


def _reason(state: Any, placeholder: str) -> rx.Component:
    return rx.text_area(
        value=state.clip_reason,
        on_change=state.set_clip_reason,
        placeholder=placeholder,
        aria_label="Reason",
        rows="2",
        width="100%",
        margin_top="12px",
    )


def _confirm(label: str, handler: Any, state: Any, color: str) -> rx.Component:
    return rx.button(label, on_click=handler, disabled=state.clip_reason == "", color_scheme=color)


def _refund(row: ObjectVar[ClipRow], state: Any) -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("undo-2", size=14),
            "Refund",
            on_click=state.open_clip_action(row.id, row.model),
            size="1",
            variant="soft",
            color_scheme="amber",
        ),
        "Refund this clip?",
        rx.vstack(
            description(
                "Clip #",
                row.id,
                " (",
                row.spec,
                ") of ",
                row.user_email,
                ": its credits go back to the customer, once. The reason is recorded in"
                " the audit log.",
            ),
            _reason(state, "Why (required), e.g. the clip showed the wrong product"),
        ),
        _confirm("Refund", state.refund_clip, state, "amber"),
    )


def _retry(row: ObjectVar[ClipRow], state: Any) -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("rotate-cw", size=14),
            "Retry",
            on_click=state.open_clip_action(row.id, row.model),
            size="1",
            variant="soft",
            color_scheme="indigo",
        ),
        "Retry this clip?",
        rx.vstack(
            description(
                "A new clip from the same photo, script and prompt as clip #",
                row.id,
                "; the customer sees it in their Library at once.",
            ),
            rx.text("Cost to the customer", size="2", weight="medium", margin_top="8px"),
            rx.radio_group.root(
                rx.radio_group.item("Waived: nothing is charged", value="waived"),
                rx.radio_group.item("Charged: the model's normal price", value="charged"),
                value=state.retry_charge,
                on_change=state.set_retry_charge,
                direction="column",
                spacing="1",
                aria_label="Cost to the customer",
            ),
            rx.text("Model", size="2", weight="medium", margin_top="8px"),
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="Model"),
                rx.select.content(
                    rx.foreach(
                        state.model_options,
                        lambda option: rx.select.item(option[1], value=option[0]),
                    )
                ),
                value=state.retry_model,
                on_change=state.set_retry_model,
            ),
            _reason(state, "Why (required), e.g. provider outage"),
            spacing="1",
            width="100%",
        ),
        _confirm("Retry", state.retry_clip, state, "indigo"),
    )


def _cancel(row: ObjectVar[ClipRow], state: Any) -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("circle-stop", size=14),
            "Cancel",
            on_click=state.open_clip_action(row.id, row.model),
            size="1",
            variant="soft",
            color_scheme="red",
        ),
        "Cancel this clip?",
        rx.vstack(
            description(
                "Clip #",
                row.id,
                " stops and its credits go back to ",
                row.user_email,
                ", as when the customer cancels it.",
            ),
            _reason(state, "Why (required)"),
        ),
        _confirm("Cancel clip", state.cancel_clip, state, "red"),
        dismiss="Keep it",
    )


def _actions(row: ObjectVar[ClipRow], state: Any) -> rx.Component:
    return rx.hstack(
        rx.cond(row.can_refund & may("videos.refund"), _refund(row, state)),
        rx.cond(row.can_retry & may("videos.retry"), _retry(row, state)),
        rx.cond(row.can_cancel & may("videos.cancel"), _cancel(row, state)),
        spacing="2",
        wrap="wrap",
    )


def _meta(icon: str, *children: Any) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=13, color=rx.color("gray", 9), flex_shrink="0"),
        rx.text(*children, size="1", color_scheme="gray"),
        align="center",
        spacing="1",
        min_width="0",
    )


def clip_item(row: ObjectVar[ClipRow], state: Any, *, show_owner: bool = True) -> rx.Component:
    head = rx.flex(
        rx.hstack(
            status_badge(row),
            rx.text("#", row.id, weight="bold", size="2"),
            rx.text(row.model, size="2", color_scheme="gray"),
            rx.cond(
                row.stuck,
                rx.badge(
                    rx.icon("clock-alert", size=12),
                    "Stuck: past ",
                    row.expected,
                    color_scheme="red",
                    variant="solid",
                ),
            ),
            rx.cond(row.refunded, rx.badge("Refunded", color_scheme="amber", variant="outline")),
            rx.cond(
                row.retry_of_id != 0,
                rx.link(rx.badge("Retry of #", row.retry_of_id), href=row.retry_of_url),
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.spacer(),
        _actions(row, state),
        gap="8px",
        wrap="wrap",
        align="center",
        width="100%",
    )
    meta = rx.flex(
        *(
            [_meta("user", rx.link(row.user_email, href=row.user_url, word_break="break-all"))]
            if show_owner
            else []
        ),
        _meta("server", row.provider, " · ", row.spec),
        _meta("repeat", "Attempts ", row.attempts),
        _meta("timer", row.timing),
        _meta("calendar", row.created, rx.cond(row.ended != "", f" → {row.ended}", "")),
        gap="4px 16px",
        wrap="wrap",
    )
    ids = rx.cond(
        (row.generation_id != "") | (row.rq_job_id != ""),
        rx.flex(
            rx.cond(
                row.generation_id != "",
                _meta(
                    "fingerprint",
                    "Generation ",
                    rx.code(row.generation_id, size="1", word_break="break-all"),
                ),
            ),
            rx.cond(
                row.rq_job_id != "",
                _meta("list-ordered", "RQ job ", rx.code(row.rq_job_id, size="1")),
            ),
            gap="4px 16px",
            wrap="wrap",
        ),
    )
    return rx.card(
        rx.vstack(
            head,
            meta,
            rx.cond(
                row.active,
                rx.hstack(
                    rx.progress(value=row.progress, max=100, width="100%"),
                    rx.text(row.progress, "%", size="1", color_scheme="gray", min_width="36px"),
                    align="center",
                    width="100%",
                ),
            ),
            rx.cond(
                row.error_code != "",
                rx.callout.root(
                    rx.callout.text(rx.code(row.error_code, size="1"), " ", row.error_message),
                    # A cancel is someone's choice, not a fault: not in the colour of errors.
                    color_scheme=rx.cond(row.status == "canceled", "amber", "red"),
                    variant="soft",
                    size="1",
                    width="100%",
                ),
            ),
            ids,
            spacing="2",
            width="100%",
        ),
        width="100%",
        id=f"clip-{row.id}",
        class_name="console-clip",
        custom_attrs={"data-status": row.status},
    )
