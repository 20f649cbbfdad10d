"""Failures below HTTP, against tiny local socket servers that misbehave on purpose.

These need no emulator: a closed port, a server that hangs up after reading the request, one
that never answers, and one that answers garbage. They pin down which failures leave a create's
outcome unknown and which reads are sent again.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from modelarts_client import (
    AkSkCredentials,
    CloudConfig,
    CloudError,
    CreateServerRequest,
    ErrorKind,
    ModelArtsClient,
    ServerNetwork,
)

Behaviour = Callable[[socket.socket], None]
PROJECT_ID = "0c1e7d5a3b2f4e6a8d9c0b1a2f3e4d5c"
CREATE = CreateServerRequest(
    name="transport-test",
    flavor="Si2.large.4",
    image_id="c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
    network=ServerNetwork(
        vpc_id="05982b48-a70f-43a1-a2b0-1fe36a236172",
        subnet_id="38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
        security_group_id="150a2c76-1334-45f6-b28f-419f9b1d1742",
    ),
    admin_pass="Sup3r-Secret!",
)


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class RawServer:
    """A loopback listener that runs `behaviour` on every connection and counts the requests read."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self.stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            request = _read_request(connection)
            if request:
                self.requests.append(request)
                self.behaviour(connection)

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=2)
        self._listener.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Behaviour], RawServer]]:
    started: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        server = RawServer(behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _client(url: str, **settings: float) -> ModelArtsClient:
    config = CloudConfig.single_endpoint(
        url,
        region="cn-north-4",
        project_id=PROJECT_ID,
        credentials=AkSkCredentials("AKTRANSPORT", "transport-secret-key"),
        **{"read_retries": 2, "retry_backoff": 0.01, "retry_backoff_max": 0.05, **settings},
    )
    return ModelArtsClient(config)


def _hang_up(connection: socket.socket) -> None:
    connection.close()


def _answer(status: str, body: bytes, headers: str = "") -> Behaviour:
    def behaviour(connection: socket.socket) -> None:
        head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{headers}\r\n"
        connection.sendall(head.encode("ascii") + body)

    return behaviour


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def test_connection_refused_is_transient_even_for_create() -> None:
    client = _client(f"http://127.0.0.1:{_closed_port()}")

    with pytest.raises(CloudError) as create_error:
        client.create_dev_server(CREATE)
    with pytest.raises(CloudError) as read_error:
        client.get_dev_server("x")

    assert create_error.value.kind is ErrorKind.TRANSIENT
    assert create_error.value.error_code == "CLIENT.CONNECT_FAILED"
    assert create_error.value.status is None
    assert read_error.value.kind is ErrorKind.TRANSIENT


def test_a_hang_up_after_the_request_leaves_a_create_unknown_and_is_not_resent(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    server = raw_server(_hang_up)
    client = _client(server.url)

    with pytest.raises(CloudError) as error:
        client.create_dev_server(CREATE)

    assert error.value.kind is ErrorKind.OUTCOME_UNKNOWN
    assert error.value.error_code == "CLIENT.CONNECTION_LOST"
    assert not error.value.retry_safe
    assert len(server.requests) == 1


def test_a_hang_up_on_a_read_is_transient_and_retried(raw_server: Callable[[Behaviour], RawServer]) -> None:
    server = raw_server(_hang_up)
    client = _client(server.url, read_retries=2)

    with pytest.raises(CloudError) as error:
        client.list_dev_servers()

    assert error.value.kind is ErrorKind.TRANSIENT
    assert len(server.requests) == 3


def test_a_hang_up_on_another_write_is_transient_but_not_resent(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    server = raw_server(_hang_up)
    client = _client(server.url)

    with pytest.raises(CloudError) as error:
        client.stop_dev_server("some-id")

    assert error.value.kind is ErrorKind.TRANSIENT
    assert len(server.requests) == 1


def test_a_read_timeout_on_create_is_an_unknown_outcome(raw_server: Callable[[Behaviour], RawServer]) -> None:
    server = raw_server(lambda connection: server.stopping.wait(5))
    client = _client(server.url, read_timeout=0.2)

    with pytest.raises(CloudError) as error:
        client.create_dev_server(CREATE)

    assert error.value.kind is ErrorKind.OUTCOME_UNKNOWN
    assert error.value.error_code == "CLIENT.READ_TIMEOUT"
    assert len(server.requests) == 1


def test_a_read_timeout_on_a_read_is_retried_then_transient(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    server = raw_server(lambda connection: server.stopping.wait(5))
    client = _client(server.url, read_timeout=0.1, read_retries=1)

    with pytest.raises(CloudError) as error:
        client.list_flavors()

    assert error.value.kind is ErrorKind.TRANSIENT
    assert len(server.requests) == 2


def test_a_success_that_is_not_json_leaves_a_create_unknown(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    server = raw_server(_answer("200 OK", b"<html>welcome</html>"))
    client = _client(server.url)

    with pytest.raises(CloudError) as error:
        client.create_dev_server(CREATE)

    assert error.value.kind is ErrorKind.OUTCOME_UNKNOWN
    assert error.value.status == 200


def test_a_retry_after_within_the_back_off_cap_is_honoured(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    body = b'{"error_code":"APIG.0308","error_msg":"throttled"}'
    server = raw_server(_answer("429 Too Many Requests", body, "Retry-After: 0\r\nX-Request-Id: thr-1\r\n"))
    client = _client(server.url, read_retries=3)

    with pytest.raises(CloudError) as error:
        client.list_vpcs()

    assert error.value.kind is ErrorKind.TRANSIENT
    assert error.value.retry_after == 0.0
    assert error.value.request_id == "thr-1"
    assert len(server.requests) == 4


def test_a_long_retry_after_is_left_to_the_caller(raw_server: Callable[[Behaviour], RawServer]) -> None:
    body = b'{"error_code":"APIG.0308","error_msg":"throttled"}'
    server = raw_server(_answer("429 Too Many Requests", body, "Retry-After: 120\r\n"))
    client = _client(server.url, read_retries=3)

    with pytest.raises(CloudError) as error:
        client.list_vpcs()

    assert error.value.retry_after == 120.0
    assert len(server.requests) == 1


def test_what_is_signed_is_what_is_sent(raw_server: Callable[[Behaviour], RawServer]) -> None:
    server = raw_server(_answer("200 OK", b'{"current":0,"data":[],"pages":0,"size":0,"total":0}'))
    client = _client(server.url)

    client.list_dev_servers(owner="ann smith~", sort_dir="DESC")

    request_line, _, rest = server.requests[0].partition(b"\r\n")
    headers = rest.decode("latin-1").lower()
    assert request_line == (
        f"GET /v1/{PROJECT_ID}/dev-servers?owner=ann%20smith~&sort_dir=DESC&limit=10&offset=0 HTTP/1.1"
    ).encode("ascii")
    assert f"host: 127.0.0.1:{server.port}" in headers
    assert f"x-project-id: {PROJECT_ID}" in headers
    assert "signedheaders=content-type;host;x-project-id;x-sdk-date" in headers


def test_one_log_line_per_call_without_secrets(
    raw_server: Callable[[Behaviour], RawServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = raw_server(_answer("200 OK", b'{"id":"abc","status":"CREATING"}', "X-Request-Id: req-9\r\n"))
    client = _client(server.url)

    with caplog.at_level(logging.DEBUG, logger="modelarts_client"):
        client.create_dev_server(CREATE)

    lines = [record.getMessage() for record in caplog.records if record.name == "modelarts_client"]
    assert len(lines) == 1
    assert lines[0].startswith(f"POST /v1/{PROJECT_ID}/dev-servers -> 200 in ")
    assert "request_id=req-9" in lines[0]
    for secret in ("Sup3r-Secret!", "transport-secret-key", "SDK-HMAC-SHA256", "transport-test"):
        assert secret not in caplog.text
