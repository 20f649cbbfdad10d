"""Honest progress: each changing status says how long it usually takes, measured from the
account's own status events, and past twice that, that it is taking longer than usual, with what it
waits on and when the worker next tries; the list pays no query per row for it."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devservers.instances import progress
from devservers.models import DevServer, DevServerEvent
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db


def _entered(devserver: DevServer, status: str, ago: datetime.timedelta, *, came_from: str = "") -> None:
    DevServerEvent.objects.create(
        devserver=devserver, kind=DevServerEvent.Kind.STATUS, status_from=came_from, status_to=status,
        created_at=timezone.now() - ago,
    )  # fmt: skip


def _notes(body: str) -> list[str]:
    notes = re.findall(r'<span class="progress-note[^"]*" data-testid="progress">(.*?)</span>', body, re.S)
    return [re.sub(r"<[^>]+>", "", note) for note in notes]


def _created_in(account, owner, name: str, seconds: float) -> None:
    """A server of the account's history: CREATING for `seconds`, then RUNNING."""
    row = make_devserver(owner, account, name=name)
    _entered(row, "CREATING", datetime.timedelta(days=1, seconds=seconds), came_from="SUBMITTING")
    _entered(row, "RUNNING", datetime.timedelta(days=1), came_from="CREATING")


def test_a_request_queued_long_ago_says_it_is_taking_longer_and_waits_for_a_worker(owner, account):
    stuck = make_devserver(owner, account, name="stuck", status="QUEUED", cloud_id="")
    _entered(stuck, "QUEUED", datetime.timedelta(minutes=30))
    client = logged_in(owner)

    listed = _notes(client.get(reverse("devservers:list")).content.decode())
    detail = _notes(client.get(reverse("devservers:detail", args=[stuck.pk])).content.decode())

    expected = "Taking longer than usual (usually 10 seconds): waiting for a worker."
    assert listed == [expected] and detail == [expected]


def test_a_request_the_cloud_does_not_answer_says_when_the_worker_tries_next(owner, account):
    next_try = timezone.now() + datetime.timedelta(minutes=2)
    waiting = make_devserver(
        owner, account, name="outage", status="QUEUED", cloud_id="", next_attempt_at=next_try
    )
    _entered(waiting, "QUEUED", datetime.timedelta(minutes=5))

    (note,) = _notes(logged_in(owner).get(reverse("devservers:list")).content.decode())

    assert note.startswith(
        "Taking longer than usual (usually 10 seconds): waiting for the cloud to answer; next try at"
    )
    assert timezone.localtime(next_try).strftime("%H:%M:%S") in note
    # The detail page says when in its notice about the cloud, and only there.
    detail = logged_in(owner).get(reverse("devservers:detail", args=[waiting.pk])).content.decode()
    assert detail.lower().count("next try at") == 1
    assert _notes(detail) == ["Taking longer than usual (usually 10 seconds): waiting for the cloud to answer."]


def test_the_usual_time_is_the_median_of_the_accounts_own_servers(owner, account):
    for name, seconds in (("a", 30), ("b", 40), ("c", 50), ("d", 400)):
        _created_in(account, owner, name, seconds)
    fresh = make_devserver(owner, account, name="fresh", status="CREATING", cloud_id="c-fresh")
    _entered(fresh, "CREATING", datetime.timedelta(seconds=20))
    late = make_devserver(owner, account, name="late", status="CREATING", cloud_id="c-late")
    _entered(late, "CREATING", datetime.timedelta(seconds=120))

    body = logged_in(owner).get(reverse("devservers:list")).content.decode()

    assert _notes(body) == [
        "Taking longer than usual (usually 45 seconds): waiting for the cloud to finish.",  # newest first
        "Usually takes 45 seconds.",
    ]
    assert progress.usual_seconds(account.pk)["CREATING"] == pytest.approx(45, abs=1)


def test_with_too_little_history_a_status_takes_its_default(owner, account):
    _created_in(account, owner, "only-one", 5)
    creating = make_devserver(owner, account, name="creating", status="CREATING", cloud_id="c-1")
    _entered(creating, "CREATING", datetime.timedelta(seconds=30))

    assert _notes(logged_in(owner).get(reverse("devservers:list")).content.decode()) == [
        "Usually takes 3 minutes."
    ]


def test_a_server_that_is_not_changing_shows_no_note(owner, account):
    running = make_devserver(owner, account, name="up")
    _entered(running, "RUNNING", datetime.timedelta(days=3))

    assert (
        _notes(logged_in(owner).get(reverse("devservers:detail", args=[running.pk])).content.decode()) == []
    )


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("devservers:list")).status_code == 200
    return len(captured)


def test_the_notes_cost_the_list_no_query_per_row(owner, account):
    def changing_rows(prefix: str, count: int) -> None:
        for index in range(count):
            row = make_devserver(
                owner, account, name=f"{prefix}-{index}", status="CREATING", cloud_id=f"{prefix}{index}"
            )
            _entered(row, "CREATING", datetime.timedelta(seconds=index))

    changing_rows("few", 3)
    client = logged_in(owner)
    _list_queries(client)  # the session, and the account's medians, read once
    few = _list_queries(client)
    changing_rows("many", 40)

    assert _list_queries(client) == few


def test_the_review_page_gives_its_rows_the_same_note(owner, teammate, account, team):
    stuck = make_devserver(owner, account, team=team, name="stuck", status="QUEUED", cloud_id="")
    _entered(stuck, "QUEUED", datetime.timedelta(minutes=30))

    review = _notes(logged_in(teammate).get(reverse("devservers:review")).content.decode())

    assert review == ["Taking longer than usual (usually 10 seconds): waiting for a worker."]


def test_the_demos_database_measures_the_same_medians_without_percentile_cont(owner, account):
    # SQLite has no percentile_cont: the demo measures the spans in Python; both ways agree here.
    for name, seconds in (("a", 30), ("b", 40), ("c", 50), ("d", 400), ("e", 61)):
        _created_in(account, owner, name, seconds)
    for name, seconds in (("q1", 4), ("q2", 6), ("q3", 9)):
        queued = make_devserver(owner, account, name=name, status="CREATING", cloud_id=f"c-{name}")
        _entered(queued, "QUEUED", datetime.timedelta(hours=2, seconds=seconds))
        _entered(queued, "CREATING", datetime.timedelta(hours=2))
    since = timezone.now() - progress.HISTORY

    in_python = progress._measured_in_python(account.pk, since)

    assert in_python == pytest.approx(progress._measured(account.pk))
    assert in_python == pytest.approx({"CREATING": 50.0, "QUEUED": 6.0}, abs=0.01)
