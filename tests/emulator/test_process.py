"""The emulator as a process: its store outlives a restart, it stops cleanly, it reads a config file."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import requests

from modelarts_emulator import config
from tests.emulator.helpers import SEED_CREATE_REQUEST, create_server, servers_path, signed_request
from tests.fixtures.emulator import FAST_LIFECYCLE_ARGS, EmulatorHandle, handle_for, start_emulator


def test_the_store_survives_a_restart(tmp_path: Path) -> None:
    store_path = tmp_path / "var" / "emulator.sqlite3"
    first_run = start_emulator(store_path=store_path, output_path=tmp_path / "first.log")
    try:
        handle = handle_for(first_run.base_url)
        server = create_server(handle, name="durable")
        token_answer = requests.post(
            f"{handle.base_url}/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": handle.iam_user,
                                "password": handle.iam_password,
                                "domain": {"name": handle.iam_domain},
                            }
                        },
                    },
                    "scope": {"project": {"id": handle.project_id}},
                }
            },
            timeout=10,
        )
        token = token_answer.headers["X-Subject-Token"]
    finally:
        first_run.stop()
    assert first_run.process.returncode == 0, first_run.output()

    second_run = start_emulator(store_path=store_path, output_path=tmp_path / "second.log")
    try:
        handle = handle_for(second_run.base_url)
        shown = signed_request(handle, "GET", servers_path(handle, f"/{server['id']}"))
        by_token = requests.get(
            f"{handle.base_url}{servers_path(handle)}", headers={"X-Auth-Token": token}, timeout=10
        )
    finally:
        second_run.stop()

    assert shown.status_code == 200, shown.text
    assert shown.json()["name"] == "durable"
    assert shown.json()["create_at"] == server["create_at"]
    assert by_token.status_code == 200
    assert [listed["id"] for listed in by_token.json()["data"]] == [server["id"]]


def test_it_reads_projects_credentials_and_quota_from_a_config_file(tmp_path: Path) -> None:
    project_id = "ab" * 16
    config_path = tmp_path / "emulator.json"
    config_path.write_text(
        json.dumps(
            {
                "region": "cn-north-4",
                "projects": [{"id": project_id, "name": "cn-north-4_small", "server_quota": 2}],
                "access_keys": [
                    {
                        "access_key": "CONFIGAK000000000001",
                        "secret_key": "config-secret",
                        "user_id": "u-1",
                        "user_name": "configured-user",
                        "projects": [project_id],
                    }
                ],
                "iam_users": [],
                "faults": {"latency_ms": 0},
            }
        )
    )
    running = start_emulator(
        store_path=tmp_path / "store.sqlite3",
        output_path=tmp_path / "output.log",
        extra_args=[*FAST_LIFECYCLE_ARGS, "--config", str(config_path)],
    )
    try:
        handle = EmulatorHandle(
            **{
                **handle_for(running.base_url).__dict__,
                "project_id": project_id,
                "access_key": "CONFIGAK000000000001",
                "secret_key": "config-secret",
            }
        )
        answers = [
            signed_request(
                handle, "POST", servers_path(handle), body={**SEED_CREATE_REQUEST, "name": f"q-{index}"}
            )
            for index in range(3)
        ]
        default_key = signed_request(
            handle,
            "GET",
            servers_path(handle),
            access_key=config.DEFAULT_ACCESS_KEY,
            secret_key=config.DEFAULT_SECRET_KEY,
        )
    finally:
        running.stop()

    assert [answer.status_code for answer in answers] == [200, 200, 400]
    assert answers[2].json()["error_code"] == "ModelArts.0116"
    assert default_key.status_code == 401


def test_it_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    running = start_emulator(store_path=tmp_path / "store.sqlite3", output_path=tmp_path / "output.log")

    running.process.send_signal(signal.SIGINT)

    assert running.process.wait(timeout=10) == 0, running.output()
    assert running.output().startswith("ModelArts emulator listening on http://127.0.0.1:")
