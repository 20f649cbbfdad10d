"""A single sign-on login driven by Django's test client on our side and plain HTTP at the provider,
each step open to tampering (state, nonce, a replayed callback)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from django.test import Client

from tests.oidc_provider.fixtures import PASSWORD

START = "/accounts/sso/start/"
TIMEOUT_SECONDS = 10


def start(client: Client, next_url: str = "") -> str:
    """Our start page's redirect: the provider's authorization URL with state, nonce and PKCE."""
    response = client.get(START, {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.status_code
    return response["Location"]


def sign_in_at_provider(authorize_url: str, username: str, password: str = PASSWORD, **overrides: str) -> str:
    """The provider's login form filled in; returns the callback URL it sends the browser to."""
    page = requests.get(authorize_url, timeout=TIMEOUT_SECONDS)
    assert page.status_code == 200 and 'name="password"' in page.text, page.text
    url = urlsplit(authorize_url)
    params = {**dict(parse_qsl(url.query)), **overrides}
    answer = requests.post(
        f"{url.scheme}://{url.netloc}{url.path}",
        data={**params, "username": username, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT_SECONDS,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def with_query(callback_url: str, **changes: str) -> str:
    url = urlsplit(callback_url)
    return f"{url.scheme}://{url.netloc}{url.path}?{urlencode({**dict(parse_qsl(url.query)), **changes})}"


def come_back(client: Client, callback_url: str, **extra: str):
    url = urlsplit(callback_url)
    return client.get(url.path, dict(parse_qsl(url.query)), **extra)


def sign_in(client: Client, username: str, next_url: str = ""):
    return come_back(client, sign_in_at_provider(start(client, next_url), username))
