"""How an HTTP answer becomes a CloudError, and of which kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests

from modelarts_client import CloudError, ErrorKind
from modelarts_client.errors import error_from_response, retry_after_seconds


def _response(
    status: int, body: bytes | str | dict, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = "Reason"
    if isinstance(body, dict):
        body = json.dumps(body)
    response._content = body.encode("utf-8") if isinstance(body, str) else body
    response.headers.update(headers or {})
    return response


def _service_error(code: str, message: str = "message") -> dict[str, str]:
    return {"error_code": code, "error_msg": message}


@pytest.mark.parametrize(
    ("status", "code", "is_create", "expected"),
    [
        (400, "ModelArts.0104", False, ErrorKind.PERMANENT),
        (400, "ModelArts.0104", True, ErrorKind.PERMANENT),
        (401, "APIG.0301", False, ErrorKind.PERMANENT),
        (403, "ModelArts.0116", True, ErrorKind.PERMANENT),
        (404, "ModelArts.6309", False, ErrorKind.PERMANENT),
        (409, "ModelArts.6301", True, ErrorKind.PERMANENT),
        (429, "APIG.0308", False, ErrorKind.TRANSIENT),
        (429, "APIG.0308", True, ErrorKind.TRANSIENT),
        (403, "APIG.0308", True, ErrorKind.TRANSIENT),
        (500, "ModelArts.0001", False, ErrorKind.TRANSIENT),
        (500, "ModelArts.0001", True, ErrorKind.OUTCOME_UNKNOWN),
        (503, "APIG.0202", False, ErrorKind.TRANSIENT),
        (504, "APIG.0201", True, ErrorKind.OUTCOME_UNKNOWN),
    ],
)
def test_it_classifies_an_answer_by_status_code_and_call(
    status: int, code: str, is_create: bool, expected: ErrorKind
) -> None:
    error = error_from_response(_response(status, _service_error(code)), outcome_unknown_on_5xx=is_create)

    assert error.kind is expected
    assert error.status == status
    assert error.error_code == code
    assert error.retry_safe is (expected is ErrorKind.TRANSIENT)


def test_a_non_json_error_body_still_gives_a_code_and_message() -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"

    error = error_from_response(_response(502, html), outcome_unknown_on_5xx=False)

    assert error.error_code == "HTTP.502"
    assert "502 Bad Gateway" in error.error_msg
    assert error.kind is ErrorKind.TRANSIENT


def test_an_empty_error_body_falls_back_to_the_reason() -> None:
    error = error_from_response(_response(503, b""), outcome_unknown_on_5xx=True)

    assert (error.error_code, error.error_msg) == ("HTTP.503", "Reason")
    assert error.kind is ErrorKind.OUTCOME_UNKNOWN


def test_an_iam_error_body_is_read_too() -> None:
    body = {"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}}

    error = error_from_response(_response(401, body), outcome_unknown_on_5xx=False)

    assert (error.error_code, error.error_msg) == ("401", "The username or password is wrong.")


def test_the_request_id_and_retry_after_come_from_the_headers() -> None:
    response = _response(429, _service_error("APIG.0308"), {"X-Request-Id": "req-42", "Retry-After": "3"})

    error = error_from_response(response, outcome_unknown_on_5xx=False)

    assert error.request_id == "req-42"
    assert error.retry_after == 3.0


def test_str_names_status_code_message_and_request_id() -> None:
    response = _response(
        400, _service_error("ModelArts.0104", "Invalid parameter: name"), {"X-Request-Id": "r-1"}
    )

    text = str(error_from_response(response, outcome_unknown_on_5xx=False))

    for part in ("400", "ModelArts.0104", "Invalid parameter: name", "r-1"):
        assert part in text


def test_a_cloud_error_without_response_says_so() -> None:
    error = CloudError(
        status=None,
        error_code="CLIENT.READ_TIMEOUT",
        error_msg="slow",
        request_id=None,
        kind=ErrorKind.TRANSIENT,
    )

    assert str(error).startswith("no response CLIENT.READ_TIMEOUT: slow")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("Thu, 21 Mar 2024 08:15:10 GMT", 10.0),
        ("soon", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, expected: float | None) -> None:
    now = datetime(2024, 3, 21, 8, 15, 0, tzinfo=UTC)

    assert retry_after_seconds(value, now=now) == expected
