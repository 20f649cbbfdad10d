"""The error answers of the service and of the API gateway in front of it."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal raised anywhere in a handler and answered as `{"error_code", "error_msg"}`."""

    def __init__(
        self, status: int, error_code: str, error_msg: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {error_code}: {error_msg}")
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "error_msg": self.error_msg}


def invalid_parameter(field_path: str, reason: str) -> ApiError:
    return ApiError(400, "ModelArts.0104", f"Invalid parameter: {field_path} {reason}")


def authentication_failed(reason: str) -> ApiError:
    return ApiError(401, "APIG.0301", f"Incorrect IAM authentication information: {reason}")


def project_not_allowed(project_id: str) -> ApiError:
    return ApiError(
        403, "APIG.0302", f"Incorrect IAM authentication information: no permission for project {project_id}"
    )


def route_not_found() -> ApiError:
    return ApiError(404, "APIG.0101", "The API does not exist or has not been published in the environment.")


def server_not_found(server_id: str) -> ApiError:
    return ApiError(404, "ModelArts.6309", f"The instance {server_id} does not exist")


def backend_unavailable() -> ApiError:
    return ApiError(503, "APIG.0202", "Backend unavailable")


def throttled() -> ApiError:
    return ApiError(
        429,
        "APIG.0308",
        "The throttling threshold has been reached: requests per second",
        headers={"Retry-After": "1"},
    )
