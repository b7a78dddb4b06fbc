"""The README's configuration table and .env.example list every setting."""

from pathlib import Path

from v4a_portal.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _aliases() -> set[str]:
    return {f.alias for f in Settings.model_fields.values() if f.alias}


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- config-table -->")[1].split("<!-- /config-table -->")[0]
    missing = sorted(a for a in _aliases() if f"`{a}`" not in table)
    assert not missing, f"README config table lacks {missing}"


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    missing = sorted(a for a in _aliases() if f"{a}=" not in example)
    assert not missing, f".env.example lacks {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().splitlines()[:8]
    assert any("make run" in line for line in head)
    assert any("make test" in line for line in head)
