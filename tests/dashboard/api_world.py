"""Helpers of the API's tests: a client that carries a personal access token, and a valid create body."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from devservers.api import tokens

from .forms_data import valid_request

API = "/api/v1"


class TokenClient:
    """A script's view of the API: JSON in and out, `Authorization: Bearer`, no session, no CSRF."""

    def __init__(self, secret: str) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **params: object):
        return self.client.get(f"{API}{path}", params, headers=self.headers)

    def post(self, path: str, body: dict | None = None, **headers: str):
        return self.client.post(
            f"{API}{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )


def token_client(user: User, *, days: int = 30) -> TokenClient:
    _token, secret = tokens.issue_token(
        user=user, name="test", expires_at=timezone.now() + timedelta(days=days)
    )
    return TokenClient(secret)


def create_body(**overrides: object) -> dict[str, object]:
    """The form's valid request as JSON: typed numbers, no second password box."""
    body = {
        key: value for key, value in valid_request().items() if value != "" and key != "admin_pass_confirm"
    }
    body.update(overrides)
    return body
