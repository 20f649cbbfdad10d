"""Exactly one create call per request, however slow or stalled a worker is; outages waited out.

The lease a worker takes is fenced: once it has passed to another worker, the first one changes
nothing, not the row and not the audit trail, and once a row holds a cloud id no late answer moves
it back. One test freezes a real worker process with SIGSTOP in the middle of its create call.
"""

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from benchmarks import worker_faults
from devservers import tasks
from devservers.cloud import client_for, cloud_config
from devservers.crypto import encrypt_secret
from devservers.models import OUTCOME_UNKNOWN, AuditEntry, CloudAccount, DevServer
from devservers.provisioning import leases, reconcile, submit
from devservers.provisioning.steps import Step
from modelarts_client import CloudConfig, CloudError, ErrorKind, IamCredentials, IamToken
from modelarts_client.tokens import TOKEN_CACHE, TokenKey
from tests.fixtures.dashboard import logged_in, wait_for, wait_for_status
from tests.fixtures.world import make_devserver, worker_environment

pytestmark = pytest.mark.django_db(transaction=True)

CREATE = "POST /v1/{project_id}/dev-servers"


def queued(owner, account, name: str) -> DevServer:
    return make_devserver(owner, account, name=name, status="QUEUED")


def with_an_unresolved_post(*rows: DevServer) -> None:
    """As if an earlier POST's outcome were unknown: the next try looks the server up first."""
    DevServer.objects.filter(pk__in=[row.pk for row in rows]).update(
        submit_attempts=1, create_posted_at=timezone.now()
    )


def expire_lease(devserver: DevServer) -> None:
    """As if the holder had been frozen for longer than its lease."""
    DevServer.objects.filter(pk=devserver.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def refusal(code: str = "ModelArts.0104") -> CloudError:
    return CloudError(
        status=400, error_code=code, error_msg="refused", request_id="r", kind=ErrorKind.PERMANENT
    )


def test_the_lease_outlives_the_longest_calls_it_covers(owner, account):
    config = cloud_config(account)
    one_call = config.connect_timeout + config.read_timeout
    longest_lookup = (config.read_retries + 1) * one_call + config.read_retries * config.retry_backoff_max
    devserver = queued(owner, account, "lease-length")

    budget = leases.lease_budget(config)
    lease = leases.take(devserver.pk, budget)
    devserver.refresh_from_db()
    taken_for = devserver.lease_expires_at - timezone.now()
    assert leases.claim_post(lease)
    devserver.refresh_from_db()
    post_covered_for = devserver.lease_expires_at - timezone.now()

    assert budget.lookup == timedelta(seconds=longest_lookup)
    assert budget.post == timedelta(seconds=one_call)
    assert taken_for > timedelta(seconds=longest_lookup + one_call)
    assert post_covered_for > timedelta(seconds=one_call)


def test_with_iam_credentials_the_lease_also_covers_a_token_call() -> None:
    config = CloudConfig.single_endpoint(
        "http://127.0.0.1:1", region="r", project_id="p", credentials=IamCredentials("d", "u", "secret")
    )
    one_call = config.connect_timeout + config.read_timeout

    budget = leases.lease_budget(config)

    assert budget.post == timedelta(seconds=2 * one_call)


def test_a_worker_whose_lease_moved_on_can_neither_post_nor_write(owner, account, emulator):
    devserver = queued(owner, account, "fenced-out")
    budget = leases.lease_budget(cloud_config(account))
    first = leases.take(devserver.pk, budget)
    expire_lease(devserver)
    second = leases.take(devserver.pk, budget)

    may_post = leases.claim_post(first)
    late = submit._after_create_failure(submit._lease_fence(first), first.devserver, refusal())

    assert second is not None and second.token != first.token
    assert (may_post, late.step) == (False, Step.NOTHING)
    devserver.refresh_from_db()
    assert (devserver.status, devserver.lease_token, devserver.submit_attempts) == (
        "SUBMITTING",
        second.token,
        0,
    )
    assert not AuditEntry.objects.filter(action="create").exists()
    assert submit._post_create(second).step is Step.FOLLOW
    assert emulator.counters()[CREATE] == 1


def test_a_late_answer_never_moves_a_row_that_holds_its_cloud_id_back(owner, account, emulator):
    devserver = queued(owner, account, "late-answer")
    first = leases.take(devserver.pk, leases.lease_budget(cloud_config(account)))
    assert leases.claim_post(first)
    client_for(account).create_dev_server(
        submit.create_request_for(devserver)
    )  # the first worker's POST lands
    expire_lease(devserver)

    adopted = submit.submit_devserver(devserver_id=devserver.pk)  # a second worker adopts it
    late = submit._after_create_failure(submit._lease_fence(first), first.devserver, refusal())

    assert (adopted.step, late.step) == (Step.FOLLOW, Step.NOTHING)
    devserver.refresh_from_db()
    assert devserver.cloud_id and devserver.status in {"CREATING", "RUNNING"}
    assert not devserver.events.filter(status_to="REJECTED").exists()
    assert not AuditEntry.objects.filter(action="create").exclude(outcome="ok").exists()
    assert emulator.counters()[CREATE] == 1


def test_a_worker_frozen_mid_create_past_its_lease_sends_no_second_create(owner, account, emulator):
    emulator.set_faults(latency_ms=3000)
    devserver = queued(owner, account, "frozen-worker")
    worker = worker_faults.start_worker(devserver.pk, worker_environment())
    wait_for(lambda: DevServer.objects.filter(pk=devserver.pk, submit_attempts=1).exists(), timeout=30)
    # The POST leaves within milliseconds of being counted; freeze the worker while it waits for the
    # answer the emulator holds back for three seconds.
    time.sleep(1.0)
    worker.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: emulator.counters().get(CREATE) == 1, timeout=10)
        emulator.set_faults(latency_ms=0)
        expire_lease(devserver)

        taken_over = submit.submit_devserver(devserver_id=devserver.pk)
    finally:
        worker.send_signal(signal.SIGCONT)
    output, _ = worker.communicate(timeout=60)

    devserver.refresh_from_db()
    assert taken_over.step is Step.FOLLOW, output
    assert output.strip().endswith("nothing")
    assert emulator.counters()[CREATE] == 1
    assert devserver.cloud_id and devserver.status in {"CREATING", "RUNNING"}
    assert not AuditEntry.objects.filter(action="create").exists()


def test_a_cloud_that_does_not_answer_keeps_the_request_pending_and_says_so(owner, account, emulator):
    emulator.set_faults(error_rate=1.0)
    devserver = queued(owner, account, "waits-out")
    with_an_unresolved_post(devserver)

    step = submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert step.step is Step.RETRY_SUBMIT
    assert devserver.status == "QUEUED"
    assert devserver.next_attempt_at > timezone.now()
    page = logged_in(owner).get(f"/devservers/{devserver.pk}/").content.decode()
    assert "The cloud is not answering; we keep trying." in page
    assert "Next try at" in page
    assert "127.0.0.1" not in page


def test_a_request_is_given_up_on_only_after_the_pending_limit(owner, account, emulator, settings):
    settings.DEVSERVER_PENDING_LIMIT = timedelta(hours=6)
    emulator.set_faults(error_rate=1.0)
    patient = queued(owner, account, "five-hours")
    overdue = queued(owner, account, "seven-hours")
    DevServer.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(hours=5))
    DevServer.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - timedelta(hours=7))
    with_an_unresolved_post(patient, overdue)

    steps = [submit.submit_devserver(devserver_id=row.pk).step for row in (patient, overdue)]

    patient.refresh_from_db()
    overdue.refresh_from_db()
    assert steps == [Step.RETRY_SUBMIT, Step.NOTHING]
    assert (patient.status, overdue.status) == ("QUEUED", "REJECTED")
    assert "did not answer for 6 hours" in overdue.events.get(status_to="REJECTED").message


def test_an_unknown_outcome_keeps_looking_while_the_cloud_is_down(owner, account, emulator):
    devserver = queued(owner, account, "still-unknown")
    DevServer.objects.filter(pk=devserver.pk).update(status=OUTCOME_UNKNOWN, submit_attempts=2)
    emulator.set_faults(error_rate=1.0)

    step = submit.check_unknown_outcome(devserver_id=devserver.pk, check_number=submit.UNKNOWN_OUTCOME_CHECKS)

    devserver.refresh_from_db()
    assert step.step is Step.CHECK_OUTCOME
    assert devserver.status == OUTCOME_UNKNOWN
    assert devserver.next_attempt_at > timezone.now()


def test_lost_tasks_are_found_again_once_overdue(owner, account, settings):
    long_ago = timezone.now() - settings.DEVSERVER_LOST_TASK_GRACE - timedelta(seconds=5)
    waiting = queued(owner, account, "waiting")
    lost = queued(owner, account, "lost")
    lost_check = queued(owner, account, "lost-check")
    DevServer.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=3))
    DevServer.objects.filter(pk=lost.pk).update(next_attempt_at=long_ago)
    DevServer.objects.filter(pk=lost_check.pk).update(status=OUTCOME_UNKNOWN, next_attempt_at=long_ago)

    assert reconcile.abandoned_submissions(account_id=account.pk) == [lost.pk]
    assert reconcile.lost_outcome_checks(account_id=account.pk) == [lost_check.pk]


def test_after_an_outage_every_pending_request_resumes_by_itself(owner, account, emulator, celery_worker):
    emulator.set_faults(error_rate=1.0)
    rows = [queued(owner, account, f"outage-{index}") for index in range(3)]
    for row in rows:
        tasks.submit_devserver.delay(row.pk)
    wait_for(lambda: all(DevServer.objects.get(pk=row.pk).next_attempt_at for row in rows), timeout=60)
    time.sleep(3)
    emulator.set_faults(error_rate=0.0)

    for row in rows:
        wait_for_status(row, {"RUNNING"}, timeout=120)
    assert emulator.counters_by_status()[CREATE].get("200") == 3


def test_an_iam_token_that_expired_mid_run_is_renewed_and_the_request_bought_once(owner, account, emulator):
    CloudAccount.objects.filter(pk=account.pk).update(
        auth_method=CloudAccount.AuthMethod.IAM,
        iam_domain=emulator.iam_domain,
        iam_user=emulator.iam_user,
        iam_password_encrypted=encrypt_secret(emulator.iam_password),
    )
    account.refresh_from_db()
    client = client_for(account)
    client.issue_token()
    credentials = client.config.credentials
    key = TokenKey(
        client.config.iam_url, credentials.domain_name, credentials.user_name, client.config.project_id
    )
    # The cloud ended the token early; this process still thinks it has hours left.
    TOKEN_CACHE.store(key, IamToken(token="MIIEexpired", expires_at=timezone.now() + timedelta(hours=20)))
    devserver = queued(owner, account, "token-expired")

    step = submit.submit_devserver(devserver_id=devserver.pk)

    devserver.refresh_from_db()
    assert step.step is Step.FOLLOW
    assert devserver.cloud_id
    # The gateway refused the first POST for its token, before the service saw it; sent again once.
    assert emulator.counters_by_status()[CREATE] == {"401": 1, "200": 1}
    assert emulator.counters()["POST /v3/auth/tokens"] == 2
