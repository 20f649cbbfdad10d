"""Celery tasks: each loads by id, calls one service, and schedules the step the service asks for.

Nothing here sleeps or waits on another task; every wait is a countdown.
"""

import logging

from celery import shared_task
from django.utils import timezone

from devservers import catalog, health, tallies
from devservers.costs import ledger
from devservers.models import CloudAccount
from devservers.notifications import budgets
from devservers.provisioning import actions, after_stop, follow, reconcile, submit
from devservers.provisioning.steps import NextStep, Step
from modelarts_client import CloudError

logger = logging.getLogger(__name__)


def _schedule(devserver_id: int, next_step: NextStep, *, attempt: int = 0) -> None:
    if next_step.step is Step.FOLLOW:
        follow_devserver.apply_async((devserver_id, attempt), countdown=next_step.countdown)
    elif next_step.step is Step.RETRY_SUBMIT:
        submit_devserver.apply_async((devserver_id,), countdown=next_step.countdown)
    elif next_step.step is Step.CHECK_OUTCOME:
        check_unknown_outcome.apply_async((devserver_id, attempt + 1), countdown=next_step.countdown)
    elif next_step.step is Step.DELETE_WHEN_STOPPED:
        _delete_when_stopped(devserver_id)


def _delete_when_stopped(devserver_id: int) -> None:
    claimed = after_stop.claim_delete(devserver_id=devserver_id)
    if claimed is not None:
        run_action.delay(devserver_id, "delete", claimed.previous_status, claimed.actor_id)


@shared_task
def submit_devserver(devserver_id: int) -> None:
    _schedule(devserver_id, submit.submit_devserver(devserver_id=devserver_id))


@shared_task
def check_unknown_outcome(devserver_id: int, check_number: int = 1) -> None:
    next_step = submit.check_unknown_outcome(devserver_id=devserver_id, check_number=check_number)
    _schedule(devserver_id, next_step, attempt=check_number)


@shared_task
def follow_devserver(devserver_id: int, attempt: int = 0) -> None:
    _schedule(
        devserver_id,
        follow.refresh_devserver(devserver_id=devserver_id, attempt=attempt),
        attempt=attempt + 1,
    )


@shared_task
def reconcile_account(account_id: int) -> None:
    try:
        abandoned = reconcile.reconcile_on_beat(account_id=account_id)
    except CloudError as error:
        # The next beat tries again; a half-walked list must not mark anything gone.
        logger.warning("Reconcile of account %s stopped: %s", account_id, error.error_code)
        abandoned = reconcile.abandoned_submissions(account_id=account_id)
    for devserver_id in abandoned:
        submit_devserver.delay(devserver_id)
    for devserver_id in reconcile.lost_outcome_checks(account_id=account_id):
        check_unknown_outcome.delay(devserver_id)
    # A delete asked while a server ran, whose follow was lost after the stop ended.
    for devserver_id in after_stop.rows_waiting(account_id=account_id):
        _delete_when_stopped(devserver_id)


@shared_task
def reconcile_all_accounts() -> None:
    for account_id in CloudAccount.objects.filter(is_active=True).values_list("pk", flat=True):
        reconcile_account.delay(account_id)


@shared_task
def compact_status_tallies() -> None:
    tallies.compact()


@shared_task
def fold_billing_ledger() -> None:
    ledger.fold(timezone.now())


@shared_task
def refresh_catalog(account_id: int) -> None:
    account = CloudAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return
    try:
        catalog.refresh(account)
    except CloudError as error:
        # Pages keep what they have (or keep saying the choices are loading); the next beat tries again.
        logger.warning("Catalogue of account %s not refreshed: %s", account_id, error.error_code)
        health.record_cloud_status(account_id, error_code=error.error_code)
        return
    health.record_cloud_status(account_id)


@shared_task
def refresh_all_catalogs() -> None:
    for account_id in CloudAccount.objects.filter(is_active=True).values_list("pk", flat=True):
        refresh_catalog.delay(account_id)


@shared_task
def send_budget_notices() -> None:
    budgets.send_budget_notices(now=timezone.now())


@shared_task
def run_action(
    devserver_id: int, action_name: str, previous_status: str, actor_id: int | None = None, actor_label: str = ""
) -> None:
    next_step = actions.perform_action(
        devserver_id=devserver_id,
        action_name=action_name,
        previous_status=previous_status,
        actor_id=actor_id,
        actor_label=actor_label,
    )
    _schedule(devserver_id, next_step)
