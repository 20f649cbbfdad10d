"""The bodies of the lifecycle calls: the batch action (SDK `DevServerBatchRequest`) and start (`ServerStartRequest`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelarts_emulator import lifecycle
from modelarts_emulator.checks import a_string, an_object, one_of, only_known_keys, required
from modelarts_emulator.errors import invalid_parameter
from modelarts_emulator.routing import Request

MAX_BATCH_SERVERS = 100
BATCH_KEYS = frozenset({"type", "servers"})
# extend_param carries the image of CHANGEOS/REINSTALLOS, which the emulator does not model.
UNSUPPORTED_BATCH_KEYS = frozenset({"extend_param"})
UNSUPPORTED_BATCH_TYPES = ("CHANGEOS", "REINSTALLOS")
BATCH_SERVER_KEYS = frozenset({"id"})
START_KEYS = frozenset({"arch", "charging_mode", "server_type"})
START_CHOICES = {
    "arch": ("ARM", "X86"),
    "charging_mode": ("COMMON", "POST_PAID", "PRE_PAID"),
    "server_type": ("BMS", "ECS", "HPS"),
}


@dataclass(frozen=True)
class BatchRequest:
    operation: lifecycle.Operation
    server_ids: list[str]


def _json_object_body(request: Request) -> dict[str, Any]:
    body = request.json_body(invalid=lambda reason: invalid_parameter("body", reason))
    return an_object(body, "body")


def _batch_type(value: Any) -> lifecycle.Operation:
    action_type = a_string(value, "type")
    if action_type in UNSUPPORTED_BATCH_TYPES:
        raise invalid_parameter("type", f"{action_type} is not supported by this emulator")
    return lifecycle.OPERATIONS_BY_ACTION_TYPE[
        one_of(action_type, tuple(lifecycle.OPERATIONS_BY_ACTION_TYPE), "type")
    ]


def _batch_server_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise invalid_parameter("servers", "must be a non-empty list of {id} objects")
    if len(value) > MAX_BATCH_SERVERS:
        raise invalid_parameter("servers", f"must hold at most {MAX_BATCH_SERVERS} servers")
    server_ids = []
    for index, item in enumerate(value):
        path = f"servers[{index}]"
        if not isinstance(item, dict):
            raise invalid_parameter("servers", f"must be a list of {{id}} objects; {path} is not an object")
        only_known_keys(item, known=BATCH_SERVER_KEYS, parent=path)
        server_ids.append(a_string(required(item, "id", f"{path}.id"), f"{path}.id"))
    return server_ids


def batch_request(request: Request) -> BatchRequest:
    body = _json_object_body(request)
    only_known_keys(body, known=BATCH_KEYS, unsupported=UNSUPPORTED_BATCH_KEYS)
    operation = _batch_type(required(body, "type", "type"))
    return BatchRequest(
        operation=operation, server_ids=_batch_server_ids(required(body, "servers", "servers"))
    )


def check_start_body(request: Request) -> None:
    """Start may name the server's arch, charging mode and type; they are checked, not acted on."""
    if not request.body.strip():
        return
    body = _json_object_body(request)
    only_known_keys(body, known=START_KEYS)
    for key, choices in START_CHOICES.items():
        if body.get(key) is not None:
            one_of(body[key], choices, key)
