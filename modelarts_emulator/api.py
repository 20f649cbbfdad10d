"""Handlers of the DevServer API and the table of every documented route."""

from __future__ import annotations

from typing import Any

from modelarts_emulator import catalogue, lifecycle, neighbours
from modelarts_emulator.action_bodies import batch_request, check_start_body
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.config import ALL_PAGING_NONE
from modelarts_emulator.errors import ApiError, invalid_parameter
from modelarts_emulator.paging import every_server_page, server_page, whole_page
from modelarts_emulator.routing import Handler, Request, Response, Route
from modelarts_emulator.servers import ServerRecord
from modelarts_emulator.validation import validate_create_request


def _ok(body: Any) -> Response:
    return Response(status=200, body=body)


def _own_servers(app: EmulatorApp, request: Request) -> list[ServerRecord]:
    caller = request.caller()
    servers = app.visible_servers(request.params["project_id"])
    return [record for record in servers if record.owner_user_id == caller.user_id]


def create_server(app: EmulatorApp, request: Request) -> Response:
    body = request.json_body(invalid=lambda reason: invalid_parameter("body", reason))
    spec = validate_create_request(body)
    records = app.create_servers(spec=spec, owner=request.caller(), project_id=request.params["project_id"])
    return Response(status=200, body=records[0].as_json(), drop_connection=app.faults.take_dropped_create())


def list_own_servers(app: EmulatorApp, request: Request) -> Response:
    return _ok(server_page(request, _own_servers(app, request)))


def list_all_servers(app: EmulatorApp, request: Request) -> Response:
    servers = app.visible_servers(request.params["project_id"])
    if app.config.behaviour.all_paging == ALL_PAGING_NONE:
        return _ok(every_server_page(request, servers))
    return _ok(server_page(request, servers))


def sync_servers(app: EmulatorApp, request: Request) -> Response:
    # Statuses are always computed on read, so a sync is a list of the caller's servers.
    return _ok(server_page(request, _own_servers(app, request)))


def show_server(app: EmulatorApp, request: Request) -> Response:
    record = app.visible_server(request.params["project_id"], request.params["id"])
    return _ok(record.as_json())


def _operation_handler(operation: lifecycle.Operation) -> Handler:
    def handle(app: EmulatorApp, request: Request) -> Response:
        if operation is lifecycle.START:
            check_start_body(request)
        record = app.operate(
            project_id=request.params["project_id"], server_id=request.params["id"], operation=operation
        )
        return _ok(record.as_json())

    handle.__name__ = f"{operation.name}_server"
    return handle


def batch_action(app: EmulatorApp, request: Request) -> Response:
    """A page of the servers the action was applied to.

    The answer has no place for a per-server refusal, so a server the action may not apply to (its
    status forbids it, or it does not exist) is left out of the page and left as it was.
    """
    batch = batch_request(request)
    acted_on = []
    for server_id in batch.server_ids:
        try:
            record = app.operate(
                project_id=request.params["project_id"], server_id=server_id, operation=batch.operation
            )
        except ApiError:
            continue
        acted_on.append(record.as_json())
    return _ok(whole_page(acted_on))


def list_flavors(app: EmulatorApp, request: Request) -> Response:
    offers = catalogue.flavor_offers(
        server_type=request.query_value("server_type"),
        arch=request.query_value("arch"),
        charging_mode=request.query_value("charging_mode"),
    )
    return _ok(whole_page(offers))


def list_images(app: EmulatorApp, request: Request) -> Response:
    images = catalogue.images_for(
        server_type=request.query_value("server_type"), flavor_name=request.query_value("flavor_name")
    )
    return _ok(whole_page([image.as_json() for image in images]))


# Specific templates come first; {id:uuid} matches only a UUID, so /dev-servers/jobs and the other
# routes the emulator lacks answer APIG.0101 instead of being taken for a server id.
_DEV_SERVERS = "/v1/{project_id}/dev-servers"
_ONE_SERVER = f"{_DEV_SERVERS}/{{id:uuid}}"
API_ROUTES: tuple[Route, ...] = (
    Route("POST", _DEV_SERVERS, create_server),
    Route("GET", _DEV_SERVERS, list_own_servers),
    Route("GET", f"{_DEV_SERVERS}/all", list_all_servers),
    Route("GET", f"{_DEV_SERVERS}/flavors", list_flavors),
    Route("GET", f"{_DEV_SERVERS}/images", list_images),
    Route("PUT", f"{_DEV_SERVERS}/sync", sync_servers),
    Route("POST", f"{_DEV_SERVERS}/action", batch_action),
    Route("GET", _ONE_SERVER, show_server),
    Route("DELETE", _ONE_SERVER, _operation_handler(lifecycle.DELETE)),
    Route("PUT", f"{_ONE_SERVER}/start", _operation_handler(lifecycle.START)),
    Route("PUT", f"{_ONE_SERVER}/stop", _operation_handler(lifecycle.STOP)),
    Route("PUT", f"{_ONE_SERVER}/reboot", _operation_handler(lifecycle.REBOOT)),
    Route("GET", "/v1/{project_id}/vpcs", neighbours.list_vpcs),
    Route("GET", "/v1/{project_id}/subnets", neighbours.list_subnets),
    Route("GET", "/v1/{project_id}/security-groups", neighbours.list_security_groups),
    Route("GET", "/v2.1/{project_id}/os-keypairs", neighbours.list_key_pairs),
    Route("POST", "/v3/auth/tokens", neighbours.issue_token, authenticated=False),
)
