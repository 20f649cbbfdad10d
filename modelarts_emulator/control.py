"""The test-only control API under /_emulator: faults, lifecycle delays, counters, reset, forced statuses.

It has no authentication, so the server answers it only to loopback clients.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from modelarts_emulator import lifecycle
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.errors import ApiError
from modelarts_emulator.routing import Request, Response, Route
from modelarts_emulator.runtime import ControlError

CONTROL_PREFIX = "/_emulator"


def _control_error(message: str) -> ApiError:
    return ApiError(400, "EMULATOR.0001", message)


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _control_error("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _control_error("the body must be a JSON object")
    return body


def health(app: EmulatorApp, request: Request) -> Response:
    return Response(200, {"status": "ok"})


def show_faults(app: EmulatorApp, request: Request) -> Response:
    return Response(200, app.faults.as_json())


def update_faults(app: EmulatorApp, request: Request) -> Response:
    try:
        app.faults.update(_json_object(request))
    except ControlError as error:
        raise _control_error(str(error)) from None
    return Response(200, app.faults.as_json())


def show_lifecycle(app: EmulatorApp, request: Request) -> Response:
    return Response(200, asdict(app.lifecycle.current()))


def update_lifecycle(app: EmulatorApp, request: Request) -> Response:
    try:
        settings = app.lifecycle.update(_json_object(request))
    except ControlError as error:
        raise _control_error(str(error)) from None
    return Response(200, asdict(settings))


def show_counters(app: EmulatorApp, request: Request) -> Response:
    return Response(200, app.counters.snapshot())


def reset(app: EmulatorApp, request: Request) -> Response:
    app.reset()
    return Response(200, {"reset": True})


def force_status(app: EmulatorApp, request: Request) -> Response:
    status = _json_object(request).get("status")
    if status not in lifecycle.ALL_STATUSES:
        raise _control_error(f"status must be one of {', '.join(lifecycle.ALL_STATUSES)}")
    record = app.force_status(request.params["id"], status)
    if record is None:
        raise ApiError(404, "EMULATOR.0002", f"no server {request.params['id']}")
    return Response(200, record.as_json())


CONTROL_ROUTES: tuple[Route, ...] = (
    Route("GET", f"{CONTROL_PREFIX}/health", health, authenticated=False),
    Route("GET", f"{CONTROL_PREFIX}/faults", show_faults, authenticated=False),
    Route("PUT", f"{CONTROL_PREFIX}/faults", update_faults, authenticated=False),
    Route("GET", f"{CONTROL_PREFIX}/lifecycle", show_lifecycle, authenticated=False),
    Route("PUT", f"{CONTROL_PREFIX}/lifecycle", update_lifecycle, authenticated=False),
    Route("GET", f"{CONTROL_PREFIX}/counters", show_counters, authenticated=False),
    Route("POST", f"{CONTROL_PREFIX}/reset", reset, authenticated=False),
    Route("POST", f"{CONTROL_PREFIX}/servers/{{id}}/status", force_status, authenticated=False),
)
