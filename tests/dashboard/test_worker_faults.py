"""The fault benchmark at a small size: a worker frozen or killed during its look-up and during its
POST, a second worker taking over; one create call, one server, no lost request each time.
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
