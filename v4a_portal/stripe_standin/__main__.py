"""`python -m v4a_portal.stripe_standin serve | renew SUB | dispute CH | close DP won|lost`.

`serve` reads the portal's settings: its URL from V4A_STRIPE_STANDIN_URL, the webhook at
V4A_PUBLIC_URL + /api/v1/webhooks/stripe signed with STRIPE_WEBHOOK_SECRET. The other
commands ask the running stand-in to act, as its dashboard's buttons do.
"""

from __future__ import annotations

import argparse
import json
import sys

import httpx

from v4a_portal.settings import get_settings
from v4a_portal.stripe_standin.server import serve

WEBHOOK_PATH = "/api/v1/webhooks/stripe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m v4a_portal.stripe_standin")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the stand-in")
    commands.add_parser("renew", help="move a subscription to its next period").add_argument("id")
    commands.add_parser("dispute", help="open a dispute on a charge").add_argument("id")
    close = commands.add_parser("close", help="close a dispute as won or lost")
    close.add_argument("id")
    close.add_argument("outcome", choices=["won", "lost"])
    args = parser.parse_args(argv)
    settings = get_settings()
    base = settings.stripe_standin_url.rstrip("/")
    if args.command == "serve":
        webhook = settings.public_url.rstrip("/") + WEBHOOK_PATH
        serve(base, webhook, settings.stripe_webhook_secret)
        return 0
    path = {
        "renew": f"/_standin/subscriptions/{args.id}/renew",
        "dispute": f"/_standin/charges/{args.id}/dispute",
        "close": f"/_standin/disputes/{args.id}/close",
    }[args.command]
    data = {"outcome": args.outcome} if args.command == "close" else {}
    response = httpx.post(base + path, data=data)
    print(json.dumps(response.json(), indent=2))
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
