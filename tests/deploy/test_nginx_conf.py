"""The nginx config deploy/nginx_conf.py fills in: nginx itself accepts it, and Reflex's
routes with a parameter become locations that match what the app's router matches."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from deploy import nginx_conf
from tests.conftest import REQUIRE_SERVICES


def _web_dir(tmp_path: Path, routes: list[str]) -> Path:
    web = tmp_path / "web"
    (web / "build" / "client").mkdir(parents=True)
    (web / "routes.json").write_text(json.dumps(routes))
    return web


@pytest.mark.parametrize(
    ("route", "matches", "misses"),
    [
        ("console/users/[account_id]", ["/console/users/7", "/console/users/7/"],
         ["/console/users", "/console/users/7/x"]),
        ("posts/[[slug]]", ["/posts", "/posts/a"], ["/posts/a/b"]),
        ("docs/[[...splat]]", ["/docs", "/docs/a/b"], ["/doc"]),
        ("a.b/[id]", ["/a.b/1"], ["/axb/1"]),
    ],
)  # fmt: skip
def test_a_route_with_a_parameter_matches_its_paths(
    route: str, matches: list[str], misses: list[str]
) -> None:
    regex = re.compile(nginx_conf._route_regex(route))
    assert all(regex.match(path) for path in matches)
    assert not any(regex.match(path) for path in misses)


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    if not nginx_conf.NGINX.exists():
        message = f"{nginx_conf.NGINX} is missing; run scripts/browser.sh"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    web = _web_dir(tmp_path, ["index", "console/users/[account_id]", "studio"])
    backends = ["127.0.0.1:8001", "127.0.0.1:8002"]
    conf = nginx_conf.write("127.0.0.1:8000", web, backends, tmp_path / "run")

    text = conf.read_text()
    assert "${" not in text  # every field filled
    assert "server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;" in text
    assert "location ~ ^/console/users/[^/]+/?$" in text
    assert text.count("add_header Content-Security-Policy") == 3  # pages, assets, the route
    run = tmp_path / "run"
    checked = subprocess.run(
        [nginx_conf.NGINX, "-t", "-p", str(run), "-e", str(run / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
