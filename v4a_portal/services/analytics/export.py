"""A report's main table as CSV, the one export every page and endpoint offers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    # Spreadsheets read true/false, not Python's True/False; None is an empty cell.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
