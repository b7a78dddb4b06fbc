"""Layers point one way (README, Architecture): checked on the import statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "v4a_portal"


def _imports(folder: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("providers", ("v4a_portal.services", "v4a_portal.db", "v4a_portal.models", "reflex")),
        ("services", ("reflex", "fastapi", "starlette", "v4a_portal.state", "v4a_portal.api")),
        ("components", ("v4a_portal.services", "v4a_portal.db")),
        ("pages", ("v4a_portal.services", "v4a_portal.db")),
    ],
)
def test_layers_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = [
        f"{path} imports {module}"
        for path, module in _imports(PACKAGE / folder)
        if module.startswith(forbidden)
    ]
    assert not wrong, "\n".join(wrong)
