"""The emulator as a process: its store outlives a restart, it stops cleanly, it reads a config file."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from modelarts_emulator import config
from tests.emulator.helpers import SEED_CREATE_REQUEST, create_server, servers_path, signed_request
from tests.fixtures.emulator import (
    FAST_LIFECYCLE_ARGS,
    PROJECT_ROOT,
    EmulatorHandle,
    handle_for,
    start_emulator,
)


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


def test_a_store_written_before_the_create_columns_is_brought_up_to_date_at_the_start(tmp_path: Path) -> None:
    store_path = tmp_path / "emulator.sqlite3"
    first_run = start_emulator(store_path=store_path, output_path=tmp_path / "first.log")
    try:
        old = create_server(handle_for(first_run.base_url), name="from-before")
    finally:
        first_run.stop()
    # The table as an earlier emulator wrote it: the server in its JSON document only.
    with sqlite3.connect(store_path) as connection:
        for index in ("servers_by_subnet", "servers_by_subnet_created", "servers_by_created"):
            connection.execute(f"DROP INDEX {index}")
        for column in ("subnet_id", "private_ip", "create_at"):
            connection.execute(f"ALTER TABLE servers DROP COLUMN {column}")

    second_run = start_emulator(store_path=store_path, output_path=tmp_path / "second.log")
    try:
        handle = handle_for(second_run.base_url)
        clash = signed_request(
            handle, "POST", servers_path(handle), body={**SEED_CREATE_REQUEST, "name": "from-before"}
        )
        new = create_server(handle, name="from-now")
    finally:
        second_run.stop()

    assert clash.status_code == 400 and clash.json()["error_code"] == "ModelArts.6301", clash.text
    assert new["endpoints"][0]["uri"] != old["endpoints"][0]["uri"]
    assert new["create_at"] > old["create_at"]


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


def _all_page(handle: EmulatorHandle, **query: object) -> dict:
    response = signed_request(handle, "GET", servers_path(handle, "/all"), query=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_all_paging_none_answers_every_server_in_one_page(tmp_path: Path) -> None:
    running = start_emulator(
        store_path=tmp_path / "store.sqlite3",
        output_path=tmp_path / "output.log",
        extra_args=[*FAST_LIFECYCLE_ARGS, "--all-paging", "none"],
    )
    try:
        handle = handle_for(running.base_url)
        create_server(handle, name="unpaged", count=10)
        create_server(handle, name="more", count=2)
        unpaged = _all_page(handle, limit=3, offset=6)
        own = signed_request(handle, "GET", servers_path(handle), query={"limit": 3}).json()
    finally:
        running.stop()

    assert (unpaged["current"], unpaged["pages"], unpaged["size"], unpaged["total"]) == (1, 1, 12, 12)
    assert len(unpaged["data"]) == 12
    assert (own["size"], len(own["data"]), own["total"]) == (3, 3, 12)


def test_all_paging_is_read_from_the_config_file(tmp_path: Path) -> None:
    config_path = tmp_path / "emulator.json"
    default = config.default_config()
    config_path.write_text(
        json.dumps(
            {
                "projects": [{"id": project.id, "name": project.name} for project in default.projects],
                "access_keys": [
                    {
                        "access_key": key.access_key,
                        "secret_key": key.secret_key,
                        "user_id": key.identity.user_id,
                        "user_name": key.identity.user_name,
                        "projects": list(key.identity.project_ids),
                    }
                    for key in default.access_keys
                ],
                "behaviour": {"all_paging": "none"},
            }
        )
    )
    running = start_emulator(
        store_path=tmp_path / "store.sqlite3",
        output_path=tmp_path / "output.log",
        extra_args=[*FAST_LIFECYCLE_ARGS, "--config", str(config_path)],
    )
    try:
        handle = handle_for(running.base_url)
        create_server(handle, name="configured", count=3)
        page = _all_page(handle, limit=1)
    finally:
        running.stop()

    assert (page["size"], page["total"], len(page["data"])) == (3, 3, 3)


@pytest.mark.parametrize(
    ("arguments", "config_document"),
    [
        pytest.param(["--all-paging", "pages"], None, id="flag"),
        pytest.param([], {"projects": [], "behaviour": {"all_paging": "pages"}}, id="config"),
        pytest.param([], {"projects": [], "behaviour": {"paging": "none"}}, id="config-key"),
    ],
)
def test_an_unknown_all_paging_mode_stops_the_start(
    tmp_path: Path, arguments: list[str], config_document: dict | None
) -> None:
    if config_document is not None:
        config_path = tmp_path / "emulator.json"
        config_path.write_text(json.dumps(config_document))
        arguments = [*arguments, "--config", str(config_path)]

    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelarts_emulator",
            "--port",
            "0",
            "--store",
            str(tmp_path / "s.db"),
            *arguments,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert finished.returncode == 2, finished.stdout + finished.stderr
    assert "paging" in finished.stderr
