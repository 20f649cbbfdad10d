"""The create flow when the cloud misbehaves: lost answers, 5xx, stuck servers, stale snapshots, vanished servers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devservers.cloud import client_for
from devservers.models import OUTCOME_UNKNOWN, DevServer
from devservers.provisioning import follow, reconcile, submit
from devservers.provisioning.steps import Step
from tests.fixtures.dashboard import wait_for, wait_for_status
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db(transaction=True)

CREATE = "POST /v1/{project_id}/dev-servers"


def queued(owner, account, name: str) -> DevServer:
    return make_devserver(owner, account, name=name, status="QUEUED")


def test_a_lost_create_answer_is_adopted_without_a_second_post(owner, account, emulator):
    emulator.set_faults(drop_create_responses=1)
    devserver = queued(owner, account, "lost-answer")

    first = submit.submit_devserver(devserver_id=devserver.pk)
    devserver.refresh_from_db()
    assert first.step is Step.CHECK_OUTCOME
    assert devserver.status == OUTCOME_UNKNOWN

    second = submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=1)
    devserver.refresh_from_db()

    assert second.step is Step.FOLLOW
    assert devserver.cloud_id
    assert devserver.status in {"CREATING", "RUNNING"}
    assert emulator.counters()[CREATE] == 1
    assert devserver.admin_pass_encrypted == ""


def test_an_unknown_outcome_posts_once_more_only_after_the_checks_find_nothing(owner, account, emulator):
    devserver = queued(owner, account, "never-arrived")
    DevServer.objects.filter(pk=devserver.pk).update(status=OUTCOME_UNKNOWN, submit_attempts=1)

    for check in range(1, submit.UNKNOWN_OUTCOME_CHECKS):
        assert (
            submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=check).step
            is Step.CHECK_OUTCOME
        )
    last = submit.check_unknown_outcome(
        devserver_id=devserver.pk, check_number=submit.UNKNOWN_OUTCOME_CHECKS
    )
    assert last.step is Step.RETRY_SUBMIT
    assert submit.submit_devserver(devserver_id=devserver.pk).step is Step.FOLLOW

    assert emulator.counters()[CREATE] == 1
    devserver.refresh_from_db()
    assert devserver.submit_attempts == 2 and devserver.cloud_id


def test_it_gives_up_only_after_the_posts_limit_in_settings(owner, account, emulator, settings):
    devserver = queued(owner, account, "often-lost")
    DevServer.objects.filter(pk=devserver.pk).update(
        status=OUTCOME_UNKNOWN, submit_attempts=settings.DEVSERVER_MAX_CREATE_POSTS
    )

    submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=submit.UNKNOWN_OUTCOME_CHECKS)

    devserver.refresh_from_db()
    assert devserver.status == "REJECTED"
    assert emulator.counters().get(CREATE, 0) == 0


def test_a_cloud_answering_5xx_delays_the_submission_and_the_worker_recovers(
    owner, account, emulator, celery_worker
):
    emulator.set_faults(error_rate=1.0)
    devserver = queued(owner, account, "flaky-cloud")
    from devservers import tasks

    tasks.submit_devserver.delay(devserver.pk)
    wait_for(lambda: devserver.events.filter(kind="call").exclude(outcome="ok").exists(), timeout=20)
    emulator.set_faults(error_rate=0.0)

    wait_for_status(devserver, {"RUNNING"}, timeout=60)
    assert emulator.counters_by_status()[CREATE].get("200") == 1


def test_two_submit_tasks_for_one_row_make_one_server(owner, account, emulator):
    devserver = queued(owner, account, "one-winner")

    outcomes = [submit.submit_devserver(devserver_id=devserver.pk) for _ in range(2)]

    assert [outcome.step for outcome in outcomes] == [Step.FOLLOW, Step.NOTHING]
    assert emulator.counters()[CREATE] == 1


def test_a_server_already_in_the_cloud_under_the_name_is_adopted_not_bought_again(owner, account, emulator):
    devserver = queued(owner, account, "already-there")
    server = client_for(account).create_dev_server(submit.create_request_for(devserver))
    # Bought by an earlier POST of this row whose answer never came back.
    DevServer.objects.filter(pk=devserver.pk).update(submit_attempts=1, create_posted_at=timezone.now())

    submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert devserver.cloud_id == server.id
    assert emulator.counters()[CREATE] == 1


def test_an_older_snapshot_never_overwrites_a_newer_one(owner, account, emulator):
    devserver = queued(owner, account, "ordered")
    submit.submit_devserver(devserver_id=devserver.pk)
    devserver.refresh_from_db()
    client = client_for(account)
    old = client.get_dev_server(devserver.cloud_id)
    emulator.force_status(devserver.cloud_id, "RUNNING")
    new = client.get_dev_server(devserver.cloud_id)
    assert new.update_at > old.update_at

    assert follow.apply_snapshot(devserver_id=devserver.pk, server=new)
    assert not follow.apply_snapshot(devserver_id=devserver.pk, server=old)

    devserver.refresh_from_db()
    assert devserver.status == "RUNNING"


def test_a_server_stuck_in_creating_is_flagged_after_the_limit(owner, account, emulator, settings):
    settings.DEVSERVER_RUNNING_LIMIT = timedelta(minutes=30)
    emulator.set_faults(stuck_creating=True)
    devserver = queued(owner, account, "stuck")
    submit.submit_devserver(devserver_id=devserver.pk)
    DevServer.objects.filter(pk=devserver.pk).update(created_at=timezone.now() - timedelta(minutes=31))

    reconcile.reconcile_account(account_id=account.pk)

    devserver.refresh_from_db()
    assert devserver.status == "CREATING"
    assert devserver.flagged_slow_at is not None
    assert devserver.events.filter(kind="note", message__contains="Not running").count() == 1
    reconcile.reconcile_account(account_id=account.pk)
    assert devserver.events.filter(kind="note").count() == 1


def test_reconcile_marks_servers_gone_from_the_cloud_as_deleted(owner, account, emulator):
    devserver = queued(owner, account, "vanishing")
    submit.submit_devserver(devserver_id=devserver.pk)
    devserver.refresh_from_db()
    emulator.force_status(devserver.cloud_id, "STOPPED")
    client_for(account).delete_dev_server(devserver.cloud_id)
    emulator.force_status(devserver.cloud_id, "DELETED")
    emulator.set_lifecycle(deleted_visible_seconds=0)

    reconcile.reconcile_account(account_id=account.pk)

    devserver.refresh_from_db()
    assert devserver.status == "DELETED"


def test_reconcile_requeues_a_submission_whose_task_was_lost(owner, account, emulator):
    devserver = queued(owner, account, "orphan")
    DevServer.objects.filter(pk=devserver.pk).update(
        status="SUBMITTING", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert reconcile.reconcile_account(account_id=account.pk) == [devserver.pk]
