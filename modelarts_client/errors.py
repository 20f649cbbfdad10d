"""The one error type the client raises, and how each failure is classified.

The kind answers the caller's only real question: may I simply send this again?
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

THROTTLING_ERROR_CODES = frozenset({"APIG.0308"})
# Service codes the product acts on (the API reference's error codes).
NAME_TAKEN_CODE = "ModelArts.6301"  # a server of that name already exists
NOT_FOUND_CODE = "ModelArts.6309"  # no server with that id
_MESSAGE_LIMIT = 300


class ErrorKind(enum.Enum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    OUTCOME_UNKNOWN = "outcome_unknown"


class CloudError(Exception):
    def __init__(
        self,
        *,
        status: int | None,
        error_code: str,
        error_msg: str,
        request_id: str | None,
        kind: ErrorKind,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.kind = kind
        self.retry_after = retry_after
        super().__init__(str(self))

    @property
    def retry_safe(self) -> bool:
        """True when sending the same call again cannot do anything twice and may succeed."""
        return self.kind is ErrorKind.TRANSIENT

    def __str__(self) -> str:
        status = self.status if self.status is not None else "no response"
        return (
            f"{status} {self.error_code}: {self.error_msg} "
            f"(request_id={self.request_id or '-'}, kind={self.kind.value})"
        )

    def __repr__(self) -> str:
        return (
            f"CloudError(status={self.status!r}, error_code={self.error_code!r}, "
            f"error_msg={self.error_msg!r}, request_id={self.request_id!r}, kind={self.kind}, "
            f"retry_after={self.retry_after!r})"
        )


def request_id_of(response: requests.Response) -> str | None:
    return response.headers.get("X-Request-Id") or response.headers.get("X-Openstack-Request-Id")


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (moment - current).total_seconds())


def _code_and_message(payload: Any) -> tuple[str | None, str | None]:
    if not isinstance(payload, dict):
        return None, None
    if "error_code" in payload or "error_msg" in payload:
        return _text(payload.get("error_code")), _text(payload.get("error_msg"))
    # IAM (Keystone) wraps its errors: {"error": {"code": 401, "message": "...", "title": "..."}}.
    nested = payload.get("error")
    if isinstance(nested, dict):
        return _text(nested.get("code")), _text(nested.get("message") or nested.get("title"))
    if "code" in payload or "message" in payload:
        return _text(payload.get("code")), _text(payload.get("message"))
    return None, None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def kind_for_status(status: int, error_code: str, *, outcome_unknown_on_5xx: bool) -> ErrorKind:
    if status == 429 or error_code in THROTTLING_ERROR_CODES:
        return ErrorKind.TRANSIENT
    if status >= 500:
        return ErrorKind.OUTCOME_UNKNOWN if outcome_unknown_on_5xx else ErrorKind.TRANSIENT
    return ErrorKind.PERMANENT


def error_from_response(response: requests.Response, *, outcome_unknown_on_5xx: bool) -> CloudError:
    try:
        payload = response.json()
    except (json.JSONDecodeError, ValueError):
        payload = None
    code, message = _code_and_message(payload)
    if not message:
        message = (response.text or response.reason or "").strip()[:_MESSAGE_LIMIT] or "no error message"
    code = code or f"HTTP.{response.status_code}"
    return CloudError(
        status=response.status_code,
        error_code=code,
        error_msg=message,
        request_id=request_id_of(response),
        kind=kind_for_status(response.status_code, code, outcome_unknown_on_5xx=outcome_unknown_on_5xx),
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def _nothing_was_sent(error: requests.ConnectionError) -> bool:
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, NewConnectionError)


# What a person may read of a failure with no HTTP answer: never the exception's text, which names
# hosts, ports and addresses. The code says which kind it was; the log line has the rest.
_NO_ANSWER_MESSAGES = {
    "CLIENT.CONNECT_TIMEOUT": "The cloud did not accept a connection in time.",
    "CLIENT.READ_TIMEOUT": "The cloud did not answer in time.",
    "CLIENT.CONNECT_FAILED": "The cloud could not be reached.",
    "CLIENT.CONNECTION_LOST": "The connection to the cloud broke before its answer arrived.",
    "CLIENT.BROKEN_RESPONSE": "The cloud's answer arrived broken.",
    "CLIENT.REQUEST_INVALID": "The request could not be sent: check the cloud account's endpoints.",
}


def error_from_exception(error: requests.RequestException, *, outcome_unknown_if_sent: bool) -> CloudError:
    """Classify a failure with no HTTP answer; `outcome_unknown_if_sent` marks a call that may commit."""
    sent_kind = ErrorKind.OUTCOME_UNKNOWN if outcome_unknown_if_sent else ErrorKind.TRANSIENT
    if isinstance(error, requests.ConnectTimeout):
        code, kind = "CLIENT.CONNECT_TIMEOUT", ErrorKind.TRANSIENT
    elif isinstance(error, requests.ReadTimeout):
        code, kind = "CLIENT.READ_TIMEOUT", sent_kind
    elif isinstance(error, requests.ConnectionError):
        if _nothing_was_sent(error):
            code, kind = "CLIENT.CONNECT_FAILED", ErrorKind.TRANSIENT
        else:
            code, kind = "CLIENT.CONNECTION_LOST", sent_kind
    elif isinstance(
        error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        code, kind = "CLIENT.BROKEN_RESPONSE", sent_kind
    else:
        # Invalid URL, missing schema and the like: a configuration mistake a retry cannot fix.
        code, kind = "CLIENT.REQUEST_INVALID", ErrorKind.PERMANENT
    return CloudError(
        status=None,
        error_code=code,
        error_msg=_NO_ANSWER_MESSAGES[code],
        request_id=None,
        kind=kind,
    )


def unreadable_success(response: requests.Response, *, outcome_unknown: bool) -> CloudError:
    return CloudError(
        status=response.status_code,
        error_code="CLIENT.BAD_RESPONSE_BODY",
        error_msg="the answer was not the JSON object the API documents",
        request_id=request_id_of(response),
        kind=ErrorKind.OUTCOME_UNKNOWN if outcome_unknown else ErrorKind.TRANSIENT,
    )
