"""Handlers of the documented API: DevServer, the catalogue, VPC/ECS look-ups and the IAM token."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from modelarts_emulator import catalogue, lifecycle
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.errors import ApiError, invalid_parameter
from modelarts_emulator.routing import Handler, Request, Response, Route
from modelarts_emulator.servers import ServerRecord
from modelarts_emulator.validation import validate_create_request

MAX_LIST_LIMIT = 1024
DEFAULT_LIST_LIMIT = 10
SORT_FIELDS = {"createTime": "create_at", "updateTime": "update_at"}
MAX_BATCH_SERVERS = 100


def _ok(body: Any, status: int = 200) -> Response:
    return Response(status=status, body=body)


def _page(items: list[dict[str, Any]], *, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {
        "current": offset // limit + 1 if limit else 1,
        "data": items,
        "pages": math.ceil(total / limit) if limit else 0,
        "size": limit,
        "total": total,
    }


def _whole_page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"current": 1, "data": items, "pages": 1, "size": len(items), "total": len(items)}


def _query_integer(request: Request, key: str, default: int, low: int, high: int | None) -> int:
    text = request.query_value(key)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid_parameter(key, "must be an integer") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_parameter(key, f"must be {bounds}")
    return value


def _query_choice(request: Request, key: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_value(key) or default
    if value not in choices:
        raise invalid_parameter(key, f"must be one of {', '.join(choices)}")
    return value


def _server_page(request: Request, records: list[ServerRecord]) -> dict[str, Any]:
    limit = _query_integer(request, "limit", DEFAULT_LIST_LIMIT, 0, MAX_LIST_LIMIT)
    offset = _query_integer(request, "offset", 0, 0, None)
    sort_field = SORT_FIELDS[_query_choice(request, "sort_key", tuple(SORT_FIELDS), "createTime")]
    descending = _query_choice(request, "sort_dir", ("ASC", "DESC"), "ASC") == "DESC"
    owner = request.query_value("owner")
    if owner:
        records = [record for record in records if owner in (record.owner_user_id, record.owner_user_name)]
    records.sort(
        key=lambda record: (getattr(record, sort_field), record.create_at, record.id), reverse=descending
    )
    window = records[offset : offset + limit]
    return _page([record.as_json() for record in window], total=len(records), limit=limit, offset=offset)


def _own_servers(app: EmulatorApp, request: Request) -> list[ServerRecord]:
    caller = request.caller()
    servers = app.visible_servers(request.params["project_id"])
    return [record for record in servers if record.owner_user_id == caller.user_id]


# --- DevServer -------------------------------------------------------------------------------------


def create_server(app: EmulatorApp, request: Request) -> Response:
    body = request.json_body(invalid=lambda reason: invalid_parameter("body", reason))
    spec = validate_create_request(body)
    records = app.create_servers(spec=spec, owner=request.caller(), project_id=request.params["project_id"])
    return Response(status=200, body=records[0].as_json(), drop_connection=app.faults.take_dropped_create())


def list_own_servers(app: EmulatorApp, request: Request) -> Response:
    return _ok(_server_page(request, _own_servers(app, request)))


def list_all_servers(app: EmulatorApp, request: Request) -> Response:
    return _ok(_server_page(request, app.visible_servers(request.params["project_id"])))


def sync_servers(app: EmulatorApp, request: Request) -> Response:
    # Statuses are always computed on read, so a sync is a list of the caller's servers.
    return _ok(_server_page(request, _own_servers(app, request)))


def show_server(app: EmulatorApp, request: Request) -> Response:
    record = app.visible_server(request.params["project_id"], request.params["id"])
    return _ok(record.as_json())


def _operation_handler(operation: lifecycle.Operation) -> Handler:
    def handle(app: EmulatorApp, request: Request) -> Response:
        record = app.operate(
            project_id=request.params["project_id"], server_id=request.params["id"], operation=operation
        )
        return _ok(record.as_json())

    handle.__name__ = f"{operation.name}_server"
    return handle


def _batch_request(request: Request) -> tuple[lifecycle.Operation, list[str]]:
    body = request.json_body(invalid=lambda reason: invalid_parameter("body", reason))
    if not isinstance(body, dict):
        raise invalid_parameter("body", "must be an object")
    action_type = body.get("type")
    if action_type not in lifecycle.OPERATIONS_BY_ACTION_TYPE:
        raise invalid_parameter("type", f"must be one of {', '.join(lifecycle.OPERATIONS_BY_ACTION_TYPE)}")
    server_ids = body.get("servers")
    if (
        not isinstance(server_ids, list)
        or not server_ids
        or not all(isinstance(server_id, str) for server_id in server_ids)
    ):
        raise invalid_parameter("servers", "must be a non-empty list of instance ids")
    if len(server_ids) > MAX_BATCH_SERVERS:
        raise invalid_parameter("servers", f"must hold at most {MAX_BATCH_SERVERS} ids")
    return lifecycle.OPERATIONS_BY_ACTION_TYPE[action_type], server_ids


def batch_action(app: EmulatorApp, request: Request) -> Response:
    operation, server_ids = _batch_request(request)
    results = []
    for server_id in server_ids:
        try:
            record = app.operate(
                project_id=request.params["project_id"], server_id=server_id, operation=operation
            )
        except ApiError as refusal:
            results.append(
                {"id": server_id, "error_code": refusal.error_code, "error_msg": refusal.error_msg}
            )
        else:
            results.append({"id": server_id, "status": record.status})
    return _ok({"results": results})


# --- catalogue -------------------------------------------------------------------------------------


def list_flavors(app: EmulatorApp, request: Request) -> Response:
    server_type = request.query_value("server_type")
    arch = request.query_value("arch")
    charging_mode = request.query_value("charging_mode")
    flavors = [
        flavor
        for flavor in catalogue.FLAVORS
        if (not server_type or flavor.server_type == server_type)
        and (not arch or flavor.arch == arch)
        and (not charging_mode or charging_mode in flavor.charging_modes)
    ]
    return _ok(_whole_page([flavor.as_json() for flavor in flavors]))


def list_images(app: EmulatorApp, request: Request) -> Response:
    server_type = request.query_value("server_type")
    flavor_name = request.query_value("flavor_name")
    images = list(catalogue.IMAGES)
    if flavor_name:
        flavor = catalogue.flavor_named(flavor_name)
        if flavor is None:
            raise invalid_parameter("flavor_name", f"{flavor_name} does not exist")
        images = [image for image in images if image.fits(flavor)]
    if server_type:
        images = [image for image in images if image.server_type == server_type]
    return _ok(_whole_page([image.as_json() for image in images]))


def list_vpcs(app: EmulatorApp, request: Request) -> Response:
    return _ok({"vpcs": [vpc.as_json() for vpc in catalogue.VPCS]})


def list_subnets(app: EmulatorApp, request: Request) -> Response:
    vpc_id = request.query_value("vpc_id")
    subnets = [subnet for subnet in catalogue.SUBNETS if not vpc_id or subnet.vpc_id == vpc_id]
    return _ok({"subnets": [subnet.as_json() for subnet in subnets]})


def list_security_groups(app: EmulatorApp, request: Request) -> Response:
    vpc_id = request.query_value("vpc_id")
    groups = [group for group in catalogue.SECURITY_GROUPS if not vpc_id or group.vpc_id == vpc_id]
    return _ok({"security_groups": [group.as_json() for group in groups]})


def list_key_pairs(app: EmulatorApp, request: Request) -> Response:
    return _ok({"keypairs": [key_pair.as_json() for key_pair in catalogue.KEY_PAIRS]})


# --- IAM -------------------------------------------------------------------------------------------


class IamError(ApiError):
    """IAM answers `{"error": {"code", "message", "title"}}`; the flat keys are kept for one error parser."""

    def __init__(self, status: int, error_code: str, message: str, title: str) -> None:
        super().__init__(status, error_code, message)
        self.title = title

    def body(self) -> dict[str, Any]:
        return {
            **super().body(),
            "error": {"code": self.status, "message": self.error_msg, "title": self.title},
        }


def _iam_bad_request(path: str) -> IamError:
    return IamError(
        400, "IAM.0011", f"Request body is invalid: {path} is missing or not a string", "Bad Request"
    )


def _value_at(document: Any, path: tuple[str, ...]) -> Any:
    value = document
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _text_at(document: Any, path: tuple[str, ...]) -> str:
    value = _value_at(document, path)
    if not isinstance(value, str) or not value:
        raise _iam_bad_request(".".join(path))
    return value


def _iso8601(moment_ms: int) -> str:
    return datetime.fromtimestamp(moment_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def issue_token(app: EmulatorApp, request: Request) -> Response:
    body = request.json_body(
        invalid=lambda reason: IamError(400, "IAM.0011", f"Request body {reason}", "Bad Request")
    )
    identity_part = ("auth", "identity")
    methods = _value_at(body, (*identity_part, "methods"))
    if not isinstance(methods, list) or "password" not in methods:
        raise IamError(
            400,
            "IAM.0011",
            "Request body is invalid: auth.identity.methods must hold password",
            "Bad Request",
        )
    user_path = (*identity_part, "password", "user")
    user_name = _text_at(body, (*user_path, "name"))
    password = _text_at(body, (*user_path, "password"))
    domain = _text_at(body, (*user_path, "domain", "name"))
    project_id = _text_at(body, ("auth", "scope", "project", "id"))
    user = app.config.iam_user(domain, user_name)
    if user is None or user.password != password:
        raise IamError(401, "IAM.0101", "The username or password is wrong.", "Unauthorized")
    if project_id not in user.identity.project_ids:
        raise IamError(401, "IAM.0102", f"The user has no access to project {project_id}.", "Unauthorized")
    issued = app.issue_token(identity=user.identity, project_id=project_id)
    project = app.config.project(project_id)
    domain_json = {"id": user.identity.domain, "name": user.identity.domain}
    token_json = {
        "expires_at": _iso8601(issued.record.expires_at_ms),
        "issued_at": _iso8601(issued.record.issued_at_ms),
        "methods": ["password"],
        "catalog": [],
        "roles": [{"id": "0", "name": "op_service"}, {"id": "1", "name": "te_admin"}],
        "project": {"id": project_id, "name": project.name if project else project_id, "domain": domain_json},
        "user": {"id": user.identity.user_id, "name": user.identity.user_name, "domain": domain_json},
    }
    return Response(status=201, body={"token": token_json}, headers={"X-Subject-Token": issued.token})


# Specific templates come before /dev-servers/{id}, which would otherwise swallow them.
_DEV_SERVERS = "/v1/{project_id}/dev-servers"
API_ROUTES: tuple[Route, ...] = (
    Route("POST", _DEV_SERVERS, create_server),
    Route("GET", _DEV_SERVERS, list_own_servers),
    Route("GET", f"{_DEV_SERVERS}/all", list_all_servers),
    Route("GET", f"{_DEV_SERVERS}/flavors", list_flavors),
    Route("GET", f"{_DEV_SERVERS}/images", list_images),
    Route("PUT", f"{_DEV_SERVERS}/sync", sync_servers),
    Route("POST", f"{_DEV_SERVERS}/action", batch_action),
    Route("GET", f"{_DEV_SERVERS}/{{id}}", show_server),
    Route("DELETE", f"{_DEV_SERVERS}/{{id}}", _operation_handler(lifecycle.DELETE)),
    Route("PUT", f"{_DEV_SERVERS}/{{id}}/start", _operation_handler(lifecycle.START)),
    Route("PUT", f"{_DEV_SERVERS}/{{id}}/stop", _operation_handler(lifecycle.STOP)),
    Route("PUT", f"{_DEV_SERVERS}/{{id}}/reboot", _operation_handler(lifecycle.REBOOT)),
    Route("GET", "/v1/{project_id}/vpcs", list_vpcs),
    Route("GET", "/v1/{project_id}/subnets", list_subnets),
    Route("GET", "/v1/{project_id}/security-groups", list_security_groups),
    Route("GET", "/v2.1/{project_id}/os-keypairs", list_key_pairs),
    Route("POST", "/v3/auth/tokens", issue_token, authenticated=False),
)
