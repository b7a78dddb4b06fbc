"""Ad scripts: `writing` (generate, regenerate, edit, read; re-exported here), `text_format`
(the labelled text form's one grammar) and `sweep` (refunds paid requests that died)."""

from v4a_portal.services.scripts.writing import (
    DURATIONS,
    LANGUAGES,
    MAX_TEXT,
    Generated,
    SameScript,
    ScriptFailed,
    ScriptRequest,
    edit,
    generate,
    get_owned,
    lineage,
    list_for,
    refund_unless_stored,
    regenerate,
)

__all__ = [
    "DURATIONS",
    "LANGUAGES",
    "MAX_TEXT",
    "Generated",
    "SameScript",
    "ScriptFailed",
    "ScriptRequest",
    "edit",
    "generate",
    "get_owned",
    "lineage",
    "list_for",
    "refund_unless_stored",
    "regenerate",
]
