"""The fault benchmark at a small size: a worker frozen or killed during its look-up and during its
POST, a second worker taking over; one create call, one server, no lost request each time. And a
stop whose worker was lost, delivered again: the server ends STOPPED in the cloud and on the row.
Full size: `.venv/bin/python -m benchmarks.worker_faults --runs 200`."""

import pytest

from benchmarks import worker_faults
from tests.fixtures.world import worker_environment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("fault", "at_seconds"),
    [("SIGSTOP", 0.2), ("SIGSTOP", 0.9), ("SIGKILL", 0.2), ("SIGKILL", 0.9)],
)
def test_a_worker_frozen_or_killed_mid_flow_makes_one_create_call(
    owner, account, emulator, fault, at_seconds
):
    result = worker_faults.run_once(
        fault=fault,
        at_seconds=at_seconds,
        handle=emulator,
        account=account,
        owner=owner,
        environment=worker_environment(),
        index=0,
    )

    assert result.broken == []
    assert (result.create_calls, result.servers, result.holds_cloud_id) == (1, 1, True)


@pytest.mark.parametrize(("fault", "at_seconds"), [("SIGSTOP", 0.3), ("SIGKILL", 0.3)])
def test_a_stop_whose_worker_was_lost_and_whose_task_came_again_ends_stopped(
    owner, account, emulator, fault, at_seconds
):
    result = worker_faults.run_stop_once(
        fault=fault,
        at_seconds=at_seconds,
        handle=emulator,
        account=account,
        owner=owner,
        environment=worker_environment(),
        index=0,
    )

    assert result.broken == []
    assert (result.row_status, result.cloud_status) == ("STOPPED", "STOPPED")
