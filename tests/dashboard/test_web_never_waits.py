"""The web never waits on the cloud: pages read the catalogue the worker keeps, a cold one says the
choices are loading, and /healthz tells each part's status apart."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from devservers import catalog, tasks
from devservers.models import Team
from tests.fixtures.dashboard import logged_in, wait_for
from tests.fixtures.world import make_devserver


def cloud_calls(emulator) -> int:
    return sum(emulator.counters().values())


@pytest.mark.django_db
def test_no_page_calls_the_cloud(owner, account, emulator, team: Team):
    devserver = make_devserver(owner, account, team=team, name="no-calls", status="RUNNING", cloud_id="c1")
    client = logged_in(owner)
    admin = logged_in(team.memberships.get(role="admin").user)
    before = cloud_calls(emulator)

    answers = [
        client.get(reverse("devservers:list")),
        client.get(reverse("devservers:detail", args=[devserver.pk])),
        client.get(reverse("devservers:create")),
        client.get(reverse("devservers:create-flavors"), {"server_type": "ECS", "arch": "X86"}),
        client.get(reverse("devservers:create-images"), {"flavor": "Si2.large.4"}),
        client.get(reverse("devservers:create-network"), {"vpc_id": "05982b48-a70f-43a1-a2b0-1fe36a236172"}),
        client.post(reverse("devservers:create"), {"name": "x"}),
        admin.get(reverse("devservers:review")),
        admin.get(reverse("devservers:audit")),
        client.get(reverse("devservers:teams")),
        client.get("/healthz"),
    ]

    assert [answer.status_code for answer in answers] == [200] * len(answers)
    assert cloud_calls(emulator) == before


@pytest.mark.django_db(transaction=True)
def test_a_cold_catalogue_shows_loading_and_the_form_once_the_worker_has_it(owner, account, celery_worker):
    cache.clear()
    client = logged_in(owner)

    first = client.get(reverse("devservers:create"))
    wait_for(lambda: catalog.is_loaded(account), timeout=30)
    poll = client.get(reverse("devservers:create"), {"since": int(time.time())}, HTTP_HX_REQUEST="true")
    after = client.get(reverse("devservers:create"))

    assert first.status_code == 200
    assert b'data-testid="catalog-loading"' in first.content
    assert b"Loading the flavors, images and networks" in first.content
    assert poll["HX-Refresh"] == "true"
    assert b'id="request-form"' in after.content


@pytest.mark.django_db
def test_a_catalogue_that_does_not_come_stops_the_polling_with_a_plain_message(owner, account):
    cache.clear()
    long_ago = int(time.time()) - 60

    poll = logged_in(owner).get(reverse("devservers:create"), {"since": long_ago}, HTTP_HX_REQUEST="true")

    assert poll.status_code == 286
    assert b"The cloud is slow to list what it offers" in poll.content
    assert b"hx-trigger" not in poll.content


@pytest.mark.django_db
def test_a_post_with_a_cold_catalogue_says_nothing_was_sent(owner, account):
    cache.clear()

    answer = logged_in(owner).post(reverse("devservers:create"), {"name": "lost"})

    assert answer.status_code == 503
    assert b"Your request was not sent" in answer.content


@pytest.mark.django_db(transaction=True)
def test_healthz_tells_each_part_apart(account, emulator, celery_worker, client):
    def cloud_statuses() -> list[str]:
        return [part["status"] for part in client.get("/healthz").json()["cloud"]]

    unknown = client.get("/healthz").json()
    tasks.refresh_catalog.delay(account.pk)
    wait_for(lambda: cloud_statuses() == ["ok"], timeout=30)
    emulator.set_faults(error_rate=1.0)
    tasks.refresh_catalog.delay(account.pk)
    wait_for(lambda: cloud_statuses() == ["failing"], timeout=60)
    failing = client.get("/healthz")

    assert {key: unknown[key] for key in ("status", "database", "redis", "broker")} == {
        "status": "ok", "database": "ok", "redis": "ok", "broker": "ok",
    }  # fmt: skip
    assert [part["status"] for part in unknown["cloud"]] == ["unknown"]
    assert failing.status_code == 200
    (cloud,) = failing.json()["cloud"]
    assert cloud["error_code"]
    assert failing.json()["status"] == "ok"  # a failing cloud is reported, the dashboard itself works


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fragment", ["devservers:create-flavors", "devservers:create-images", "devservers:create-network"]
)
def test_a_fragment_asked_for_with_a_cold_catalogue_reloads_the_page(owner, account, fragment):
    cache.clear()

    answer = logged_in(owner).get(reverse(fragment), HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    assert answer["HX-Refresh"] == "true"
    assert cache.get(f"catalog-asked:{account.pk}")
