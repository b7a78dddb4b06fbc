"""Studio step 3: what the video shows, model, length, format and clip count, the live price,
and Generate. Each choice goes to the server, which prices it from the catalog."""

from __future__ import annotations

import reflex as rx

from v4a_portal.components.buy_credits import buy_credits_link, is_short
from v4a_portal.components.credits_short import credits_short
from v4a_portal.components.form_field import field, group
from v4a_portal.components.price_tag import price_tag
from v4a_portal.components.step import step
from v4a_portal.state.studio_video import PROMPT_MAX
from v4a_portal.state.studio_video import StudioVideoState as S


def _prompt() -> rx.Component:
    return field(
        "What happens in the video",
        rx.text_area(
            name="prompt",
            # Remounted with the new text whenever it is set on the server (a new script).
            key=S.prompt_version,
            default_value=S.prompt,
            on_blur=S.keep_prompt,
            placeholder="e.g. Slow push-in on the bottle standing on a mossy rock at sunrise",
            rows="3",
            max_length=PROMPT_MAX,
            resize="vertical",
            size="2",
            width="100%",
            id="video-prompt",
        ),
        hint=rx.cond(S.has_script, "from your script's VIDEO PROMPT", "required without a script"),
    )


def _model() -> rx.Component:
    return field(
        "Model",
        rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(
                rx.foreach(S.models, lambda m: rx.select.item(m.label, value=m.id)),
            ),
            value=S.model,
            on_change=S.choose_model,
            size="2",
        ),
        hint=S.model_rate,
    )


def _segments(label: str, options: rx.Var, value: rx.Var, on_change, words) -> rx.Component:
    return group(
        label,
        rx.segmented_control.root(
            rx.foreach(options, lambda o: rx.segmented_control.item(words(o), value=o)),
            value=value,
            on_change=on_change,
            size="2",
            width="100%",
        ),
    )


def _count() -> rx.Component:
    return field(
        "Clips",
        rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(
                rx.foreach(S.count_options, lambda n: rx.select.item(n, value=n)),
            ),
            value=S.count,
            on_change=S.choose_count,
            size="2",
        ),
    )


def _choices() -> rx.Component:
    return rx.grid(
        _model(),
        _segments(
            "Duration", S.duration_options, S.duration, S.choose_duration, lambda d: d + " s"
        ),
        _segments(
            "Format",
            S.orientation_options,
            S.orientation,
            S.choose_orientation,
            lambda o: rx.cond(o == "portrait", "Portrait 9:16", "Landscape 16:9"),
        ),
        _count(),
        grid_template_columns=rx.breakpoints(
            initial="1fr", sm="1fr 1fr", lg="1.2fr 1fr 1.3fr 0.6fr"
        ),
        spacing="4",
        width="100%",
    )


def _why_not() -> rx.Component:
    """Why Generate is off, in words, when it is."""
    return rx.cond(
        S.credits_blocker != "",
        credits_short(
            S.credits_blocker, S.bonus_note, "video-why-not", align="end", text_align="right"
        ),
        rx.cond(
            S.blocker != "",
            rx.text(
                S.blocker, size="2", color_scheme="gray", id="video-why-not", text_align="right"
            ),
        ),
    )


def _error() -> rx.Component:
    return rx.cond(
        S.video_error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", size=16)),
            rx.callout.text(
                S.video_error, buy_credits_link(is_short(S.video_error), "video-error-buy")
            ),
            color_scheme="red",
            variant="soft",
            role="alert",
            id="video-error",
            width="100%",
        ),
    )


def _generate() -> rx.Component:
    clips = rx.cond(S.count == "1", "1 clip", S.count + " clips")
    return rx.button(
        rx.icon("clapperboard", size=16),
        "Generate ",
        clips,
        type="submit",
        size="3",
        loading=S.generating,
        disabled=~S.can_generate,
        id="video-generate",
    )


def video_step() -> rx.Component:
    form = rx.form(
        rx.vstack(
            _prompt(),
            _choices(),
            rx.separator(size="4"),
            rx.flex(
                rx.vstack(
                    price_tag(S.video_price, S.credits, "video"),
                    rx.cond(
                        S.is_subscriber,
                        rx.text(
                            rx.icon("zap", size=12),
                            " Subscriber: your clips go to the front of the queue.",
                            size="1",
                            color_scheme="grass",
                            id="video-priority",
                        ),
                    ),
                    spacing="1",
                ),
                rx.spacer(),
                rx.vstack(
                    _generate(),
                    _why_not(),
                    align="end",
                    spacing="2",
                ),
                align="center",
                wrap="wrap",
                gap="12px",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=S.generate,
        reset_on_submit=False,
        width="100%",
    )
    return step(
        3,
        "Video clips",
        "Choose the model, length, format and how many clips; the price updates as you go.",
        form,
        _error(),
        # Done once clips exist for a chosen photo: nothing is done while no photo is.
        done=S.has_photo & (S.clips.length() > 0),
        id="studio-video-step",
    )
