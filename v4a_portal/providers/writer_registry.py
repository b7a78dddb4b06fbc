"""Pick the script writer the configuration asks for."""

from __future__ import annotations

from v4a_portal.providers.local_writer import LocalWriter
from v4a_portal.providers.openai_writer import OpenAIWriter
from v4a_portal.providers.script_writer import ScriptWriter
from v4a_portal.settings import Settings


def writer_for(settings: Settings) -> ScriptWriter:
    choice = settings.script_writer
    if choice == "openai" or (choice == "auto" and settings.openai_api_key):
        return OpenAIWriter(
            api_key=settings.openai_api_key or "unset",
            model=settings.script_model,
            base_url=settings.openai_base_url or None,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
    return LocalWriter()
