"""API tokens (made on their page, seen once, hashed, revoked, expiring, audited), the rate limit,
the browser's session with CSRF, and the OpenAPI schema with its docs."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from devservers.api import tokens
from devservers.models import ApiToken, AuditEntry
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

from .api_world import TokenClient, create_body, token_client
from .test_redis_down import redis_down

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'id="token-secret">(dsd_[\w-]+)<')


def make_token_on_the_page(client: Client, name: str = "ci") -> str:
    page = client.post(reverse("devservers:api-tokens"), {"name": name, "expires_in_days": "30"})
    assert page.status_code == 201
    return SECRET.search(page.content.decode()).group(1)


def test_a_token_made_on_its_page_is_shown_once_and_stored_hashed(owner, team):
    client = logged_in(owner)
    secret = make_token_on_the_page(client)
    token = ApiToken.objects.get(user=owner)
    assert token.token_hash == tokens.digest(secret) and secret not in token.token_hash
    assert token.prefix == secret[:10]
    listing = client.get(reverse("devservers:api-tokens")).content.decode()
    assert secret not in listing and token.prefix in listing and "ci" in listing
    answer = TokenClient(secret).get("/instances")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert AuditEntry.objects.filter(action="token_create", actor=owner).exists()


def test_a_revoked_token_is_refused_and_the_revocation_audited(owner, team):
    client = logged_in(owner)
    secret = make_token_on_the_page(client)
    token = ApiToken.objects.get(user=owner)
    client.post(reverse("devservers:api-token-revoke", args=[token.pk]))
    assert TokenClient(secret).get("/instances").status_code == 401
    assert AuditEntry.objects.filter(action="token_revoke", actor=owner).exists()
    assert "revoked" in client.get(reverse("devservers:api-tokens")).content.decode()


def test_nobody_revokes_another_users_token(owner, teammate, team):
    _token, secret = tokens.issue_token(user=owner, name="a", expires_at=timezone.now() + timedelta(days=1))
    logged_in(teammate).post(reverse("devservers:api-token-revoke", args=[_token.pk]))
    assert TokenClient(secret).get("/instances").status_code == 200


def test_an_expired_token_or_an_inactive_user_is_refused(owner, team):
    token, secret = tokens.issue_token(user=owner, name="a", expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert TokenClient(secret).get("/instances").status_code == 401
    live = token_client(owner)
    owner.is_active = False
    owner.save()
    assert live.get("/instances").status_code == 401


def test_a_token_page_needs_a_name(owner, team):
    page = logged_in(owner).post(reverse("devservers:api-tokens"), {"name": "", "expires_in_days": "30"})
    assert page.status_code == 422 and not ApiToken.objects.exists()


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_calls_over_the_rate_limit_answer_429_with_retry_after(owner, team):
    api = token_client(owner)
    assert [api.get("/instances").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/instances")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert token_client(owner).get("/instances").status_code == 200  # per token, not per user


def test_the_rate_limit_lets_calls_through_while_redis_is_down(owner, account, team):
    make_devserver(owner, account, team=team)
    api = token_client(owner)
    with redis_down():
        answer = api.get("/instances")
    assert answer.status_code == 200 and answer.json()["items"]


def test_a_read_of_redis_while_it_is_down_is_a_503_json_not_a_500(owner, account, team):
    api = token_client(owner)
    with redis_down():
        answer = api.get("/catalogue")
    assert answer.status_code == 503 and answer["Retry-After"] == "30" and answer.json()["detail"]


def test_the_browser_uses_its_session_with_csrf(owner, account, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get("/api/v1/instances").status_code == 200
    body = json.dumps(create_body(name="from-browser"))
    refused = client.post("/api/v1/instances", body, content_type="application/json")
    assert refused.status_code in (401, 403)
    client.get(reverse("devservers:api-tokens"))
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/instances", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201, accepted.content


def test_the_openapi_schema_is_valid_and_names_every_endpoint(client):
    answer = client.get("/api/v1/schema")
    assert answer.status_code == 200
    schema = answer.json()
    validate(schema)
    assert set(schema["paths"]) == {
        "/api/v1/instances",
        "/api/v1/instances/{devserver_id}",
        "/api/v1/instances/{devserver_id}/{action}",
        "/api/v1/approvals",
        "/api/v1/approvals/{devserver_id}/approve",
        "/api/v1/approvals/{devserver_id}/decline",
        "/api/v1/audit",
        "/api/v1/catalogue",
    }


def test_the_docs_load_only_our_own_assets_under_the_sites_csp(client):
    answer = client.get("/api/v1/docs")
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "script-src 'self'" in answer["Content-Security-Policy"]
    assert "unsafe-inline" not in answer["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>", page)
    # Every script is a file of our own static files, or JSON data, which the browser never runs.
    assert all('src="/static/' in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "cdn" not in page.lower() and "style=" not in page
