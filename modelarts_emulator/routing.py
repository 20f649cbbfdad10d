"""A small router: route templates like /v1/{project_id}/dev-servers/{id:uuid}, matched in order.

A placeholder matches one path segment; `{name:uuid}` matches only a UUID-shaped segment, so
`/dev-servers/jobs` is not taken for a server id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from modelarts_emulator.config import Identity
from modelarts_emulator.errors import ApiError

if TYPE_CHECKING:
    from modelarts_emulator.app import EmulatorApp


@dataclass
class Request:
    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]
    body: bytes
    client_host: str
    params: dict[str, str] = field(default_factory=dict)
    identity: Identity | None = None

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def query_value(self, key: str) -> str | None:
        return next((value for name, value in self.query_pairs() if name == key), None)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lowered), None)

    def json_body(self, *, invalid: Callable[[str], ApiError]) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise invalid("is not valid JSON") from None

    def caller(self) -> Identity:
        if self.identity is None:
            raise RuntimeError("route handler needs an authenticated caller but none was set")
        return self.identity


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    # Commit the work, then close the connection without answering (the lost-answer fault).
    drop_connection: bool = False


Handler = Callable[["EmulatorApp", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    authenticated: bool = True

    @property
    def key(self) -> str:
        """The counters' name of the route: its template without placeholder kinds."""
        plain_template = _PLACEHOLDER.sub(lambda placeholder: f"{{{placeholder.group(1)}}}", self.template)
        return f"{self.method} {plain_template}"

    def match(self, path: str) -> dict[str, str] | None:
        found = _compile(self.template).fullmatch(path.rstrip("/") or "/")
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}


_COMPILED: dict[str, re.Pattern[str]] = {}
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SEGMENT_PATTERNS = {
    None: r"[^/]+",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
}


def _placeholder_pattern(placeholder: re.Match[str]) -> str:
    name, kind = placeholder.group(1), placeholder.group(2)
    if kind not in _SEGMENT_PATTERNS:
        raise ValueError(f"unknown placeholder kind {kind!r} in a route template")
    return f"(?P<{name}>{_SEGMENT_PATTERNS[kind]})"


def _compile(template: str) -> re.Pattern[str]:
    if template not in _COMPILED:
        parts: list[str] = []
        literal_start = 0
        for placeholder in _PLACEHOLDER.finditer(template):
            parts.append(re.escape(template[literal_start : placeholder.start()]))
            parts.append(_placeholder_pattern(placeholder))
            literal_start = placeholder.end()
        parts.append(re.escape(template[literal_start:]))
        _COMPILED[template] = re.compile("".join(parts))
    return _COMPILED[template]


def find_route(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route whose template and method match; earlier, more specific templates win."""
    for route in routes:
        if route.method != method:
            continue
        params = route.match(path)
        if params is not None:
            return route, params
    return None
