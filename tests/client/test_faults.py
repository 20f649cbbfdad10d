"""The emulator's fault modes, each classified the way a caller needs: retry, give up, or look first.

The emulator counts a call only after its injected latency, so counts are read with a deadline.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from modelarts_client import CloudError, ErrorKind, ModelArtsClient, statuses
from tests.client.helpers import seed_request, wait_for_status
from tests.fixtures.cloud import ConfigFactory

LIST_ROUTE = "GET /v1/{project_id}/dev-servers"
CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
STOP_ROUTE = "PUT /v1/{project_id}/dev-servers/{id}/stop"
COUNT_DEADLINE_SECONDS = 5.0


def _calls_once_settled(emulator: Any, route: str, expected: int) -> int:
    """The route's call count once it reaches `expected` (or the deadline passes), checked a moment later."""
    deadline = time.monotonic() + COUNT_DEADLINE_SECONDS
    while emulator.counters().get(route, 0) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    return emulator.counters().get(route, 0)


def _refusal(call: Any) -> CloudError:
    with pytest.raises(CloudError) as error:
        call()
    return error.value


def test_latency_past_the_read_timeout_is_transient_for_a_read_after_its_retries(
    cloud_config_for: ConfigFactory, emulator: Any
) -> None:
    client = ModelArtsClient(cloud_config_for(read_timeout=0.1, read_retries=2))
    emulator.set_faults(latency_ms=300)

    error = _refusal(client.list_dev_servers)

    assert (error.kind, error.error_code, error.status) == (ErrorKind.TRANSIENT, "CLIENT.READ_TIMEOUT", None)
    assert error.retry_safe
    assert _calls_once_settled(emulator, LIST_ROUTE, 3) == 3


def test_latency_past_the_read_timeout_leaves_a_create_unknown_and_it_did_happen(
    cloud_config_for: ConfigFactory, cloud_client: ModelArtsClient, emulator: Any
) -> None:
    client = ModelArtsClient(cloud_config_for(read_timeout=0.1, read_retries=2))
    emulator.set_faults(latency_ms=300)

    error = _refusal(lambda: client.create_dev_server(seed_request()))

    assert (error.kind, error.error_code) == (ErrorKind.OUTCOME_UNKNOWN, "CLIENT.READ_TIMEOUT")
    assert not error.retry_safe
    assert _calls_once_settled(emulator, CREATE_ROUTE, 1) == 1
    emulator.set_faults(latency_ms=0)
    assert [server.name for server in cloud_client.list_dev_servers().data] == ["EI-evs-1107"]


def test_latency_within_the_read_timeout_is_only_slow(cloud_client: ModelArtsClient, emulator: Any) -> None:
    emulator.set_faults(latency_ms=50)

    assert cloud_client.list_dev_servers().total == 0


def test_backend_errors_are_transient_for_reads_and_retried(
    cloud_client: ModelArtsClient, emulator: Any
) -> None:
    emulator.set_faults(error_rate=1.0)

    error = _refusal(cloud_client.list_dev_servers)

    assert (error.status, error.error_code, error.kind) == (503, "APIG.0202", ErrorKind.TRANSIENT)
    assert error.request_id
    assert emulator.counters()[LIST_ROUTE] == 1 + cloud_client.config.read_retries


def test_backend_errors_leave_a_create_unknown_and_it_is_not_resent(
    cloud_client: ModelArtsClient, emulator: Any
) -> None:
    emulator.set_faults(error_rate=1.0)

    error = _refusal(lambda: cloud_client.create_dev_server(seed_request()))

    assert (error.status, error.kind) == (503, ErrorKind.OUTCOME_UNKNOWN)
    assert emulator.counters()[CREATE_ROUTE] == 1


def test_backend_errors_on_another_write_are_transient_but_not_resent(
    cloud_client: ModelArtsClient, emulator: Any
) -> None:
    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    emulator.set_faults(error_rate=1.0)

    error = _refusal(lambda: cloud_client.stop_dev_server(server_id))

    assert error.kind is ErrorKind.TRANSIENT
    assert emulator.counters()[STOP_ROUTE] == 1


def test_throttling_is_transient_with_a_retry_after(cloud_client: ModelArtsClient, emulator: Any) -> None:
    emulator.set_faults(throttle_rps=0.1)
    cloud_client.list_dev_servers()

    error = _refusal(cloud_client.list_dev_servers)

    assert (error.status, error.error_code, error.kind) == (429, "APIG.0308", ErrorKind.TRANSIENT)
    assert error.retry_after == 1.0
    # One second is longer than this client's longest back-off, so the wait is left to the caller.
    assert emulator.counters_by_status()[LIST_ROUTE] == {"200": 1, "429": 1}


def test_a_short_retry_after_is_waited_out_and_the_read_succeeds(
    cloud_config_for: ConfigFactory, emulator: Any
) -> None:
    client = ModelArtsClient(cloud_config_for(read_retries=2, retry_backoff_max=2.0))
    emulator.set_faults(throttle_rps=1.0)
    client.list_dev_servers()
    started = time.monotonic()

    page = client.list_dev_servers()

    assert page.total == 0
    assert time.monotonic() - started >= 0.9
    assert emulator.counters_by_status()[LIST_ROUTE] == {"200": 2, "429": 1}


def test_a_throttled_create_is_safe_to_send_again(cloud_client: ModelArtsClient, emulator: Any) -> None:
    emulator.set_faults(throttle_rps=0.1)
    cloud_client.list_flavors()

    error = _refusal(lambda: cloud_client.create_dev_server(seed_request()))

    assert (error.kind, error.retry_safe) == (ErrorKind.TRANSIENT, True)
    assert emulator.counters()[CREATE_ROUTE] == 1


def test_a_dropped_create_answer_is_unknown_and_the_server_exists(
    cloud_client: ModelArtsClient, emulator: Any
) -> None:
    emulator.set_faults(drop_create_responses=1)

    error = _refusal(lambda: cloud_client.create_dev_server(seed_request()))

    assert (error.kind, error.error_code, error.status) == (
        ErrorKind.OUTCOME_UNKNOWN,
        "CLIENT.CONNECTION_LOST",
        None,
    )
    assert emulator.counters_by_status()[CREATE_ROUTE] == {"dropped": 1}
    found = [server for server in cloud_client.iter_dev_servers() if server.name == "EI-evs-1107"]
    assert len(found) == 1
    assert found[0].status == statuses.CREATING


def test_a_create_that_fails_in_the_cloud_is_failed(cloud_client: ModelArtsClient, emulator: Any) -> None:
    emulator.set_faults(create_failed_rate=1.0)
    emulator.set_lifecycle(create_seconds=0.1)

    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    failed = wait_for_status(cloud_client, server_id, statuses.CREATE_FAILED)

    assert failed.is_failed
    assert not failed.is_transitional
    # Neither the seed nor the SDK gives a failure reason: the answer carries none.
    assert "fail_reason" not in failed.raw


def test_a_stuck_create_stays_transitional(cloud_client: ModelArtsClient, emulator: Any) -> None:
    emulator.set_faults(stuck_creating=True)
    emulator.set_lifecycle(create_seconds=0.05)

    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    time.sleep(0.2)

    assert cloud_client.get_dev_server(server_id).is_transitional


def test_a_forced_status_is_read_back(cloud_client: ModelArtsClient, emulator: Any) -> None:
    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    emulator.force_status(server_id, statuses.ERROR)

    server = cloud_client.get_dev_server(server_id)

    assert server.status == statuses.ERROR
    assert server.is_failed
