"""HTTP plumbing on the stdlib server: read the request, apply the gateway's faults and auth, answer."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from modelarts_emulator.api import API_ROUTES
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.auth import authenticate
from modelarts_emulator.control import CONTROL_PREFIX, CONTROL_ROUTES
from modelarts_emulator.errors import ApiError, route_not_found
from modelarts_emulator.routing import Request, Response, Route, find_route

logger = logging.getLogger("modelarts_emulator")


def _error_response(error: ApiError) -> Response:
    return Response(status=error.status, body=error.body(), headers=dict(error.headers))


def _is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(f"{CONTROL_PREFIX}/")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        super().__init__(address, EmulatorRequestHandler)
        self.app = app


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, the client's delayed ACK held the body
    # back about 40 ms on every call.
    disable_nagle_algorithm = True
    server_version = "ModelArtsEmulator/1.0"
    # A client that stalls mid-request, or an idle keep-alive connection, frees its thread after this.
    timeout = 120
    server: EmulatorHTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _handle logs one line per call, with the request id and without the query string

    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        chunks = []
        while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer headers, ignored
        return b"".join(chunks)

    def _handle(self) -> None:
        started = time.monotonic()
        request_id = uuid.uuid4().hex
        raw_path, _, raw_query = self.path.partition("?")
        request = Request(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=dict(self.headers.items()),
            body=self._read_body(),
            client_host=self.client_address[0],
        )
        try:
            if _is_control_path(raw_path):
                response = self._control_response(request)
            else:
                response = self._api_response(request)
        except Exception:
            # A bug in a handler: keep serving, but make it loud in the log and in the answer.
            logger.exception("unhandled error on %s %s (request %s)", request.method, raw_path, request_id)
            response = Response(500, {"error_code": "ModelArts.0001", "error_msg": "Internal emulator error"})
        if response.drop_connection:
            self._drop_connection()
            outcome = "dropped"
        else:
            self._send(response, request_id)
            outcome = str(response.status)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s %s %s %.0fms %s", request.method, raw_path, outcome, elapsed_ms, request_id)

    def _control_response(self, request: Request) -> Response:
        if not _is_loopback(request.client_host):
            return Response(403, {"error_code": "EMULATOR.0003", "error_msg": "control API is loopback-only"})
        found = find_route(CONTROL_ROUTES, request.method, request.raw_path)
        if found is None:
            return _error_response(route_not_found())
        route, request.params = found
        try:
            return route.handler(self.server.app, request)
        except ApiError as error:
            return _error_response(error)

    def _api_response(self, request: Request) -> Response:
        app = self.server.app
        found = find_route(API_ROUTES, request.method, request.raw_path)
        route_key = found[0].key if found else f"{request.method} (no route)"
        refusal = app.faults.refusal_before_handling()
        response = _error_response(refusal) if refusal else self._dispatch(found, request)
        latency = app.faults.latency_seconds()
        if latency > 0:
            time.sleep(latency)
        app.counters.record(route_key, "dropped" if response.drop_connection else str(response.status))
        return response

    def _dispatch(self, found: tuple[Route, dict[str, str]] | None, request: Request) -> Response:
        app = self.server.app
        try:
            if found is None:
                raise route_not_found()
            route, request.params = found
            if route.authenticated:
                request.identity = authenticate(
                    config=app.config,
                    lookup_token=app.store.token,
                    method=request.method,
                    raw_path=request.raw_path,
                    query=request.query_pairs(),
                    headers=request.headers,
                    body=request.body,
                    project_id=request.params.get("project_id"),
                    now=datetime.now(UTC),
                )
            return route.handler(app, request)
        except ApiError as error:
            return _error_response(error)

    def _send(self, response: Response, request_id: str) -> None:
        payload = json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Request-Id", request_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drop_connection(self) -> None:
        # The work is committed; the client only sees the connection end without an answer.
        self.close_connection = True
        # A client that already went away has seen what it should; nothing to report.
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
