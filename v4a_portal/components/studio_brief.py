"""Studio step 2: the brief for the script writer, its price and the balance that pays for it."""

from __future__ import annotations

import reflex as rx

from v4a_portal.components.buy_credits import buy_credits_link, is_short
from v4a_portal.components.credits_short import credits_short
from v4a_portal.components.form_field import field
from v4a_portal.components.step import step
from v4a_portal.state import messages
from v4a_portal.state.studio import SCRIPT_DURATIONS, StudioState


def _select(name: str, default: rx.Var[str] | str, options: list[tuple[str, str]]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in options]),
        name=name,
        default_value=default,
        size="2",
    )


def _choices() -> rx.Component:
    languages = sorted(messages.LANGUAGE_LABELS.items(), key=lambda item: item[1])
    durations = [(str(d), f"{d} seconds") for d in SCRIPT_DURATIONS]
    return rx.grid(
        field("Tone", _select("tone", StudioState.brief_tone, list(messages.TONE_LABELS.items()))),
        field("Language", _select("language", StudioState.brief_language, languages)),
        field("Length", _select("duration", StudioState.brief_duration, durations)),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="3",
        width="100%",
    )


def _cost() -> rx.Component:
    enough = StudioState.credits >= StudioState.price
    return rx.vstack(
        rx.hstack(
            rx.icon("coins", size=15, color=rx.color("amber", 10)),
            rx.text(StudioState.price, " credits", weight="medium", size="2"),
            spacing="1",
            align="center",
        ),
        rx.text(
            "Your balance: ",
            rx.text.span(StudioState.credits, id="studio-balance"),
            size="1",
            color=rx.cond(enough, rx.color("gray", 11), rx.color("tomato", 11)),
        ),
        spacing="0",
    )


def _error() -> rx.Component:
    return rx.cond(
        StudioState.script_error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", size=16)),
            rx.callout.text(
                StudioState.script_error,
                buy_credits_link(is_short(StudioState.script_error), "studio-script-buy"),
            ),
            color_scheme="red",
            variant="soft",
            role="alert",
            id="studio-script-error",
            width="100%",
        ),
    )


def brief_step() -> rx.Component:
    form = rx.form(
        rx.vstack(
            field(
                "Product name",
                rx.input(
                    name="product",
                    default_value=StudioState.brief_product,
                    placeholder="e.g. Aurora ceramic mug",
                    required=True,
                    max_length=200,
                    size="2",
                    width="100%",
                ),
            ),
            field(
                "Audience",
                rx.input(
                    name="audience",
                    default_value=StudioState.brief_audience,
                    placeholder="e.g. coffee lovers who work from home",
                    max_length=200,
                    size="2",
                    width="100%",
                ),
                hint="optional",
            ),
            _choices(),
            rx.separator(size="4"),
            rx.hstack(
                _cost(),
                rx.spacer(),
                rx.button(
                    rx.icon("sparkles", size=16),
                    "Write script",
                    type="submit",
                    size="3",
                    loading=StudioState.writing,
                    disabled=~StudioState.has_photo
                    | StudioState.writing
                    | (StudioState.script_short != ""),
                ),
                align="center",
                width="100%",
            ),
            credits_short(
                StudioState.script_short,
                StudioState.bonus_note,
                "studio-script-short",
                align="end",
                text_align="right",
                width="100%",
            ),
            rx.cond(
                ~StudioState.has_photo,
                rx.text(
                    messages.PHOTO_NEEDED,
                    size="1",
                    color_scheme="gray",
                    text_align="right",
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=StudioState.write_script,
        reset_on_submit=False,
        width="100%",
        # Filled again (remounted) when a script's brief is opened, e.g. from the Library.
        key=StudioState.brief_version,
    )
    return step(
        2,
        "Ad script",
        "Tell the writer what the product is and who it is for.",
        form,
        _error(),
        done=StudioState.has_script,
        id="studio-brief-step",
    )
