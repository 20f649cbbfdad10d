"""Each fault mode is visible to a caller; the control API counts calls and resets state."""

from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.helpers import SEED_CREATE_REQUEST, create_server, servers_path, signed_request
from tests.fixtures.emulator import EmulatorHandle

CREATE_KEY = "POST /v1/{project_id}/dev-servers"
LIST_ALL_KEY = "GET /v1/{project_id}/dev-servers/all"


def _total_servers(emulator: EmulatorHandle) -> int:
    return signed_request(emulator, "GET", servers_path(emulator, "/all")).json()["total"]


def test_latency_delays_every_answer(emulator: EmulatorHandle) -> None:
    emulator.set_faults(latency_ms=300)

    started = time.monotonic()
    response = signed_request(emulator, "GET", servers_path(emulator))

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_error_rate_answers_503_before_doing_anything(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0)

    response = signed_request(emulator, "POST", servers_path(emulator), body=SEED_CREATE_REQUEST)

    assert response.status_code == 503
    assert response.json() == {"error_code": "APIG.0202", "error_msg": "Backend unavailable"}
    assert response.headers["X-Request-Id"]
    emulator.set_faults(error_rate=0.0)
    assert _total_servers(emulator) == 0


def test_throttle_answers_429_with_retry_after(emulator: EmulatorHandle) -> None:
    emulator.set_faults(throttle_rps=2)

    statuses = [signed_request(emulator, "GET", servers_path(emulator)) for _ in range(6)]

    throttled = [response for response in statuses if response.status_code == 429]
    assert throttled, [response.status_code for response in statuses]
    assert throttled[0].json()["error_code"] == "APIG.0308"
    assert throttled[0].headers["Retry-After"] == "1"
    assert statuses[0].status_code == 200


def test_a_dropped_create_is_committed_but_never_answered(emulator: EmulatorHandle) -> None:
    emulator.set_faults(drop_create_responses=1)

    with pytest.raises(requests.ConnectionError):
        signed_request(emulator, "POST", servers_path(emulator), body=SEED_CREATE_REQUEST)

    listing = signed_request(emulator, "GET", servers_path(emulator)).json()
    assert [server["name"] for server in listing["data"]] == ["EI-evs-1107"]
    assert create_server(emulator, name="answered")["name"] == "answered"
    assert emulator.counters_by_status()[CREATE_KEY] == {"dropped": 1, "200": 1}


def test_counters_count_calls_by_route_template_and_status(emulator: EmulatorHandle) -> None:
    create_server(emulator)
    signed_request(emulator, "POST", servers_path(emulator), body={"name": "incomplete"})
    signed_request(emulator, "GET", servers_path(emulator, "/all"))

    assert emulator.counters()[CREATE_KEY] == 2
    assert emulator.counters()[LIST_ALL_KEY] == 1
    assert emulator.counters_by_status()[CREATE_KEY] == {"200": 1, "400": 1}


def test_reset_wipes_servers_counters_and_runtime_settings(emulator: EmulatorHandle) -> None:
    start_lifecycle = emulator.set_lifecycle()
    create_server(emulator)
    emulator.set_faults(latency_ms=50, stuck_creating=True)
    emulator.set_lifecycle(create_seconds=99)

    emulator.reset()

    assert emulator.counters() == {}
    assert _total_servers(emulator) == 0
    faults = requests.get(f"{emulator.base_url}/_emulator/faults", timeout=5).json()
    assert faults["latency_ms"] == 0
    assert faults["stuck_creating"] is False
    assert emulator.set_lifecycle() == start_lifecycle


def test_the_control_api_refuses_unknown_keys_and_bad_values(emulator: EmulatorHandle) -> None:
    unknown = requests.put(f"{emulator.base_url}/_emulator/faults", json={"chaos": 1}, timeout=5)
    bad_rate = requests.put(f"{emulator.base_url}/_emulator/faults", json={"error_rate": 2}, timeout=5)
    bad_delay = requests.put(
        f"{emulator.base_url}/_emulator/lifecycle", json={"stop_seconds": "x"}, timeout=5
    )

    assert [unknown.status_code, bad_rate.status_code, bad_delay.status_code] == [400, 400, 400]
    assert "chaos" in unknown.json()["error_msg"]


def test_the_control_api_is_outside_the_counted_api(emulator: EmulatorHandle) -> None:
    health = requests.get(f"{emulator.base_url}/_emulator/health", timeout=5)
    emulator.set_faults(error_rate=1.0)

    still_healthy = requests.get(f"{emulator.base_url}/_emulator/health", timeout=5)

    assert health.status_code == still_healthy.status_code == 200
    assert health.headers["X-Request-Id"]
    assert emulator.counters() == {}
