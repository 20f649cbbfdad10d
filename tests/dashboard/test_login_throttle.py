"""Login throttling (django-axes): per account and per address, a lockout that says so on the login
page, an admin who unlocks it, and the demo logins untouched."""

from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from dashboard.login_throttle import client_ip
from devservers.management.commands.seed_demo import DEMO_USERS
from devservers.models import AuditEntry
from tests.fixtures.dashboard import STOCK_PASSWORD, logged_in

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED_TEXT = "Too many failed logins for this account or from this address"


def log_in(username: str, password: str, *, address: str = "10.0.0.1") -> object:
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_the_limit(username: str | list[str], *, addresses: list[str]) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        name = username if isinstance(username, str) else username[attempt]
        response = log_in(name, "wrong-password", address=addresses[attempt % len(addresses)])
        assert response.status_code in (200, 429), response.status_code


def test_a_wrong_password_below_the_limit_is_the_usual_refusal(owner):
    response = log_in(owner.username, "wrong-password")

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert LOCKED_TEXT not in response.content.decode()


def test_an_account_is_locked_after_the_limit_even_from_new_addresses_and_with_the_right_password(owner):
    fail_until_the_limit(owner.username, addresses=[f"10.0.1.{n}" for n in range(1, 10)])

    response = log_in(owner.username, STOCK_PASSWORD, address="10.9.9.9")

    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED_TEXT in page and "locked for 15" in page and "An administrator can unlock it" in page
    assert "_auth_user_id" not in response.client.session


def test_an_address_is_locked_after_failures_on_many_accounts(owner, teammate):
    fail_until_the_limit([f"nobody-{n}" for n in range(10)], addresses=["10.0.2.7"])

    from_that_address = log_in(owner.username, STOCK_PASSWORD, address="10.0.2.7")
    from_elsewhere = log_in(teammate.username, STOCK_PASSWORD, address="10.0.2.8")

    assert from_that_address.status_code == 429
    assert LOCKED_TEXT in from_that_address.content.decode()
    assert from_elsewhere.status_code == 302


def test_the_lockout_is_the_styled_login_page_with_the_form(owner):
    fail_until_the_limit(owner.username, addresses=["10.0.3.1"])

    page = log_in(owner.username, STOCK_PASSWORD, address="10.0.3.1").content.decode()

    assert '<link rel="stylesheet" href="/static/css/app.css">' in page
    assert "<h1>Log in</h1>" in page and 'name="password"' in page
    assert 'data-testid="locked-out"' in page


def test_a_locked_out_login_never_checks_the_password(owner):
    """The issue's cost: each wrong password hashed for 0.4 s of CPU. Locked out, nothing is hashed."""
    fail_until_the_limit(owner.username, addresses=["10.0.4.1"])

    with mock.patch.object(ModelBackend, "authenticate", autospec=True) as model_backend:
        for _ in range(5):
            assert log_in(owner.username, "wrong-again", address="10.0.4.1").status_code == 429

    model_backend.assert_not_called()


def test_ones_own_good_logins_between_guesses_do_not_reset_the_count_on_another_account(owner, teammate):
    """An insider guessing alice's password, logging in as himself between guesses from the same address."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(owner.username, "guess", address="10.0.6.1")
        log_in(teammate.username, STOCK_PASSWORD, address="10.0.6.1")

    assert log_in(owner.username, STOCK_PASSWORD, address="10.0.6.3").status_code == 429


def test_a_superuser_unlocks_an_account_in_the_admin_and_it_is_audited(owner):
    root = User.objects.create_superuser("root", password="root-pass-1234")
    fail_until_the_limit(owner.username, addresses=["10.0.5.1"])
    assert log_in(owner.username, STOCK_PASSWORD, address="10.0.5.1").status_code == 429
    admin = logged_in(root)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "Locked Out" in admin.get(changelist).content.decode()
    attempts = list(AccessAttempt.objects.filter(username=owner.username).values_list("pk", flat=True))

    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}
    )

    assert response.status_code == 302
    assert log_in(owner.username, STOCK_PASSWORD, address="10.0.5.1").status_code == 302
    entry = AuditEntry.objects.get(action="admin_unlock")
    assert entry.actor == root and owner.username in entry.detail and "10.0.5.1" in entry.detail


def test_the_demo_logins_work(capsys):
    call_command("seed_demo", "--emulator-url", "http://127.0.0.1:8900/")

    for demo in DEMO_USERS:
        assert log_in(demo.name, demo.password).status_code == 302, demo.name


def test_the_client_address_is_the_one_the_trusted_proxy_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the forged first hop is ignored
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.1.1.1"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: the header is not the proxies'
    assert client_ip(request) == "10.1.1.1"
