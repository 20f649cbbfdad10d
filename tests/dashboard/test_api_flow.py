"""Done when: a script with a token creates a server that waits for approval and then runs (the real
worker on Redis, the emulator over HTTP), polling the API as the README's curl example does."""

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from devservers.api import tokens
from devservers.models import DevServer
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id

from .api_world import create_body, token_client
from .forms_data import GOOD_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def poll_until(api, devserver_id: int, status: str, *, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/instances/{devserver_id}").json()
        if body["status"] == status:
            return body
        time.sleep(0.3)
    raise AssertionError(f"still {body['status']}, not {status}; events: {body['events']}")


def test_a_script_with_a_token_gets_a_server_that_waits_for_approval_then_runs(
    account, team, owner, teammate, celery_worker, emulator
):
    script, team_admin = token_client(owner), token_client(teammate)
    body = create_body(name="ci-gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account))

    asked = script.post("/instances", body, **{"Idempotency-Key": "ci-run-7"})
    assert asked.status_code == 201, asked.content
    request = asked.json()
    assert request["awaiting_approval"] and request["approval_reasons"]
    devserver_id = request["items"][0]["id"]
    time.sleep(1)  # the worker had its chance: nothing is sent before the approval
    assert emulator.counters().get("POST /v1/{project_id}/dev-servers", 0) == 0
    assert script.post("/instances", body, **{"Idempotency-Key": "ci-run-7"}).status_code == 200

    assert [row["id"] for row in team_admin.get("/approvals").json()["items"]] == [devserver_id]
    assert team_admin.post(f"/approvals/{devserver_id}/approve").status_code == 200

    running = poll_until(script, devserver_id, "RUNNING")
    assert running["cloud_id"] and running["private_ip"]
    assert {"AWAITING_APPROVAL", "QUEUED", "RUNNING"} <= {event["status_to"] for event in running["events"]}
    assert DevServer.objects.filter(name="ci-gpu").count() == 1
    assert emulator.counters()["POST /v1/{project_id}/dev-servers"] == 1

    assert script.post(f"/instances/{devserver_id}/stop").status_code == 202
    poll_until(script, devserver_id, "STOPPED")


def readme_example() -> str:
    """The README's curl example, as written there."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## The REST API", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_readmes_curl_example_gets_a_running_server(live_server, account, team, owner, celery_worker):
    _token, secret = tokens.issue_token(
        user=owner, name="readme", expires_at=timezone.now() + timedelta(days=1)
    )
    script = (
        readme_example()
        .replace("https://dashboard.example.com", live_server.url)
        .replace("sleep 10", "sleep 0.5")
    )
    environment = {
        **os.environ,
        "DEVSERVER_TOKEN": secret,
        "CI_PIPELINE_ID": "1",
        "SERVER_PASSWORD": GOOD_PASSWORD,
    }
    finished = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert DevServer.objects.get(name="ci-box").status == "RUNNING"


def test_one_idempotency_key_sent_twice_at_once_makes_one_request(account, team, owner):
    api = token_client(owner)

    def ask(_: int):
        try:
            return api.post("/instances", create_body(name="racing"), **{"Idempotency-Key": "same"})
        finally:
            connection.close()  # each thread has its own connection; the test database must be left free

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(ask, range(2)))
    assert sorted(answer.status_code for answer in answers) == [200, 201], [a.content for a in answers]
    assert len({answer.json()["items"][0]["id"] for answer in answers}) == 1
    assert DevServer.objects.filter(name="racing").count() == 1
