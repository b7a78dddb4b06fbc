"""The OpenID Connect provider as seen by the services: discovery and ID-token checks.

The browser flow (state, nonce, PKCE, code exchange) is authlib's, in api/auth.py.
REST clients that already hold a Google ID token are checked here with PyJWT against
the provider's published keys.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import httpx
import jwt

from v4a_portal.services import replay_guard
from v4a_portal.services.accounts import Identity
from v4a_portal.services.errors import Unauthorized, Unavailable
from v4a_portal.settings import get_settings

_METADATA_TTL = 3600.0
_LEEWAY = 60  # seconds of clock difference tolerated with the provider
# Google states `email_verified` in every ID token that has an email; from Google, a token
# without it is refused. Providers that never send the claim vouch by issuing the token.
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def metadata() -> dict[str, Any]:
    """The provider's discovery document, cached for an hour."""
    url = get_settings().oidc_discovery_url
    hit = _cache.get(url)
    if hit and time.monotonic() - hit[0] < _METADATA_TTL:
        return hit[1]
    try:
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        doc = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Unavailable("The sign-in provider cannot be reached right now.") from exc
    _cache[url] = (time.monotonic(), doc)
    return doc


@lru_cache(maxsize=8)
def _jwks_client(jwks_uri: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=3600)


def _signing_key(id_token: str, jwks_uri: str) -> Any:
    client = _jwks_client(jwks_uri)
    if jwt.get_unverified_header(id_token).get("kid"):
        return client.get_signing_key_from_jwt(id_token).key
    # OIDC Core 10.1: a token may omit `kid` only when the provider publishes one key
    # (the local dev provider does this; Google always sends a kid).
    keys = client.get_signing_keys()
    if len(keys) != 1:
        raise jwt.InvalidTokenError("the token names no key and the provider has several")
    return keys[0].key


def verify_id_token(id_token: str) -> Identity:
    """Check signature (provider keys), audience (our client id), issuer and expiry."""
    settings = get_settings()
    doc = metadata()
    try:
        claims = jwt.decode(
            id_token,
            _signing_key(id_token, doc["jwks_uri"]),
            algorithms=doc.get("id_token_signing_alg_values_supported") or ["RS256"],
            audience=settings.oidc_client_id,
            issuer=doc["issuer"],
            leeway=_LEEWAY,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise Unavailable("The sign-in provider's keys cannot be fetched.") from exc
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The ID token has expired.", code="token_expired") from exc
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
        raise Unauthorized(f"The ID token is not valid: {exc}", code="invalid_token") from exc
    identity = identity_from_claims(claims)
    # Checked last, so a token refused for another reason can still be used once it is fixed.
    if not replay_guard.first_use("id_token", id_token, float(claims["exp"]), leeway=_LEEWAY):
        raise Unauthorized(
            "This ID token was already exchanged; get a new one from the provider.",
            code="token_replayed",
        )
    return identity


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    email = claims.get("email")
    if not email or not _email_vouched(claims):
        raise Unauthorized("The provider did not vouch for an email address.", code="no_email")
    return Identity(
        subject=str(claims["sub"]),
        email=str(email),
        name=claims.get("name"),
        picture=claims.get("picture"),
    )


def _email_vouched(claims: dict[str, Any]) -> bool:
    if "email_verified" in claims:  # some providers send it as the string "true"
        return claims["email_verified"] is True or claims["email_verified"] == "true"
    return claims.get("iss") not in GOOGLE_ISSUERS
