"""The schedules' beat task (found by `app.autodiscover_tasks(["devservers.schedules"])`).

It lives here, not in `devservers.tasks`: the schedules claim through `instances.claims`, which
queues `devservers.tasks`, so `devservers.tasks` cannot import them without a cycle.
"""

import logging

from celery import shared_task
from django.utils import timezone

from devservers.schedules.runner import run_due_schedules

logger = logging.getLogger(__name__)


@shared_task
def run_schedules() -> None:
    run = run_due_schedules(now=timezone.now())
    if run.stopped or run.deleted or run.failed:
        logger.info(
            "Schedules: stopped %s, deleted %s, failed %s",
            len(run.stopped),
            len(run.deleted),
            len(run.failed),
        )
