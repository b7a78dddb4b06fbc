"""The OpenAI script writer: chat completions with the photo as image input and a JSON
schema for the answer (structured output), through the official `openai` SDK."""

from __future__ import annotations

import base64
import json

import openai
from pydantic import ValidationError

from v4a_portal.providers.script_writer import AdScript, Brief, WriterError

_SYSTEM = (
    "You write short video ad scripts for small online shops. Answer only with JSON that "
    "follows the schema: a hook, 2-4 scenes (visual description, on-screen text of at most "
    "8 words, seconds), a call to action, and a video_prompt for an image-to-video model "
    "that starts from the given product photo (describe camera motion, lighting, mood; no "
    "real people, no brand logos other than the product's own, no on-screen text)."
)

_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["hook", "scenes", "call_to_action", "video_prompt"],
    "properties": {
        "hook": {"type": "string"},
        "scenes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["visual", "on_screen_text", "seconds"],
                "properties": {
                    "visual": {"type": "string"},
                    "on_screen_text": {"type": "string"},
                    "seconds": {"type": "integer"},
                },
            },
        },
        "call_to_action": {"type": "string"},
        "video_prompt": {"type": "string"},
    },
}


class OpenAIWriter:
    name = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        # The SDK retries 408/409/429/5xx itself with backoff; we only map what is left.
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries
        )
        self.model = model
        self.name = f"openai:{model}"

    def write(self, brief: Brief) -> AdScript:
        image_url = (
            f"data:{brief.image_content_type};base64,{base64.b64encode(brief.image_bytes).decode()}"
        )
        ask = (
            f"Product: {brief.product}\nAudience: {brief.audience or 'general'}\n"
            f"Tone: {brief.tone or 'energetic'}\nLanguage: {brief.language}\n"
            f"Total length: {brief.target_duration} seconds."
        )
        if brief.variant:
            ask += (
                "\nThis is a new version of a script already written for this brief: take "
                "a different hook, angle and wording, keeping to the same product, audience "
                f"and tone (version {brief.variant})."
            )
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": _SYSTEM},
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": ask},
                            {"type": "image_url", "image_url": {"url": image_url, "detail": "low"}},
                        ],
                    },
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "ad_script", "strict": True, "schema": _SCHEMA},
                },
            )
        except openai.RateLimitError as exc:
            raise WriterError(
                "The script writer is busy; please try again in a minute.",
                code="writer_rate_limited",
            ) from exc
        except openai.APITimeoutError as exc:
            raise WriterError(
                "The script writer took too long to answer.", code="writer_timeout"
            ) from exc
        except openai.APIStatusError as exc:
            raise WriterError(
                f"The script writer failed (HTTP {exc.status_code}).", code="writer_failed"
            ) from exc
        except openai.APIConnectionError as exc:
            raise WriterError(
                "The script writer cannot be reached.", code="writer_unreachable"
            ) from exc
        choice = completion.choices[0] if completion.choices else None
        content = choice.message.content if choice else None
        if choice is not None and getattr(choice.message, "refusal", None):
            raise WriterError(
                "The script writer declined this photo or brief.", code="writer_refused"
            )
        try:
            return AdScript.model_validate(json.loads(content or ""))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise WriterError(
                "The script writer returned an unreadable script.", code="writer_bad_output"
            ) from exc
