"""The periodic reconcile's cost: a steady account costs one list call a beat (two a minute at the
default 30 s beat) at any size, since a walk of N pages waits N beats; a changing server is followed
by its own show calls between walks; a row is marked gone only after a show answered 404.
Full size (100 to 10,000 servers): `.venv/bin/python -m benchmarks.reconcile --steady 100,1000,1100,10000`."""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from devservers.models import CloudAccount, DevServer
from devservers.provisioning import follow, reconcile
from tests.fixtures.world import make_devserver, running_server

pytestmark = pytest.mark.django_db

LIST_ROUTE = "GET /v1/{project_id}/dev-servers/all"
SHOW_ROUTE = "GET /v1/{project_id}/dev-servers/{id}"
BEATS_IN_TEN_MINUTES = 20


def cloud_calls(emulator) -> int:
    return sum(emulator.counters().values())


def list_calls(emulator) -> int:
    return emulator.counters().get(LIST_ROUTE, 0)


def not_found_shows(emulator) -> int:
    return emulator.counters_by_status().get(SHOW_ROUTE, {}).get("404", 0)


@pytest.mark.parametrize(
    ("servers", "pages"), [(0, 1), (100, 1), (1_000, 1), (1_024, 1), (1_100, 2), (10_000, 10)]
)
def test_a_walk_waits_as_many_beats_as_it_reads_pages(servers, pages):
    assert reconcile.list_pages(servers) == pages
    assert reconcile.beats_between_walks(pages) == pages  # one list call a beat, at any size


def test_a_steady_account_costs_one_list_call_a_beat_and_nothing_else(owner, team, account, emulator):
    for name in ("steady-1", "steady-2", "steady-3"):
        running_server(owner, account, emulator, name)
    reconcile.reconcile_account(account_id=account.pk)  # the first walk brings every row up to date
    calls_before, lists_before = cloud_calls(emulator), list_calls(emulator)
    rows_before = list(DevServer.objects.order_by("pk").values_list("pk", "status", "updated_at"))

    for _ in range(BEATS_IN_TEN_MINUTES):
        reconcile.reconcile_on_beat(account_id=account.pk)

    assert cloud_calls(emulator) - calls_before == BEATS_IN_TEN_MINUTES  # 2 a minute at a 30 s beat
    assert list_calls(emulator) - lists_before == BEATS_IN_TEN_MINUTES
    assert list(DevServer.objects.order_by("pk").values_list("pk", "status", "updated_at")) == rows_before


def test_after_a_walk_of_three_pages_the_next_waits_three_beats(owner, team, account, emulator):
    running_server(owner, account, emulator, "in-a-big-account")
    # As if the account's last walk had read 3 pages (over 2,048 servers).
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=3, beats_to_walk=3)
    lists_before = list_calls(emulator)
    lists_after_each_beat = []

    for _ in range(5):
        reconcile.reconcile_on_beat(account_id=account.pk)
        lists_after_each_beat.append(list_calls(emulator) - lists_before)

    # Beats 1 and 2 call nothing; beat 3 walks (1 page now), so beats 4 and 5 walk again.
    assert lists_after_each_beat == [0, 0, 1, 2, 3]
    assert CloudAccount.objects.values_list("walk_pages", "beats_to_walk").get(pk=account.pk) == (1, 1)


def test_a_claimed_walk_waits_its_beats(account):
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=2, beats_to_walk=0)

    claims = [reconcile.claim_walk(account_id=account.pk) for _ in range(5)]

    assert claims == [True, False, True, False, True]


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_claim_the_walk_once(account):
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=2, beats_to_walk=0)
    first_claimed = threading.Event()
    claims = []

    def first_beat_holding_its_transaction() -> None:
        try:
            with transaction.atomic():
                claims.append(reconcile.claim_walk(account_id=account.pk))
                first_claimed.set()
                time.sleep(1.0)  # uncommitted: the second beat must wait for it, not read the old count
        finally:
            connection.close()

    first = threading.Thread(target=first_beat_holding_its_transaction)
    first.start()
    assert first_claimed.wait(timeout=30)
    claims.append(reconcile.claim_walk(account_id=account.pk))
    first.join()

    assert claims == [True, False]


def test_a_changing_server_is_followed_on_its_own_between_walks(owner, team, account, emulator):
    starting = running_server(owner, account, emulator, "changing")
    emulator.force_status(starting.cloud_id, "STOPPED")
    reconcile.reconcile_account(account_id=account.pk)
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=10, beats_to_walk=10)
    DevServer.objects.filter(pk=starting.pk).update(status="STARTING")
    emulator.force_status(starting.cloud_id, "RUNNING")
    lists_before = list_calls(emulator)

    reconcile.reconcile_on_beat(account_id=account.pk)
    starting.refresh_from_db()
    assert starting.status == "STARTING"  # no walk on this beat
    follow.refresh_devserver(devserver_id=starting.pk, attempt=0)

    starting.refresh_from_db()
    assert starting.status == "RUNNING"
    assert list_calls(emulator) == lists_before


def test_a_row_is_marked_gone_on_a_walk_only_after_its_show_answers_404(owner, team, account, emulator):
    kept = running_server(owner, account, emulator, "kept")
    gone = make_devserver(owner, account, team=team, name="vanished", cloud_id=str(uuid.uuid4()))
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=2, beats_to_walk=2)
    calls_before = cloud_calls(emulator)

    reconcile.reconcile_on_beat(account_id=account.pk)  # not this account's turn: nothing is asked
    gone.refresh_from_db()
    assert gone.status == "RUNNING" and cloud_calls(emulator) == calls_before

    reconcile.reconcile_on_beat(account_id=account.pk)

    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.status, kept.status) == ("DELETED", "RUNNING")
    assert not_found_shows(emulator) == 1
