"""The stand-in's hosted pages: checkout (Pay / Decline), the customer portal (change plan,
cancel) and a dashboard with the test clock (renew) and disputes. Plain HTML forms."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from v4a_portal.services.billing import catalog
from v4a_portal.stripe_standin.objects import Obj

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f6f7f9;margin:0;color:#1c2024}
main{max-width:560px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border:1px solid #e0e1e6;border-radius:12px;padding:20px;margin:16px 0}
.badge{display:inline-block;background:#ffefd6;color:#ab4a00;border-radius:99px;
padding:2px 10px;font-size:13px;font-weight:600}
h1{font-size:22px;margin:12px 0} .amount{font-size:32px;font-weight:700}
button{font-size:16px;padding:10px 18px;border-radius:8px;border:1px solid #c1c4cc;
background:#fff;cursor:pointer;margin:4px 8px 4px 0;white-space:nowrap}
button.primary{background:#3e63dd;color:#fff;border-color:#3e63dd}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.muted{color:#60646c;font-size:14px} form{display:inline}
.item{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center;padding:6px 0;
border-top:1px solid #eee;font-size:14px} .item code{overflow-wrap:anywhere;flex:1 1 200px}
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        "<span class='badge'>Test mode · local Stripe stand-in</span>"
        f"{body}</main></body></html>"
    )


def _button(action: str, label: str, *, primary: bool = False, **fields: str) -> str:
    hidden = "".join(
        f"<input type='hidden' name='{k}' value='{html.escape(v)}'>" for k, v in fields.items()
    )
    cls = " class='primary'" if primary else ""
    return (
        f"<form method='post' action='{html.escape(action)}'>{hidden}"
        f"<button type='submit'{cls}>{html.escape(label)}</button></form>"
    )


def _date(unix: int | None) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%b %-d, %Y") if unix else "—"


def _product(price: Obj) -> catalog.Product | None:
    return catalog.by_price_id(price["id"])


def checkout(session: Obj) -> str:
    price = session["_price"]
    product = _product(price)
    what = product.name if product else price["id"]
    per = " a month" if session["mode"] == "subscription" else ""
    if session["status"] != "open":
        return page("Checkout", "<div class='card'><h1>This checkout is complete.</h1></div>")
    sid = session["id"]
    return page(
        f"Pay V4A Portal: {what}",
        "<div class='card'>"
        f"<div class='muted'>V4A Portal</div><h1>{html.escape(what)}</h1>"
        f"<div class='amount'>${price['unit_amount'] / 100:.2f}{per}</div>"
        f"<p class='muted'>{html.escape(session.get('customer_email') or '')}</p>"
        "<p class='muted'>No card is needed: Pay succeeds, Decline returns without paying.</p>"
        "<div class='row'>"
        f"{_button(f'/checkout/{sid}/pay', 'Pay', primary=True)}"
        f"{_button(f'/checkout/{sid}/decline', 'Decline')}"
        "</div></div>",
    )


def portal(portal_session: Obj, subscriptions: list[Obj]) -> str:
    sid = portal_session["id"]
    cards = []
    for sub in subscriptions:
        item = sub["items"]["data"][0]
        product = _product(item["price"])
        name = product.name if product else item["price"]["id"]
        if sub["status"] == "canceled":
            state = f"Ended {_date(sub['ended_at'])}"
        elif sub["cancel_at_period_end"]:
            state = f"Cancels on {_date(item['current_period_end'])}"
        else:
            state = f"Renews on {_date(item['current_period_end'])}"
        actions = ""
        if sub["status"] != "canceled":
            for other in catalog.products():
                if other.kind == catalog.PLAN and other.price_id != item["price"]["id"]:
                    actions += _button(
                        f"/portal/{sid}/plan",
                        f"Switch to {other.name}",
                        subscription=sub["id"],
                        price=other.price_id,
                    )
            if not sub["cancel_at_period_end"]:
                actions += _button(
                    f"/portal/{sid}/cancel", "Cancel subscription", subscription=sub["id"]
                )
        cards.append(
            f"<div class='card' data-subscription='{sub['id']}'><h1>{html.escape(name)} plan</h1>"
            f"<p>{sub['status'].replace('_', ' ').capitalize()} · {state}</p>"
            f"<div class='row'>{actions}</div></div>"
        )
    if not cards:
        cards.append("<div class='card'><p>No subscriptions.</p></div>")
    back = html.escape(portal_session["return_url"])
    return page(
        "Manage subscription",
        "<h1>Manage your subscription</h1>"
        + "".join(cards)
        + f"<p><a href='{back}'>← Return to V4A Portal</a></p>",
    )


def _rows(rows: list[list[str]]) -> str:
    return "".join(
        f"<div class='item'><code>{row[0]}</code>"
        + "".join(f"<span>{c}</span>" for c in row[1:])
        + "</div>"
        for row in rows
    )


def dashboard(store_objects: dict[str, dict[str, Obj]], delivery: dict[str, str]) -> str:
    subs, charges, disputes = [], [], []
    for s in store_objects["subscriptions"].values():
        end = _date(s["items"]["data"][0]["current_period_end"])
        renew = (
            ""
            if s["status"] == "canceled"
            else _button(f"/_standin/subscriptions/{s['id']}/renew", "Next period", back="/")
        )
        subs.append([s["id"], s["status"], end, renew])
    for c in store_objects["charges"].values():
        flags = ("refunded " if c["refunded"] else "") + ("disputed" if c["disputed"] else "")
        dispute = (
            ""
            if c["disputed"]
            else _button(f"/_standin/charges/{c['id']}/dispute", "Dispute", back="/")
        )
        charges.append([c["id"], f"${c['amount'] / 100:.2f}", flags, dispute])
    for d in store_objects["disputes"].values():
        close = ""
        if d["status"] not in ("won", "lost"):
            action = f"/_standin/disputes/{d['id']}/close"
            close = _button(action, "Won", outcome="won", back="/") + _button(
                action, "Lost", outcome="lost", back="/"
            )
        disputes.append([d["id"], d["status"], close])
    pending = sum(1 for s in delivery.values() if s == "pending")
    return page(
        "Stripe stand-in",
        "<h1>Stripe stand-in</h1>"
        f"<p class='muted'>{len(delivery)} events, {pending} waiting for delivery.</p>"
        f"<div class='card'><b>Subscriptions</b>{_rows(subs)}</div>"
        f"<div class='card'><b>Charges</b>{_rows(charges)}</div>"
        f"<div class='card'><b>Disputes</b>{_rows(disputes)}</div>",
    )
