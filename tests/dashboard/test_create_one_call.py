"""A create costs one call to the cloud, and a POST whose outcome stayed unknown never ends a request.

A fresh row records that its POST is going out and sends it with no look-up. Only a row whose
earlier POST may have reached the cloud looks for its server by name first. Once look-ups find no
server after an unknown outcome, the row POSTs again; a name clash on such a later POST means the
earlier one landed, and the server is adopted, never REJECTED. Counted by the emulator.
"""

import pytest
from django.utils import timezone

from devservers import tasks
from devservers.cloud import client_for
from devservers.models import CHANGING_STATUSES, OUTCOME_UNKNOWN, AuditEntry, DevServer
from devservers.provisioning import submit
from devservers.provisioning.steps import Step
from modelarts_client.errors import NAME_TAKEN_CODE
from tests.fixtures.dashboard import logged_in, wait_for, wait_for_status
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db(transaction=True)

CREATE = "POST /v1/{project_id}/dev-servers"
LIST_ALL = "GET /v1/{project_id}/dev-servers/all"
SHOW = "GET /v1/{project_id}/dev-servers/{id}"


def queued(owner, account, name: str) -> DevServer:
    return make_devserver(owner, account, name=name, status="QUEUED")


def with_an_earlier_post(devserver: DevServer, *, unresolved: bool) -> None:
    """As if an earlier POST had gone out: its outcome unknown, or looked for and not found."""
    DevServer.objects.filter(pk=devserver.pk).update(
        submit_attempts=1, create_posted_at=timezone.now() if unresolved else None
    )


def server_calls(emulator) -> dict[str, int]:
    """The calls on servers (the account's catalogue refresh calls other routes)."""
    calls = emulator.counters()
    return {route: calls[route] for route in (CREATE, LIST_ALL) if calls.get(route)}


def test_a_fresh_row_makes_one_call_to_create_and_is_followed_by_id(owner, account, emulator, celery_worker):
    devserver = queued(owner, account, "one-call")

    tasks.submit_devserver.delay(devserver.pk)
    wait_for_status(devserver, {"RUNNING"}, timeout=60)

    assert server_calls(emulator) == {CREATE: 1}
    assert emulator.counters().get(SHOW, 0) >= 1
    devserver.refresh_from_db()
    assert (devserver.submit_attempts, devserver.create_posted_at) == (1, None)


def test_the_post_is_recorded_on_the_row_before_it_is_sent(owner, account, emulator):
    emulator.set_faults(drop_create_responses=1)
    devserver = queued(owner, account, "recorded-first")

    step = submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert step.step is Step.CHECK_OUTCOME
    assert devserver.status == OUTCOME_UNKNOWN
    assert devserver.create_posted_at is not None and devserver.submit_attempts == 1
    assert server_calls(emulator) == {CREATE: 1}


def test_a_row_whose_earlier_post_is_unresolved_looks_first_and_adopts(owner, account, emulator):
    devserver = queued(owner, account, "looks-first")
    server = client_for(account).create_dev_server(submit.create_request_for(devserver))
    with_an_earlier_post(devserver, unresolved=True)

    step = submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert step.step is Step.FOLLOW
    assert devserver.cloud_id == server.id and devserver.create_posted_at is None
    assert server_calls(emulator) == {CREATE: 1, LIST_ALL: 1}  # the test's own POST, then the look-up


def test_a_row_whose_earlier_post_is_unresolved_posts_after_a_look_up_finds_nothing(owner, account, emulator):
    devserver = queued(owner, account, "looks-then-posts")
    with_an_earlier_post(devserver, unresolved=True)

    assert submit.submit_devserver(devserver_id=devserver.pk).step is Step.FOLLOW

    assert server_calls(emulator) == {LIST_ALL: 1, CREATE: 1}


def test_after_look_ups_find_nothing_the_next_post_needs_no_look_up(owner, account, emulator):
    devserver = queued(owner, account, "posts-again")
    DevServer.objects.filter(pk=devserver.pk).update(
        status=OUTCOME_UNKNOWN, submit_attempts=2, create_posted_at=timezone.now()
    )
    for check in range(1, submit.UNKNOWN_OUTCOME_CHECKS + 1):
        step = submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=check)
    assert step.step is Step.RETRY_SUBMIT
    devserver.refresh_from_db()
    assert (devserver.status, devserver.create_posted_at) == ("QUEUED", None)

    assert submit.submit_devserver(devserver_id=devserver.pk).step is Step.FOLLOW

    assert server_calls(emulator) == {LIST_ALL: submit.UNKNOWN_OUTCOME_CHECKS, CREATE: 1}
    devserver.refresh_from_db()
    assert devserver.submit_attempts == 3 and devserver.cloud_id


def test_a_name_clash_on_a_later_post_adopts_the_server_the_earlier_post_bought(owner, account, emulator):
    devserver = queued(owner, account, "clash-adopts")
    # The earlier POST landed after the look-ups had found nothing.
    server = client_for(account).create_dev_server(submit.create_request_for(devserver))
    with_an_earlier_post(devserver, unresolved=False)

    step = submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert step.step is Step.FOLLOW
    assert devserver.cloud_id == server.id and devserver.status in {"CREATING", "RUNNING"}
    assert not devserver.events.filter(status_to="REJECTED").exists()
    assert devserver.events.filter(kind="call", error_code=NAME_TAKEN_CODE).count() == 1
    assert not AuditEntry.objects.filter(action="create").exclude(outcome="ok").exists()
    assert emulator.counters_by_status()[CREATE] == {"200": 1, "400": 1}
    assert (
        len([s for s in client_for(account).iter_dev_servers(all_users=True) if s.name == "clash-adopts"])
        == 1
    )


def test_a_name_clash_on_a_first_post_is_a_refusal(owner, account, emulator):
    devserver = queued(owner, account, "clash-refused")
    another = DevServer.objects.get(pk=devserver.pk)
    another.flavor = "Si2.xlarge.4"  # someone else's server, of another flavor, under the same name
    client_for(account).create_dev_server(submit.create_request_for(another))

    assert submit.submit_devserver(devserver_id=devserver.pk).step is Step.NOTHING

    devserver.refresh_from_db()
    assert (devserver.status, devserver.error_code) == ("REJECTED", NAME_TAKEN_CODE)
    assert server_calls(emulator) == {CREATE: 2}


def test_the_post_limit_from_settings_ends_a_request_whose_posts_all_stayed_unknown(
    owner, account, emulator, settings
):
    settings.DEVSERVER_MAX_CREATE_POSTS = 4
    devserver = queued(owner, account, "limit")
    DevServer.objects.filter(pk=devserver.pk).update(status=OUTCOME_UNKNOWN, submit_attempts=4)

    submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=submit.UNKNOWN_OUTCOME_CHECKS)

    devserver.refresh_from_db()
    assert devserver.status == "REJECTED"
    assert "none of 4 create calls" in devserver.events.get(status_to="REJECTED").message


def test_a_steady_30_percent_of_5xx_brings_every_request_to_running_once(
    owner, account, emulator, celery_worker
):
    emulator.set_faults(error_rate=0.3)
    rows = [queued(owner, account, f"flaky-{index}") for index in range(10)]

    for row in rows:
        tasks.submit_devserver.delay(row.pk)
    ids = [row.pk for row in rows]
    settled = DevServer.objects.filter(pk__in=ids).exclude(status__in=list(CHANGING_STATUSES))
    wait_for(lambda: settled.count() == len(ids), timeout=240)

    assert list(settled.values_list("status", flat=True)) == ["RUNNING"] * len(ids)
    emulator.set_faults(error_rate=0.0)
    cloud = [s for s in client_for(account).iter_dev_servers(all_users=True) if s.name.startswith("flaky-")]
    assert sorted(s.name for s in cloud) == sorted(row.name for row in rows)
    assert emulator.counters_by_status()[CREATE].get("200", 0) == len(rows)
    held = set(DevServer.objects.filter(pk__in=ids).values_list("cloud_id", flat=True))
    assert held == {s.id for s in cloud}


def test_a_fresh_row_whose_post_the_cloud_does_not_answer_stays_pending_and_says_so(owner, account, emulator):
    emulator.set_faults(error_rate=1.0)
    devserver = queued(owner, account, "post-unanswered")

    step = submit.submit_devserver(devserver_id=devserver.pk)
    checked = submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=1)

    devserver.refresh_from_db()
    assert (step.step, checked.step) == (Step.CHECK_OUTCOME, Step.CHECK_OUTCOME)
    assert devserver.status == OUTCOME_UNKNOWN and devserver.next_attempt_at > timezone.now()
    page = logged_in(owner).get(f"/devservers/{devserver.pk}/").content.decode()
    assert "we keep looking for the server" in page
    assert "Next try at" in page
    assert "127.0.0.1" not in page
