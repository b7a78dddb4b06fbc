"""What the portal sells: credit packs and monthly plans, with their prices and the Stripe
price id of each in the configured mode. The one place billing prices live; the pages, the
API, the webhook handlers and the local Stripe stand-in all ask it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from v4a_portal.services.errors import InvalidInput, Unavailable
from v4a_portal.settings import Settings, get_settings

PACK, PLAN = "pack", "plan"


@dataclass(frozen=True)
class Product:
    code: str  # "pack_500", "basic", "pro"
    kind: str  # PACK (one payment) | PLAN (monthly subscription)
    name: str
    credits: int  # per purchase, or per month for a plan
    amount_cents: int
    price_id: str  # the Stripe price in the configured mode; "" when not sold there

    @property
    def credits_per_dollar(self) -> float:
        return round(self.credits * 100 / self.amount_cents, 1) if self.amount_cents else 0.0

    @property
    def mode(self) -> str:
        """The Checkout Session mode that sells it."""
        return "payment" if self.kind == PACK else "subscription"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "credits": self.credits,
            "amount_cents": self.amount_cents,
            "currency": "usd",
            "interval": "month" if self.kind == PLAN else None,
            "credits_per_dollar": self.credits_per_dollar,
            "available": bool(self.price_id),
        }


def _pair(text: str) -> tuple[int, int]:
    """`credits=dollars` → (credits, cents)."""
    credits, dollars = text.split("=")
    return int(credits), int(Decimal(dollars) * 100)


def _price_id(code: str, s: Settings) -> str:
    if s.stripe_mode == "live":
        return s.stripe_prices_live.get(code, "")
    return s.stripe_prices_test.get(code, f"price_v4a_{code}")


def products(settings: Settings | None = None) -> list[Product]:
    """Packs smallest first, then the plans."""
    s = settings or get_settings()
    found = []
    for pair in s.credit_packs.split(","):
        credits, cents = _pair(pair)
        code = f"pack_{credits}"
        found.append(
            Product(code, PACK, f"{credits:,} credits", credits, cents, _price_id(code, s))
        )
    for code, name, pair in (("basic", "Basic", s.plan_basic), ("pro", "Pro", s.plan_pro)):
        credits, cents = _pair(pair)
        found.append(Product(code, PLAN, name, credits, cents, _price_id(code, s)))
    return found


def get(code: str, settings: Settings | None = None) -> Product:
    for product in products(settings):
        if product.code == code:
            return product
    known = ", ".join(p.code for p in products(settings))
    raise InvalidInput(f"No product {code!r}; choose one of: {known}.")


def sellable(code: str) -> Product:
    """`get`, refusing a product without a Stripe price in this mode."""
    product = get(code)
    if not product.price_id:
        raise Unavailable(f"{product.name} is not on sale right now.")
    return product


def by_price_id(price_id: str | None, settings: Settings | None = None) -> Product | None:
    """The product a Stripe price sells, in this mode; None for prices not ours."""
    if not price_id:
        return None
    return next((p for p in products(settings) if p.price_id == price_id), None)


def plan_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return get(code).name
    except InvalidInput:
        return code
