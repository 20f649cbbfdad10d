"""Session lifetime and idle timeout: from the environment with sane defaults, said on the login page,
a live page's polls not counted as activity, and a poll after the end sending the page to log in."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from dashboard.middleware import SESSION_SEEN, SESSION_STARTED
from tests.dashboard.test_settings import run_manage
from tests.fixtures.dashboard import logged_in

pytestmark = pytest.mark.django_db


def live_token(client) -> str:
    page = client.get(reverse("devservers:list")).content.decode()
    return page.split('hx-vals=\'{"v": "')[1].split('"')[0]


def set_session(client, **values: float) -> None:
    session = client.session
    session.update(values)
    session.save()


def test_the_defaults_are_two_hours_idle_and_twelve_hours_in_all(settings):
    limits = (settings.SESSION_IDLE_TIMEOUT, settings.SESSION_MAX_AGE, settings.SESSION_COOKIE_AGE)

    assert limits == (timedelta(hours=2), timedelta(hours=12), 12 * 3600)


def test_the_limits_come_from_the_environment():
    shown = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.SESSION_IDLE_TIMEOUT, settings.SESSION_MAX_AGE, "
        "settings.SESSION_COOKIE_AGE)",
        DJANGO_DEBUG="1",
        SESSION_IDLE_TIMEOUT_MINUTES="15",
        SESSION_MAX_AGE_HOURS="8",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["0:15:00", "8:00:00", "28800"]


def test_a_session_idle_too_long_ends_and_the_login_page_says_why(owner):
    client = logged_in(owner)
    client.get(reverse("devservers:list"))
    set_session(client, **{SESSION_SEEN: time.time() - 2 * 3600 - 5})

    response = client.get(reverse("devservers:list"), follow=True)

    assert response.redirect_chain[0][0].startswith("/accounts/login/?next=/devservers/")
    assert "You were logged out after 2 hours without activity" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_session_older_than_its_lifetime_ends_however_active(owner):
    client = logged_in(owner)
    client.get(reverse("devservers:list"))
    set_session(client, **{SESSION_STARTED: time.time() - 12 * 3600 - 5, SESSION_SEEN: time.time()})

    response = client.get(reverse("devservers:list"), follow=True)

    assert "Your session ended: sessions last at most 12 hours" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_activity_keeps_a_session_but_a_live_pages_polls_do_not(owner):
    client = logged_in(owner)
    token = live_token(client)
    long_ago = time.time() - 3600
    set_session(client, **{SESSION_SEEN: long_ago})

    poll = client.get(reverse("devservers:rows"), {"v": token}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 204
    assert client.session[SESSION_SEEN] == long_ago

    assert client.get(reverse("devservers:list")).status_code == 200
    assert client.session[SESSION_SEEN] > time.time() - 60


def test_a_poll_after_the_session_ended_sends_the_whole_page_to_log_in(owner):
    client = logged_in(owner)
    token = live_token(client)
    set_session(client, **{SESSION_SEEN: time.time() - 3 * 3600})

    poll = client.get(reverse("devservers:rows"), {"v": token}, HTTP_HX_REQUEST="true")

    assert poll.status_code == 200 and poll["HX-Redirect"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session


def test_any_fragment_asked_for_after_the_end_sends_the_page_to_log_in_and_back(owner):
    """htmx would follow login_required's redirect and swap the login form into the results."""
    client = logged_in(owner)
    client.get(reverse("devservers:list"))
    set_session(client, **{SESSION_SEEN: time.time() - 3 * 3600})

    fragment = client.get(
        reverse("devservers:audit"),
        {"action": "request"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/devservers/audit/?page=2",
    )

    assert fragment.status_code == 200
    assert fragment["HX-Redirect"] == "/accounts/login/?next=/devservers/audit/%3Fpage%3D2"
