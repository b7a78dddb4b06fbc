"""Fills deploy/nginx.conf.template for one frontend build and a set of web processes:
`python -m deploy.nginx_conf --listen 127.0.0.1:8000 --web-dir .web-prod --backend
127.0.0.1:8001 --backend 127.0.0.1:8002 --run-dir data/nginx` writes run-dir/nginx.conf
(then `nginx -c <that file>`). Settings (public URL, upload limit) come from the environment,
as the web processes read them."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from v4a_portal.api.security_headers import default_headers
from v4a_portal.settings import get_settings

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
# Where Debian's nginx package puts them.
NGINX = Path("/usr/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")
# One refused or dropped connection takes a web process out of rotation for this long;
# nginx then tries it again with one request.
FAIL_SECONDS = 10
_FIELD = re.compile(r"\$\{(\w+)\}")


def _route_regex(route: str) -> str:
    """Reflex's route pattern (`console/users/[account_id]`) as an nginx location regex."""
    parts = []
    for part in route.strip("/").split("/"):
        if part.startswith(("[[...", "[...")):
            parts.append("(/.*)?")
        elif part.startswith("[["):
            parts.append("(/[^/]+)?")
        elif part.startswith("["):
            parts.append("/[^/]+")
        else:
            parts.append("/" + re.escape(part))
    return "^" + "".join(parts) + "/?$"


def _dynamic_routes(web_dir: Path, headers: str) -> str:
    # The routes manifest Reflex writes at compile time, the one its own static server uses.
    routes = json.loads((web_dir / "routes.json").read_text())
    return "\n".join(
        f"        location ~ {_route_regex(route)} {{\n{headers}\n"
        "            expires -1;\n            try_files /__spa-fallback.html =404;\n        }"
        for route in routes
        if "[" in route
    )


def _static_headers() -> str:
    """The web process's own security headers, for the pages nginx serves without it."""
    return "\n".join(
        f'            add_header {name} "{value}" always;'
        for name, value in default_headers().items()
    )


def render(listen: str, web_dir: Path, backends: list[str], run_dir: Path) -> str:
    headers = _static_headers()
    fields = {
        "listen": listen,
        "static_dir": str(web_dir / "build" / "client"),
        "run_dir": str(run_dir),
        "mime_types": str(MIME_TYPES),
        "max_body_mb": str(get_settings().max_upload_mb + 1),
        "servers": "\n".join(
            f"        server {b} max_fails=1 fail_timeout={FAIL_SECONDS}s;" for b in backends
        ),
        "backend_count": str(len(backends)),
        "static_headers": headers,
        "dynamic_routes": _dynamic_routes(web_dir, headers),
    }
    return _FIELD.sub(lambda m: fields[m.group(1)], TEMPLATE.read_text())


def write(listen: str, web_dir: Path, backends: list[str], run_dir: Path) -> Path:
    """Writes run_dir/nginx.conf and the folders nginx buffers to; returns the file."""
    web_dir, run_dir = web_dir.resolve(), run_dir.resolve()
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    conf = run_dir / "nginx.conf"
    conf.write_text(render(listen, web_dir, backends, run_dir))
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", required=True, help="host:port nginx answers on")
    parser.add_argument("--web-dir", type=Path, required=True, help="REFLEX_WEB_WORKDIR")
    parser.add_argument("--backend", action="append", required=True, help="host:port")
    parser.add_argument("--run-dir", type=Path, required=True, help="pid, logs, buffers")
    args = parser.parse_args()
    print(write(args.listen, args.web_dir, args.backend, args.run_dir))


if __name__ == "__main__":
    main()
