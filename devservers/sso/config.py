"""Whether single sign-on is on, and the provider's settings: from the environment, else from the
issuer's discovery document (fetched when first needed and cached, never at start)."""

import hashlib
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from mozilla_django_oidc.utils import import_from_settings

DISCOVERY_CACHE_SECONDS = 3600
# Each endpoint setting of mozilla-django-oidc → its key in the discovery document.
DISCOVERED_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or does not describe this issuer."""


def sso_enabled() -> bool:
    return bool(settings.OIDC_OP_ISSUER and settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _cache_key(issuer: str) -> str:
    return "sso:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()


def discovery_document() -> dict[str, Any]:
    issuer = settings.OIDC_OP_ISSUER
    document = cache.get(_cache_key(issuer))
    if document is not None:
        return document
    try:
        response = requests.get(discovery_url(issuer), timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"no discovery document at {discovery_url(issuer)}: {error}") from None
    # OpenID Connect Discovery §4.3: the document must name the very issuer it was asked for.
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise ProviderUnavailable(f"the discovery document at {discovery_url(issuer)} is for another issuer")
    cache.set(_cache_key(issuer), document, DISCOVERY_CACHE_SECONDS)
    return document


def provider_setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's `get_settings`, with an endpoint left unset read from discovery."""
    value = import_from_settings(name, *default)
    if value or name not in DISCOVERED_ENDPOINTS:
        return value
    endpoint = discovery_document().get(DISCOVERED_ENDPOINTS[name])
    if not isinstance(endpoint, str) or not endpoint:
        raise ProviderUnavailable(f"the discovery document gives no {DISCOVERED_ENDPOINTS[name]}")
    return endpoint
