"""Both auth schemes against the emulator: signatures it must refuse, and the IAM token's life."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from modelarts_client import (
    AkSkCredentials,
    CloudError,
    ErrorKind,
    IamCredentials,
    IamToken,
    ModelArtsClient,
    signer,
)
from modelarts_client.tokens import TOKEN_CACHE, TokenKey
from tests.client.helpers import seed_body, seed_request
from tests.fixtures.cloud import ConfigFactory

LIST_ROUTE = "GET /v1/{project_id}/dev-servers"
CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
TOKEN_ROUTE = "POST /v3/auth/tokens"


class TamperingSession(requests.Session):
    """Changes the request after the client signed it, as a man in the middle would."""

    def __init__(self, tamper: Any) -> None:
        super().__init__()
        self.tamper = tamper

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.tamper(request)
        return super().send(request, **kwargs)


def _refusal(call: Any) -> CloudError:
    with pytest.raises(CloudError) as error:
        call()
    return error.value


# --- AK/SK -----------------------------------------------------------------------------------


def test_a_wrong_secret_key_is_refused(cloud_config_for: ConfigFactory, emulator: Any) -> None:
    client = ModelArtsClient(
        cloud_config_for(credentials=AkSkCredentials(emulator.access_key, "wrong-secret"))
    )

    error = _refusal(client.list_dev_servers)

    assert (error.status, error.error_code, error.kind) == (401, "APIG.0301", ErrorKind.PERMANENT)
    assert "signature" in error.error_msg
    assert emulator.counters_by_status()[LIST_ROUTE] == {"401": 1}


def test_an_unknown_access_key_is_refused(cloud_config_for: ConfigFactory, emulator: Any) -> None:
    client = ModelArtsClient(
        cloud_config_for(credentials=AkSkCredentials("NOSUCHACCESSKEY", emulator.secret_key))
    )

    error = _refusal(client.list_flavors)

    assert (error.status, error.error_code) == (401, "APIG.0301")


def _signed_raw_request(emulator: Any, *, signed_at: datetime) -> requests.Response:
    path = f"/v1/{emulator.project_id}/dev-servers"
    headers = {
        "Host": urlsplit(emulator.base_url).netloc,
        "Content-Type": "application/json",
        "X-Project-Id": emulator.project_id,
    }
    signed = signer.sign_headers(
        access_key=emulator.access_key,
        secret_key=emulator.secret_key,
        method="GET",
        path=path,
        query=[],
        headers=headers,
        body=b"",
        now=signed_at,
    )
    return requests.get(emulator.base_url + path, headers=signed, timeout=5)


def test_a_stale_signing_date_is_refused(emulator: Any) -> None:
    fresh = _signed_raw_request(emulator, signed_at=datetime.now(UTC))
    stale = _signed_raw_request(emulator, signed_at=datetime.now(UTC) - timedelta(minutes=20))

    assert fresh.status_code == 200
    assert stale.status_code == 401
    assert "X-Sdk-Date" in stale.json()["error_msg"]


def test_a_body_changed_after_signing_is_refused(cloud_config_for: ConfigFactory, emulator: Any) -> None:
    def rename(request: requests.PreparedRequest) -> None:
        assert isinstance(request.body, bytes)
        request.body = request.body.replace(b"EI-evs-1107", b"EI-evs-1108")

    client = ModelArtsClient(cloud_config_for(), session=TamperingSession(rename))

    error = _refusal(lambda: client.create_dev_server(seed_request()))

    assert (error.status, error.error_code) == (401, "APIG.0301")
    assert "signature" in error.error_msg
    assert emulator.counters_by_status()[CREATE_ROUTE] == {"401": 1}


def test_a_query_changed_after_signing_is_refused(cloud_config_for: ConfigFactory) -> None:
    def widen(request: requests.PreparedRequest) -> None:
        request.url = (request.url or "").replace("limit=10", "limit=1024")

    client = ModelArtsClient(cloud_config_for(), session=TamperingSession(widen))

    error = _refusal(client.list_dev_servers)

    assert error.status == 401


def test_an_untampered_session_passes(cloud_config_for: ConfigFactory) -> None:
    client = ModelArtsClient(cloud_config_for(), session=TamperingSession(lambda request: None))

    assert client.create_dev_server(seed_request()).name == seed_body()["name"]


def test_a_project_the_key_may_not_use_is_forbidden(cloud_config_for: ConfigFactory, emulator: Any) -> None:
    outsider = ModelArtsClient(cloud_config_for(project_id=emulator.other_project_id))
    teammate = ModelArtsClient(
        cloud_config_for(
            project_id=emulator.other_project_id,
            credentials=AkSkCredentials(emulator.second_access_key, emulator.second_secret_key),
        )
    )

    error = _refusal(outsider.list_dev_servers)

    assert (error.status, error.kind) == (403, ErrorKind.PERMANENT)
    assert teammate.list_dev_servers().total == 0


# --- IAM token ---------------------------------------------------------------------------------


def _token_key(client: ModelArtsClient) -> TokenKey:
    credentials = client.config.credentials
    assert isinstance(credentials, IamCredentials)
    return TokenKey(
        client.config.iam_url, credentials.domain_name, credentials.user_name, client.config.project_id
    )


def test_issue_token_returns_a_day_long_token(iam_cloud_client: ModelArtsClient) -> None:
    token = iam_cloud_client.issue_token()

    remaining = token.expires_at - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < remaining <= timedelta(hours=24)
    assert token.token
    assert token.token not in repr(token)


def test_the_token_is_reused_from_memory(
    iam_cloud_client: ModelArtsClient,
    cloud_config_for: ConfigFactory,
    iam_credentials: IamCredentials,
    emulator: Any,
) -> None:
    another_client = ModelArtsClient(cloud_config_for(credentials=iam_credentials))

    iam_cloud_client.list_dev_servers()
    iam_cloud_client.create_dev_server(seed_request())
    another_client.list_flavors()

    counters = emulator.counters()
    assert counters[TOKEN_ROUTE] == 1
    assert counters[LIST_ROUTE] == 1
    assert counters[CREATE_ROUTE] == 1


def test_a_token_near_its_end_is_replaced(iam_cloud_client: ModelArtsClient, emulator: Any) -> None:
    first = iam_cloud_client.issue_token()
    ending = IamToken(token=first.token, expires_at=datetime.now(UTC) + timedelta(minutes=30))
    TOKEN_CACHE.store(_token_key(iam_cloud_client), ending)

    iam_cloud_client.list_dev_servers()

    assert emulator.counters()[TOKEN_ROUTE] == 2
    replacement = TOKEN_CACHE.usable(_token_key(iam_cloud_client), margin_seconds=3600)
    assert replacement is not None
    assert replacement.token != first.token


def test_the_refresh_margin_is_configurable(
    cloud_config_for: ConfigFactory, iam_credentials: IamCredentials, emulator: Any, fresh_token_cache: None
) -> None:
    client = ModelArtsClient(cloud_config_for(credentials=iam_credentials, token_refresh_margin=60))
    first = client.issue_token()
    TOKEN_CACHE.store(
        _token_key(client), IamToken(token=first.token, expires_at=datetime.now(UTC) + timedelta(minutes=30))
    )

    client.list_dev_servers()

    assert emulator.counters()[TOKEN_ROUTE] == 1


def test_a_401_causes_one_reauthentication_and_one_retry(
    iam_cloud_client: ModelArtsClient, emulator: Any
) -> None:
    revoked = IamToken(token="MIIErevoked", expires_at=datetime.now(UTC) + timedelta(hours=20))
    TOKEN_CACHE.store(_token_key(iam_cloud_client), revoked)

    server = iam_cloud_client.create_dev_server(seed_request())

    assert server.id
    assert emulator.counters_by_status()[CREATE_ROUTE] == {"401": 1, "200": 1}
    assert emulator.counters()[TOKEN_ROUTE] == 1


def test_a_second_401_is_final(
    cloud_config_for: ConfigFactory, iam_credentials: IamCredentials, emulator: Any, fresh_token_cache: None
) -> None:
    def spoil_token(request: requests.PreparedRequest) -> None:
        if "X-Auth-Token" in request.headers:
            request.headers["X-Auth-Token"] = "MIIEspoiled"

    client = ModelArtsClient(
        cloud_config_for(credentials=iam_credentials), session=TamperingSession(spoil_token)
    )

    error = _refusal(client.list_dev_servers)

    assert (error.status, error.kind) == (401, ErrorKind.PERMANENT)
    assert emulator.counters_by_status()[LIST_ROUTE] == {"401": 2}
    assert emulator.counters()[TOKEN_ROUTE] == 2


def test_a_wrong_password_is_a_permanent_refusal(
    cloud_config_for: ConfigFactory, emulator: Any, fresh_token_cache: None
) -> None:
    credentials = IamCredentials(emulator.iam_domain, emulator.iam_user, "not-the-password")
    client = ModelArtsClient(cloud_config_for(credentials=credentials))

    error = _refusal(client.list_dev_servers)

    assert (error.status, error.kind) == (401, ErrorKind.PERMANENT)
    assert "password" in error.error_msg
    assert LIST_ROUTE not in emulator.counters()


def test_the_token_request_has_the_documented_shape(iam_cloud_client: ModelArtsClient) -> None:
    sent: list[dict[str, Any]] = []

    def capture(request: requests.PreparedRequest) -> None:
        if (request.url or "").endswith("/v3/auth/tokens"):
            sent.append(json.loads(request.body or b"{}"))

    credentials = iam_cloud_client.config.credentials
    assert isinstance(credentials, IamCredentials)
    client = ModelArtsClient(iam_cloud_client.config, session=TamperingSession(capture))
    client.issue_token()

    assert sent == [
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": credentials.user_name,
                            "password": credentials.password,
                            "domain": {"name": credentials.domain_name},
                        }
                    },
                },
                "scope": {"project": {"id": iam_cloud_client.config.project_id}},
            }
        }
    ]


def test_issue_token_needs_iam_credentials(cloud_client: ModelArtsClient) -> None:
    with pytest.raises(TypeError):
        cloud_client.issue_token()


def test_no_token_or_password_reaches_the_log(
    iam_cloud_client: ModelArtsClient, caplog: pytest.LogCaptureFixture, iam_credentials: IamCredentials
) -> None:
    with caplog.at_level(logging.DEBUG):
        iam_cloud_client.list_dev_servers()
        iam_cloud_client.create_dev_server(seed_request())

    token = TOKEN_CACHE.usable(_token_key(iam_cloud_client), margin_seconds=0)
    assert token is not None
    messages = [record.getMessage() for record in caplog.records if record.name == "modelarts_client"]
    assert len(messages) == 3
    assert messages[0].startswith("POST /v3/auth/tokens -> 201 ")
    for secret in (token.token, iam_credentials.password, "@DevServer", "EI-evs-1107"):
        assert secret not in caplog.text
