"""Redis down: a styled 503 page with a way back, never a 500, nobody logged out, and sessions that
outlive a Redis restart. "Down" is a Redis URL where nothing listens; the machine's Redis is untouched."""

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse

from tests.fixtures.dashboard import STOCK_PASSWORD, logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


def redis_down() -> override_settings:
    """Every cache use (sessions, live counters, the catalogue) goes to a port where nothing listens."""
    dead = {
        alias: {**config, "LOCATION": NOTHING_LISTENS} for alias, config in django_settings.CACHES.items()
    }
    return override_settings(CACHES=dead)


def assert_the_503_page(response) -> None:
    page = response.content.decode()
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == "30"
    assert "The dashboard is briefly unavailable" in page
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page  # the site's own page
    assert 'href="/devservers/">Instances</a>' in page and "Try again</a>" in page
    assert "127.0.0.1" not in page and "Error" not in page


def test_a_page_answers_503_with_a_way_back(owner, account):
    client = logged_in(owner)

    with redis_down():
        response = client.get(reverse("devservers:list"))

    assert_the_503_page(response)
    assert "you are still logged in" in response.content.decode()


def test_a_live_poll_answers_503_which_htmx_does_not_swap(owner, account):
    client = logged_in(owner)
    page = client.get(reverse("devservers:list")).content.decode()
    token = page.split('hx-vals=\'{"v": "')[1].split('"')[0]

    with redis_down():
        response = client.get(reverse("devservers:rows"), {"v": token}, HTTP_HX_REQUEST="true")

    assert response.status_code == 503


def test_nobody_is_logged_out_by_an_outage_nor_by_a_redis_restart(owner, account):
    make_devserver(owner, account, name="kept-row")
    client = logged_in(owner)

    with redis_down():
        during = client.get(reverse("devservers:list"))
    assert during.status_code == 503  # not a redirect to the login page
    redis.Redis.from_url(django_settings.REDIS_URL).flushdb()  # a restart without persistence
    after = client.get(reverse("devservers:list"))

    assert after.status_code == 200
    assert "kept-row" in after.content.decode()


def test_logging_in_works_while_redis_is_down(owner, account):
    client = Client()

    with redis_down():
        response = client.post("/accounts/login/", {"username": owner.username, "password": STOCK_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/devservers/"
    assert Session.objects.get().get_decoded()[SESSION_KEY] == str(owner.pk)
    assert client.get(reverse("devservers:list")).status_code == 200  # and once Redis is back


def test_logging_out_while_redis_is_down_is_refused_whole_not_half_done(owner, account):
    client = logged_in(owner)
    client.get(reverse("devservers:list"))

    with redis_down():
        response = client.post("/accounts/logout/")

    assert response.status_code == 503
    assert Session.objects.count() == 1  # the session is kept in both places, to be ended once Redis is back
    assert client.post("/accounts/logout/").status_code == 302
    assert Session.objects.count() == 0
    assert client.get(reverse("devservers:list")).status_code == 302
