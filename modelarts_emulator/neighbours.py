"""The neighbouring services a create form reads: VPC look-ups, ECS key pairs and the IAM token.

Their wire shapes are those of the SDK models `Vpc`, `Subnet`, `SecurityGroup` (huaweicloudsdkvpc
v2), `NovaSimpleKeypair` (huaweicloudsdkecs v2) and `TokenResult` (huaweicloudsdkiam v3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from modelarts_emulator import catalogue
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.errors import ApiError
from modelarts_emulator.routing import Request, Response


def _ok(body: Any, status: int = 200) -> Response:
    return Response(status=status, body=body)


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
