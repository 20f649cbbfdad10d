"""AK/SK signatures verified like the gateway does, IAM tokens, and project permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from modelarts_client import signer
from tests.emulator.helpers import SEED_CREATE_REQUEST, create_server, servers_path, signed_request
from tests.fixtures.emulator import EmulatorHandle


def _assert_refused(response: requests.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    error = response.json()
    assert error["error_code"] == "APIG.0301"
    assert error["error_msg"].startswith("Incorrect IAM authentication information: ")
    assert reason in error["error_msg"]
    assert response.headers["X-Request-Id"]


def _signed_headers(emulator: EmulatorHandle, method: str, path: str, query: list, body: bytes) -> dict:
    return signer.sign_headers(
        access_key=emulator.access_key,
        secret_key=emulator.secret_key,
        method=method,
        path=path,
        query=query,
        headers={"Host": urlsplit(emulator.base_url).netloc, "Content-Type": "application/json"},
        body=body,
        now=datetime.now(UTC),
    )


def test_a_correct_signature_is_accepted(emulator: EmulatorHandle) -> None:
    response = signed_request(emulator, "GET", servers_path(emulator), query={"limit": 5, "owner": "a b~c"})

    assert response.status_code == 200, response.text


def test_it_refuses_a_wrong_secret_key(emulator: EmulatorHandle) -> None:
    response = signed_request(emulator, "GET", servers_path(emulator), secret_key="not-the-secret")

    _assert_refused(response, "signature does not match")


def test_it_refuses_an_unknown_access_key(emulator: EmulatorHandle) -> None:
    response = signed_request(emulator, "GET", servers_path(emulator), access_key="NOSUCHACCESSKEY00000")

    _assert_refused(response, "access key NOSUCHACCESSKEY00000 does not exist")


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_it_refuses_a_date_more_than_15_minutes_off(emulator: EmulatorHandle, skew: timedelta) -> None:
    response = signed_request(emulator, "GET", servers_path(emulator), now=datetime.now(UTC) + skew)

    _assert_refused(response, "date has expired")


def test_it_accepts_a_date_a_few_minutes_off(emulator: EmulatorHandle) -> None:
    response = signed_request(
        emulator, "GET", servers_path(emulator), now=datetime.now(UTC) - timedelta(minutes=10)
    )

    assert response.status_code == 200


def test_it_refuses_a_tampered_body(emulator: EmulatorHandle) -> None:
    path = servers_path(emulator)
    signed_body = json.dumps(SEED_CREATE_REQUEST).encode()
    headers = _signed_headers(emulator, "POST", path, [], signed_body)
    sent_body = json.dumps({**SEED_CREATE_REQUEST, "flavor": "p2s.2xlarge.8"}).encode()

    response = requests.post(f"{emulator.base_url}{path}", headers=headers, data=sent_body, timeout=10)

    _assert_refused(response, "signature does not match")
    listing = signed_request(emulator, "GET", servers_path(emulator, "/all")).json()
    assert listing["total"] == 0


def test_it_refuses_a_tampered_path(emulator: EmulatorHandle) -> None:
    headers = _signed_headers(emulator, "GET", servers_path(emulator), [], b"")

    response = requests.get(
        f"{emulator.base_url}{servers_path(emulator, '/all')}", headers=headers, timeout=10
    )

    _assert_refused(response, "signature does not match")


def test_it_refuses_a_tampered_query(emulator: EmulatorHandle) -> None:
    headers = _signed_headers(emulator, "GET", servers_path(emulator), [("limit", "1")], b"")

    response = requests.get(
        f"{emulator.base_url}{servers_path(emulator)}?limit=2", headers=headers, timeout=10
    )

    _assert_refused(response, "signature does not match")


def test_it_refuses_a_signed_header_that_was_not_sent(emulator: EmulatorHandle) -> None:
    headers = _signed_headers(emulator, "GET", servers_path(emulator), [], b"")
    del headers["Content-Type"]

    response = requests.get(f"{emulator.base_url}{servers_path(emulator)}", headers=headers, timeout=10)

    _assert_refused(response, "signed header content-type is missing")


def test_it_refuses_a_missing_date(emulator: EmulatorHandle) -> None:
    headers = _signed_headers(emulator, "GET", servers_path(emulator), [], b"")
    del headers[signer.DATE_HEADER]

    response = requests.get(f"{emulator.base_url}{servers_path(emulator)}", headers=headers, timeout=10)

    _assert_refused(response, "X-Sdk-Date header is missing")


def test_it_refuses_a_malformed_authorization(emulator: EmulatorHandle) -> None:
    response = requests.get(
        f"{emulator.base_url}{servers_path(emulator)}", headers={"Authorization": "Basic abc"}, timeout=10
    )

    _assert_refused(response, "not a valid SDK-HMAC-SHA256 header")


def test_it_refuses_a_call_without_credentials(emulator: EmulatorHandle) -> None:
    response = requests.get(f"{emulator.base_url}/v2.1/{emulator.project_id}/os-keypairs", timeout=10)

    _assert_refused(response, "no credentials")


def test_a_credential_may_only_use_its_own_projects(emulator: EmulatorHandle) -> None:
    other_servers = f"/v1/{emulator.other_project_id}/dev-servers"

    refused = signed_request(emulator, "GET", other_servers)
    allowed = signed_request(
        emulator,
        "GET",
        other_servers,
        access_key=emulator.second_access_key,
        secret_key=emulator.second_secret_key,
    )

    assert refused.status_code == 403
    assert refused.json()["error_code"] == "APIG.0302"
    assert allowed.status_code == 200


def _token_request(emulator: EmulatorHandle, *, password: str, project_id: str) -> requests.Response:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": emulator.iam_user,
                        "password": password,
                        "domain": {"name": emulator.iam_domain},
                    }
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }
    return requests.post(f"{emulator.base_url}/v3/auth/tokens", json=body, timeout=10)


def test_it_issues_a_24_hour_token_that_authenticates(emulator: EmulatorHandle) -> None:
    issued = _token_request(emulator, password=emulator.iam_password, project_id=emulator.project_id)

    assert issued.status_code == 201, issued.text
    token = issued.headers["X-Subject-Token"]
    body = issued.json()["token"]
    expires_at = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert timedelta(hours=23, minutes=59) < expires_at - datetime.now(UTC) <= timedelta(hours=24)
    assert body["project"]["id"] == emulator.project_id
    assert body["user"]["name"] == emulator.iam_user
    assert body["user"]["domain"]["name"] == emulator.iam_domain
    assert token not in issued.text

    server_url = f"{emulator.base_url}{servers_path(emulator)}"
    created = requests.post(server_url, headers={"X-Auth-Token": token}, json=SEED_CREATE_REQUEST, timeout=10)
    assert created.status_code == 200, created.text
    # The IAM user is the same identity as the default AK/SK, so the server is "own" to both.
    own = signed_request(emulator, "GET", servers_path(emulator)).json()
    assert [server["id"] for server in own["data"]] == [created.json()["id"]]


def test_it_refuses_a_wrong_password(emulator: EmulatorHandle) -> None:
    response = _token_request(emulator, password="Wrong-Password-1", project_id=emulator.project_id)

    assert response.status_code == 401
    assert "X-Subject-Token" not in response.headers
    assert response.json()["error"]["code"] == 401


def test_it_refuses_a_token_for_a_project_the_user_lacks(emulator: EmulatorHandle) -> None:
    response = _token_request(emulator, password=emulator.iam_password, project_id=emulator.other_project_id)

    assert response.status_code == 401


def test_it_refuses_a_token_request_without_a_user(emulator: EmulatorHandle) -> None:
    response = requests.post(
        f"{emulator.base_url}/v3/auth/tokens",
        json={"auth": {"identity": {"methods": ["password"]}}},
        timeout=10,
    )

    assert response.status_code == 400


def test_it_refuses_an_unknown_token(emulator: EmulatorHandle) -> None:
    response = requests.get(
        f"{emulator.base_url}{servers_path(emulator)}", headers={"X-Auth-Token": "MIIEbogus"}, timeout=10
    )

    _assert_refused(response, "X-Auth-Token is invalid or has expired")


def test_a_token_only_works_on_its_project(emulator: EmulatorHandle) -> None:
    token = _token_request(emulator, password=emulator.iam_password, project_id=emulator.project_id).headers[
        "X-Subject-Token"
    ]

    response = requests.get(
        f"{emulator.base_url}/v1/{emulator.other_project_id}/dev-servers",
        headers={"X-Auth-Token": token},
        timeout=10,
    )

    assert response.status_code == 403
    assert response.json()["error_code"] == "APIG.0302"


def test_create_answers_carry_a_request_id_and_json(emulator: EmulatorHandle) -> None:
    server = create_server(emulator)
    response = signed_request(emulator, "GET", servers_path(emulator, f"/{server['id']}"))

    assert response.headers["Content-Type"].startswith("application/json")
    assert len(response.headers["X-Request-Id"]) == 32
