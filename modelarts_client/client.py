"""ModelArtsClient: one method per documented endpoint, over one requests.Session.

Every call has connect and read timeouts, is signed (AK/SK) or carries a token (IAM),
logs one line, and fails only with CloudError. Reads (GET) are retried with back-off;
writes never are, because only the caller knows whether sending one twice is safe.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from modelarts_client import signer
from modelarts_client.bodies import CreateServerRequest
from modelarts_client.config import AkSkCredentials, CloudConfig, IamCredentials
from modelarts_client.errors import (
    CloudError,
    ErrorKind,
    error_from_exception,
    error_from_response,
    request_id_of,
    unreadable_success,
)
from modelarts_client.results import (
    DevServer,
    Flavor,
    FlavorRow,
    IamToken,
    KeyPair,
    Page,
    SecurityGroup,
    ServerImage,
    Subnet,
    Vpc,
    group_flavor_rows,
)
from modelarts_client.tokens import TOKEN_CACHE, TokenCache, TokenKey, expiry_from_body, password_auth_body

logger = logging.getLogger("modelarts_client")

QueryPairs = list[tuple[str, str]]
MAX_LIST_PAGE_SIZE = 1024
NEIGHBOUR_PAGE_SIZE = 1000


def _encode(text: str) -> str:
    return quote(text, safe="~")


def _path(*segments: str) -> str:
    return "/" + "/".join(_encode(segment) for segment in segments)


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query(**values: object) -> QueryPairs:
    return [(key, _query_value(value)) for key, value in values.items() if value is not None]


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class _Call:
    base_url: str
    method: str
    path: str
    query: QueryPairs
    body: bytes
    # True for create: once sent, a failure without a clear refusal may still have bought a server.
    may_commit: bool = False

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


class ModelArtsClient:
    def __init__(self, config: CloudConfig, *, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._tokens: TokenCache = TOKEN_CACHE

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ModelArtsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # DevServer endpoints

    def create_dev_server(self, request: CreateServerRequest) -> DevServer:
        body = request.to_body(self.config.userdata_field)
        return self._server_call("POST", self._servers_path(), body=body, may_commit=True)

    def list_dev_servers(
        self,
        *,
        limit: int = 10,
        offset: int = 0,
        sort_key: str | None = None,
        sort_dir: str | None = None,
        owner: str | None = None,
        all_users: bool = False,
    ) -> Page[DevServer]:
        path = self._servers_path("all") if all_users else self._servers_path()
        query = _query(owner=owner, sort_key=sort_key, sort_dir=sort_dir, limit=limit, offset=offset)
        return Page.from_api(self._modelarts("GET", path, query=query), DevServer.from_api)

    def iter_dev_servers(
        self, *, all_users: bool = False, page_size: int = MAX_LIST_PAGE_SIZE
    ) -> Iterator[DevServer]:
        """Every server, each once, whether the service pages by limit/offset or answers all at once.

        The SDK's `/all` request documents no paging parameters, so a service may ignore them: a page
        that brings no server not already seen ends the walk instead of being asked for again.
        """
        seen_ids: set[str] = set()
        offset = 0
        while True:
            page = self.list_dev_servers(limit=page_size, offset=offset, all_users=all_users)
            fresh = [server for server in page.data if server.id not in seen_ids]
            seen_ids.update(server.id for server in fresh if server.id)
            yield from fresh
            offset += len(page.data)
            if not fresh or len(page.data) < page_size or offset >= page.total:
                return

    def get_dev_server(self, server_id: str) -> DevServer:
        return self._server_call("GET", self._servers_path(server_id))

    def delete_dev_server(self, server_id: str) -> DevServer:
        return self._server_call("DELETE", self._servers_path(server_id))

    def start_dev_server(self, server_id: str) -> DevServer:
        return self._server_call("PUT", self._servers_path(server_id, "start"))

    def stop_dev_server(self, server_id: str) -> DevServer:
        return self._server_call("PUT", self._servers_path(server_id, "stop"))

    def reboot_dev_server(self, server_id: str) -> DevServer:
        return self._server_call("PUT", self._servers_path(server_id, "reboot"))

    def sync_dev_servers(self) -> Page[DevServer]:
        return Page.from_api(self._modelarts("PUT", self._servers_path("sync")), DevServer.from_api)

    def batch_action(self, action_type: str, server_ids: Iterable[str]) -> Page[DevServer]:
        """One action on many servers (SDK `DevServerBatchRequest`); the answer is a page of the servers."""
        body = {"type": action_type, "servers": [{"id": server_id} for server_id in server_ids]}
        payload = self._modelarts("POST", self._servers_path("action"), body=body)
        return Page.from_api(payload, DevServer.from_api)

    def list_flavor_rows(
        self, *, server_type: str | None = None, arch: str | None = None, charging_mode: str | None = None
    ) -> list[FlavorRow]:
        """The flavors call as answered: one row per flavor, charging mode and zone.

        `server_type` goes as given: the API page writes it in lower case, the SDK in upper (docs/CLOUD_API.md).
        """
        query = _query(server_type=server_type, arch=arch, charging_mode=charging_mode)
        payload = self._modelarts("GET", self._servers_path("flavors"), query=query)
        return Page.from_api(payload, FlavorRow.from_api).data

    def list_flavors(
        self, *, server_type: str | None = None, arch: str | None = None, charging_mode: str | None = None
    ) -> list[Flavor]:
        rows = self.list_flavor_rows(server_type=server_type, arch=arch, charging_mode=charging_mode)
        return group_flavor_rows(rows)

    def list_images(
        self, *, server_type: str | None = None, flavor_name: str | None = None
    ) -> list[ServerImage]:
        """Images; with `flavor_name`, only those the cloud says fit that flavor."""
        query = _query(server_type=server_type, flavor_name=flavor_name)
        payload = self._modelarts("GET", self._servers_path("images"), query=query)
        return Page.from_api(payload, ServerImage.from_api).data

    # Neighbouring services a create form needs

    def list_vpcs(self) -> list[Vpc]:
        path = _path("v1", self.config.project_id, "vpcs")
        return [Vpc.from_api(item) for item in self._marker_pages(self.config.vpc_url, path, "vpcs", [])]

    def list_subnets(self, vpc_id: str) -> list[Subnet]:
        path = _path("v1", self.config.project_id, "subnets")
        items = self._marker_pages(self.config.vpc_url, path, "subnets", _query(vpc_id=vpc_id))
        return [Subnet.from_api(item) for item in items]

    def list_security_groups(self, vpc_id: str) -> list[SecurityGroup]:
        path = _path("v1", self.config.project_id, "security-groups")
        items = self._marker_pages(self.config.vpc_url, path, "security_groups", _query(vpc_id=vpc_id))
        return [SecurityGroup.from_api(item) for item in items]

    def list_key_pairs(self) -> list[KeyPair]:
        path = _path("v2.1", self.config.project_id, "os-keypairs")
        payload = self._perform(_Call(self.config.ecs_url, "GET", path, [], b""))
        entries = payload.get("keypairs") if isinstance(payload, dict) else None
        return [KeyPair.from_api(entry) for entry in entries] if isinstance(entries, list) else []

    # IAM

    def issue_token(self) -> IamToken:
        """Ask IAM for a new project-scoped token and keep it in this process's memory."""
        credentials = self._iam_credentials()
        body = password_auth_body(
            domain_name=credentials.domain_name,
            user_name=credentials.user_name,
            password=credentials.password,
            project_id=self.config.project_id,
        )
        call = _Call(self.config.iam_url, "POST", "/v3/auth/tokens", [], _json_bytes(body))
        issued_at = datetime.now(UTC)
        response = self._exchange_logged(call)
        value = response.headers.get("X-Subject-Token")
        if not value:
            raise unreadable_success(response, outcome_unknown=False)
        token = IamToken(
            token=value, expires_at=expiry_from_body(_json_or_none(response), issued_at=issued_at)
        )
        self._tokens.store(self._token_key(credentials), token)
        return token

    # Plumbing

    def _servers_path(self, *rest: str) -> str:
        return _path("v1", self.config.project_id, "dev-servers", *rest)

    def _modelarts(
        self,
        method: str,
        path: str,
        *,
        query: QueryPairs | None = None,
        body: Any = None,
        may_commit: bool = False,
    ) -> Any:
        encoded = _json_bytes(body) if body is not None else b""
        return self._perform(_Call(self.config.modelarts_url, method, path, query or [], encoded, may_commit))

    def _server_call(
        self, method: str, path: str, *, body: Any = None, may_commit: bool = False
    ) -> DevServer:
        """A call answered by one server object; the answer's request id rides along for the audit trail."""
        encoded = _json_bytes(body) if body is not None else b""
        call = _Call(self.config.modelarts_url, method, path, [], encoded, may_commit)
        payload, request_id = self._perform_answer(call)
        return replace(DevServer.from_api(payload), request_id=request_id)

    def _marker_pages(
        self, base_url: str, path: str, key: str, query: QueryPairs
    ) -> Iterator[dict[str, Any]]:
        marker: str | None = None
        while True:
            page_query = [*query, ("limit", str(NEIGHBOUR_PAGE_SIZE))]
            if marker:
                page_query.append(("marker", marker))
            payload = self._perform(_Call(base_url, "GET", path, page_query, b""))
            items = payload.get(key) if isinstance(payload, dict) else None
            if not isinstance(items, list):
                return
            yield from (item for item in items if isinstance(item, dict))
            last_id = items[-1].get("id") if items and isinstance(items[-1], dict) else None
            # A service that ignores the marker would otherwise be asked for the same page forever.
            if len(items) < NEIGHBOUR_PAGE_SIZE or not last_id or last_id == marker:
                return
            marker = str(last_id)

    def _iam_credentials(self) -> IamCredentials:
        credentials = self.config.credentials
        if not isinstance(credentials, IamCredentials):
            raise TypeError("issue_token needs IamCredentials in the CloudConfig")
        return credentials

    def _token_key(self, credentials: IamCredentials) -> TokenKey:
        return TokenKey(
            iam_url=self.config.iam_url,
            domain_name=credentials.domain_name,
            user_name=credentials.user_name,
            project_id=self.config.project_id,
        )

    def _current_token(self) -> IamToken:
        key = self._token_key(self._iam_credentials())
        margin = self.config.token_refresh_margin
        token = self._tokens.usable(key, margin_seconds=margin)
        if token is not None:
            return token
        with self._tokens.issue_lock:
            token = self._tokens.usable(key, margin_seconds=margin)
            return token if token is not None else self.issue_token()

    def _perform(self, call: _Call) -> Any:
        """Send a service call with auth, the 401 re-authentication and the read retries; return its JSON."""
        return self._perform_answer(call)[0]

    def _perform_answer(self, call: _Call) -> tuple[Any, str | None]:
        """As _perform, with the answer's X-Request-Id beside the JSON."""
        started = time.monotonic()
        attempts = 0
        retries_left = self.config.read_retries if call.is_read else 0
        reauthenticated = False
        while True:
            attempts += 1
            token = self._current_token() if isinstance(self.config.credentials, IamCredentials) else None
            try:
                response = self._exchange(call, token)
            except requests.RequestException as error:
                failure = error_from_exception(error, outcome_unknown_if_sent=call.may_commit)
            else:
                if response.status_code == 401 and token is not None and not reauthenticated:
                    # The token may have been revoked or expired early: one fresh token, one more try.
                    reauthenticated = True
                    self._tokens.discard(self._token_key(self._iam_credentials()), token)
                    continue
                if response.ok:
                    payload = _json_or_none(response)
                    if payload is None and response.content.strip():
                        failure = unreadable_success(response, outcome_unknown=call.may_commit)
                    else:
                        _log_success(call, response, started, attempts)
                        return (payload if payload is not None else {}), request_id_of(response)
                else:
                    failure = error_from_response(response, outcome_unknown_on_5xx=call.may_commit)
            delay = self._retry_delay(failure, retry_number=attempts - 1) if retries_left > 0 else None
            if delay is None:
                _log_failure(call, failure, started, attempts)
                raise failure
            retries_left -= 1
            time.sleep(delay)

    def _retry_delay(self, failure: CloudError, *, retry_number: int) -> float | None:
        if failure.kind is not ErrorKind.TRANSIENT:
            return None
        if failure.retry_after is not None:
            # A wait longer than our own longest back-off is the caller's to schedule, not ours to sleep.
            return failure.retry_after if failure.retry_after <= self.config.retry_backoff_max else None
        ceiling = min(self.config.retry_backoff_max, self.config.retry_backoff * (2**retry_number))
        return random.uniform(ceiling / 2, ceiling)

    def _exchange_logged(self, call: _Call) -> requests.Response:
        """One unauthenticated exchange (the token request): no retry, one log line, CloudError on failure."""
        started = time.monotonic()
        try:
            response = self._exchange(call, None, sign=False)
        except requests.RequestException as error:
            failure = error_from_exception(error, outcome_unknown_if_sent=False)
            _log_failure(call, failure, started, 1)
            raise failure from error
        if not response.ok:
            failure = error_from_response(response, outcome_unknown_on_5xx=False)
            _log_failure(call, failure, started, 1)
            raise failure
        _log_success(call, response, started, 1)
        return response

    def _exchange(self, call: _Call, token: IamToken | None, *, sign: bool = True) -> requests.Response:
        base = urlsplit(call.base_url)
        full_path = base.path.rstrip("/") + call.path
        headers = {
            "Host": base.netloc,
            "Content-Type": "application/json",
            "X-Project-Id": self.config.project_id,
        }
        credentials = self.config.credentials
        if token is not None:
            headers["X-Auth-Token"] = token.token
        elif sign and isinstance(credentials, AkSkCredentials):
            headers = signer.sign_headers(
                access_key=credentials.access_key,
                secret_key=credentials.secret_key,
                method=call.method,
                path=full_path,
                query=call.query,
                headers=headers,
                body=call.body,
                now=datetime.now(UTC),
            )
        # The URL is encoded here, the same way the signer encodes it, so what is signed is what is sent.
        query_string = "&".join(f"{_encode(key)}={_encode(value)}" for key, value in call.query)
        url = f"{base.scheme}://{base.netloc}{full_path}" + (f"?{query_string}" if query_string else "")
        return self._session.request(
            call.method,
            url,
            headers=headers,
            data=call.body or None,
            timeout=(self.config.connect_timeout, self.config.read_timeout),
            allow_redirects=False,
        )


def _json_or_none(response: requests.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError):
        return None


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _log_success(call: _Call, response: requests.Response, started: float, attempts: int) -> None:
    logger.info(
        "%s %s -> %s in %d ms request_id=%s attempts=%d",
        call.method,
        call.path,
        response.status_code,
        _elapsed_ms(started),
        request_id_of(response) or "-",
        attempts,
    )


def _log_failure(call: _Call, failure: CloudError, started: float, attempts: int) -> None:
    # The error message is left out: a service may echo parts of the request body in it.
    logger.warning(
        "%s %s -> %s %s %s in %d ms request_id=%s attempts=%d",
        call.method,
        call.path,
        failure.status if failure.status is not None else "-",
        failure.kind.name,
        failure.error_code,
        _elapsed_ms(started),
        failure.request_id or "-",
        attempts,
    )
