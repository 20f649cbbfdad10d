"""Celery: each kind of work on its own queue, every worker consuming them all, and a time limit on
every task longer than the longest chain of cloud calls it can make."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from dashboard.celery import app
from devservers.provisioning.leases import lease_budget
from modelarts_client import CloudConfig, IamCredentials

ROOT = Path(__file__).resolve().parents[2]
ROUTED = {
    "devservers.tasks.submit_devserver": "submit",
    "devservers.tasks.check_unknown_outcome": "submit",
    "devservers.tasks.follow_devserver": "follow",
    "devservers.tasks.run_action": "actions",
    "devservers.tasks.reconcile_account": "reconcile",
    "devservers.tasks.reconcile_all_accounts": "reconcile",
    "devservers.tasks.compact_status_tallies": "reconcile",
}


def _longest_config() -> CloudConfig:
    """The settings' timeouts with IAM credentials: a token call before each call, the longest case."""
    return CloudConfig(
        region="r",
        project_id="p",
        credentials=IamCredentials(domain_name="d", user_name="u", password="x"),
        connect_timeout=settings.DEVSERVER_CLOUD_CONNECT_TIMEOUT,
        read_timeout=settings.DEVSERVER_CLOUD_READ_TIMEOUT,
    )


@pytest.mark.parametrize(("task_name", "queue"), ROUTED.items())
def test_each_kind_of_task_goes_to_its_own_queue(task_name, queue):
    assert app.amqp.router.route({}, task_name)["queue"].name == queue


def test_tasks_not_routed_go_to_the_default_queue_every_worker_consumes():
    route = app.amqp.router.route({}, "devservers.tasks.refresh_catalog")
    assert route["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
    assert set(app.amqp.queues) == set(settings.DEVSERVER_WORKER_QUEUES)
    assert set(ROUTED.values()) | {settings.CELERY_TASK_DEFAULT_QUEUE} <= set(
        settings.DEVSERVER_WORKER_QUEUES
    )


@pytest.mark.parametrize("path", ["Procfile", "docker-compose.yml"])
def test_every_worker_command_consumes_every_queue_with_one_process_per_core(path):
    text = (ROOT / path).read_text()
    (command,) = [line for line in text.splitlines() if "dashboard worker" in line]
    queues = re.search(r"--queues ([\w,]+)", command).group(1).split(",")
    assert set(queues) == set(settings.DEVSERVER_WORKER_QUEUES)
    assert "--pool prefork" in command and "nproc" in command


def test_every_task_has_a_soft_and_a_hard_time_limit():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.startswith("devservers.")]
    assert len(ours) >= 8
    for name in ours:
        task = app.tasks[name]
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, name


def test_the_time_limits_outlast_the_longest_calls_each_task_makes():
    budget = lease_budget(_longest_config())
    submit = app.tasks["devservers.tasks.submit_devserver"]
    assert submit.soft_time_limit > budget.whole_flow.total_seconds()
    assert (
        app.tasks["devservers.tasks.check_unknown_outcome"].soft_time_limit
        > budget.whole_flow.total_seconds()
    )
    assert app.tasks["devservers.tasks.follow_devserver"].soft_time_limit > budget.lookup.total_seconds()
    action = app.tasks["devservers.tasks.run_action"]
    assert action.soft_time_limit > (budget.post + budget.lookup).total_seconds()
    # The reconcile walks the list, 1,024 servers a page: 10,000 servers are 10 pages.
    assert (
        app.tasks["devservers.tasks.reconcile_account"].soft_time_limit > 10 * budget.lookup.total_seconds()
    )
