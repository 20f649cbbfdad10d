"""Requests and waits shared by the client's HTTP tests."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from modelarts_client import CreateServerRequest, DevServer, ModelArtsClient, ServerNetwork

# The create API page's example request, verbatim (its ids exist in the emulator's catalogue).
SEED_REQUEST_JSON = """
{
  "name" : "EI-evs-1107",
  "flavor" : "Si2.large.4",
  "image_id" : "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
  "network" : {
    "security_group_id" : "150a2c76-1334-45f6-b28f-419f9b1d1742",
    "subnet_id" : "38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
    "vpc_id" : "05982b48-a70f-43a1-a2b0-1fe36a236172"
  },
  "admin_pass" : "@DevServer"
}
"""
DEADLINE_SECONDS = 10.0


def seed_body() -> dict[str, Any]:
    return json.loads(SEED_REQUEST_JSON)


def seed_request(**changes: Any) -> CreateServerRequest:
    body = seed_body()
    request = CreateServerRequest(**{**body, "network": ServerNetwork(**body["network"])})
    return replace(request, **changes)


def wait_for_status(client: ModelArtsClient, server_id: str, status: str) -> DevServer:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        server = client.get_dev_server(server_id)
        if server.status == status or time.monotonic() > deadline:
            assert server.status == status, f"still {server.status} after {DEADLINE_SECONDS}s"
            return server
        time.sleep(0.05)
