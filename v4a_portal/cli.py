"""The command line: migrations, credit reconciliation, user tokens and roles, storage and
photo upkeep, demo data."""

from __future__ import annotations

import argparse
import json
import sys

from v4a_portal.db import session_scope
from v4a_portal.services import accounts, demo, ledger
from v4a_portal.services.auth import api_tokens
from v4a_portal.services.errors import Conflict, DomainError


def _upgrade(_: argparse.Namespace) -> int:
    from v4a_portal.schema_migrations import upgrade

    upgrade()
    print("database is at the latest revision")
    return 0


def _reconcile(_: argparse.Namespace) -> int:
    with session_scope() as session:
        problems = ledger.reconcile(session)
    if not problems:
        print("ledger reconciles: every balance equals the sum of its entries")
        return 0
    print(f"{len(problems)} mismatch(es):", file=sys.stderr)
    for p in problems:
        print(f"  user {p.user_id}: {p.problem}", file=sys.stderr)
    return 1


def _token(args: argparse.Namespace) -> int:
    with session_scope() as session:
        user = accounts.by_email(session, args.email)
        if user.disabled:
            print(f"{args.email} is disabled", file=sys.stderr)
            return 1
        pair = api_tokens.issue(session, user)
    print(json.dumps(pair.as_dict()))
    return 0


def _set_role(args: argparse.Namespace) -> int:
    # The console's own action: the same rules (not the last admin) and the same audit row,
    # with no actor and the reason given here.
    from v4a_portal.services.console import staff_accounts

    try:
        user = staff_accounts.set_role_by_email(args.email, args.role, args.reason)
    except Conflict as exc:
        if exc.code != "no_change":
            raise
        print(f"{args.email} is already {args.role}")
        return 0
    print(f"{user.email} is now {user.role}")
    return 0


def _storage_migrate(_: argparse.Namespace) -> int:
    from v4a_portal.services import storage
    from v4a_portal.services.storage import media_copy

    target = storage.gcs_storage()
    with session_scope() as session:
        report = media_copy.run(session, storage.local_storage(), target)
    print(
        f"done: {len(report.copied)} copied, {report.skipped} already in the bucket, "
        f"{report.urls_rewritten} URLs rewritten"
    )
    return 0


def _thumbnails(_: argparse.Namespace) -> int:
    from v4a_portal.services import images

    with session_scope() as session:
        done = images.backfill_thumbnails(session)
    print(
        f"done: {done.made} thumbnails made, {done.missing} photos missing from storage, "
        f"{done.unreadable} unreadable"
    )
    return 0


def _seed(args: argparse.Namespace) -> int:
    created = demo.seed()
    print(f"demo data: {created} users created" if created else "demo data already present")
    if args.scale:
        from v4a_portal.services import demo_scale

        customers = demo_scale.seed(args.scale)
        print(f"analytics data: {args.scale} clips of {customers} new customers")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m v4a_portal")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="migrate to the latest revision").set_defaults(func=_upgrade)

    credits = sub.add_parser("credits", help="the credit ledger")
    credits_sub = credits.add_subparsers(dest="credits", required=True)
    credits_sub.add_parser("reconcile", help="check ledger invariants").set_defaults(
        func=_reconcile
    )

    user = sub.add_parser("user", help="users").add_subparsers(dest="user", required=True)
    token = user.add_parser("token", help="print an access and a refresh token as JSON")
    token.add_argument("email")
    token.set_defaults(func=_token)
    role = user.add_parser("set-role", help="set a user's role")
    role.add_argument("email")
    role.add_argument("role", choices=["customer", "support", "analyst", "admin"])
    role.add_argument(
        "--reason", default="set from the command line", help="recorded in the audit log"
    )
    role.set_defaults(func=_set_role)

    store = sub.add_parser("storage", help="media storage")
    store_sub = store.add_subparsers(dest="storage", required=True)
    store_migrate = store_sub.add_parser(
        "migrate", help="copy local media to the bucket and rewrite stored URLs (rerunnable)"
    )
    store_migrate.add_argument("--to", choices=["gcs"], required=True)
    store_migrate.set_defaults(func=_storage_migrate)

    pictures = sub.add_parser("images", help="product photos")
    pictures.add_subparsers(dest="images", required=True).add_parser(
        "thumbnails", help="make the missing thumbnails of older photos (rerunnable)"
    ).set_defaults(func=_thumbnails)

    seed = sub.add_parser("seed-demo", help="fill an empty database with demo data")
    seed.add_argument(
        "--scale", type=int, default=0, metavar="N", help="also add N clips of customer history"
    )
    seed.set_defaults(func=_seed)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
