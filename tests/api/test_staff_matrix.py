"""The README's permission matrix is `services/permissions.MATRIX`, row for row."""

from __future__ import annotations

from pathlib import Path

from v4a_portal.models import Role
from v4a_portal.services import permissions

README = Path(__file__).resolve().parents[2] / "README.md"


def matrix_table() -> str:
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(r.value for r in roles) + " |",
        "|---" * (len(roles) + 1) + "|",
    ]
    for name in sorted(permissions.MATRIX):
        marks = ["✓" if r in permissions.MATRIX[name] else "" for r in roles]
        lines.append(f"| `{name}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_readme_matrix_is_the_permission_module() -> None:
    block = README.read_text().split("<!-- permission-matrix -->")[1]
    documented = block.split("<!-- /permission-matrix -->")[0].strip()
    assert _cells(documented) == _cells(matrix_table()), f"paste into README:\n{matrix_table()}"


def _cells(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]


def test_the_issue_matrix() -> None:
    """Point 10 of the staff-console issue, role by role (and billing item 7: support
    refunds payments)."""
    support = {
        "console.view", "users.view", "clips.view", "queues.view", "credits.view",
        "credits.adjust", "videos.refund", "videos.retry", "videos.cancel",
        "videos.bulk_retry", "users.signout", "audit.view_own", "payments.refund",
    }  # fmt: skip
    assert set(permissions.granted(Role.customer)) == set()
    assert set(permissions.granted(Role.support)) == support
    assert set(permissions.granted(Role.analyst)) == {
        "console.view",
        "users.view",
        "clips.view",
        "analytics.view",
        "analytics.import",
    }
    assert set(permissions.granted(Role.admin)) == set(permissions.MATRIX)
