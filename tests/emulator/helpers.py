"""Signed raw HTTP calls for the emulator tests (the client package is written separately)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from modelarts_client import signer
from modelarts_emulator import catalogue
from tests.fixtures.emulator import EmulatorHandle

SEED_CREATE_REQUEST: dict[str, Any] = {
    "name": "EI-evs-1107",
    "flavor": "Si2.large.4",
    "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
    "network": {
        "security_group_id": "150a2c76-1334-45f6-b28f-419f9b1d1742",
        "subnet_id": "38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
        "vpc_id": "05982b48-a70f-43a1-a2b0-1fe36a236172",
    },
    "admin_pass": "@DevServer",
}


NPU_BMS_IMAGE_ID = next(
    image.id for image in catalogue.IMAGES if image.name == "HCE2.0_aarch64_CANN8.0_Ascend910B_BMS"
)

# Every field of the seed page's response table (Table 6).
TABLE_6_FIELDS = frozenset(
    {
        "create_at",
        "update_at",
        "charging_mode",
        "cloud_server",
        "endpoints_response",
        "flavor",
        "id",
        "key_pair_name",
        "name",
        "order_id",
        "server_image_response",
        "status",
        "vpc_id",
        "endpoints",
        "image",
    }
)


def signed_request(
    emulator: EmulatorHandle,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    now: datetime | None = None,
    raw_body: bytes | None = None,
    timeout: float = 10,
) -> requests.Response:
    """Sign with AK/SK exactly like a client would and send it; `path` is relative to the base URL."""
    pairs = [(key, str(value)) for key, value in (query or {}).items()]
    payload = raw_body if raw_body is not None else (b"" if body is None else json.dumps(body).encode())
    headers = {"Host": urlsplit(emulator.base_url).netloc, "Content-Type": "application/json"}
    signed = signer.sign_headers(
        access_key=access_key or emulator.access_key,
        secret_key=secret_key or emulator.secret_key,
        method=method,
        path=path,
        query=pairs,
        headers=headers,
        body=payload,
        now=now or datetime.now(UTC),
    )
    url = f"{emulator.base_url}{path}" + (f"?{urlencode(pairs)}" if pairs else "")
    return requests.request(method, url, headers=signed, data=payload, timeout=timeout)


def servers_path(emulator: EmulatorHandle, suffix: str = "") -> str:
    return f"/v1/{emulator.project_id}/dev-servers{suffix}"


def post_create(emulator: EmulatorHandle, body: Any) -> requests.Response:
    return signed_request(emulator, "POST", servers_path(emulator), body=body)


def create_server(emulator: EmulatorHandle, **overrides: Any) -> dict[str, Any]:
    response = signed_request(
        emulator, "POST", servers_path(emulator), body={**SEED_CREATE_REQUEST, **overrides}
    )
    assert response.status_code == 200, response.text
    return response.json()


def show_server(emulator: EmulatorHandle, server_id: str) -> requests.Response:
    return signed_request(emulator, "GET", servers_path(emulator, f"/{server_id}"))


def wait_for(condition: Callable[[], Any], *, timeout: float = 5.0, interval: float = 0.05) -> Any:
    """Poll until condition() is truthy and return it; fail with the last value after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        time.sleep(interval)


def wait_for_status(emulator: EmulatorHandle, server_id: str, status: str, *, timeout: float = 5.0) -> dict:
    def current() -> dict | None:
        server = show_server(emulator, server_id).json()
        return server if server.get("status") == status else None

    return wait_for(current, timeout=timeout)
