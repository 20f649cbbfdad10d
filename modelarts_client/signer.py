"""SDK-HMAC-SHA256 request signing, as the cloud's API gateway verifies it.

Both the client (to sign) and the emulator (to verify) build the canonical
request here, so the two can only disagree through the wire.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"

_AUTHORIZATION_PATTERN = re.compile(
    rf"^{ALGORITHM}\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)$"
)


@dataclass(frozen=True)
class ParsedAuthorization:
    access_key: str
    signed_headers: list[str]
    signature: str


def _encode(text: str) -> str:
    return quote(text, safe="~")


def format_sdk_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATE_FORMAT)


def parse_sdk_date(value: str) -> datetime:
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)


def canonical_uri(path: str) -> str:
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(query: Iterable[tuple[str, str]]) -> str:
    values_by_key: dict[str, list[str]] = {}
    for key, value in query:
        values_by_key.setdefault(key, []).append(str(value))
    pairs = []
    for key in sorted(values_by_key):
        for value in sorted(values_by_key[key]):
            pairs.append(f"{_encode(key)}={_encode(value)}")
    return "&".join(pairs)


def signable_header_names(headers: Mapping[str, str]) -> list[str]:
    # The gateway drops header names with "_" before verifying, so signing them would fail.
    return sorted({name.lower() for name in headers if "_" not in name})


def canonical_request(
    *,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    header_lines = "".join(f"{name}:{lowered.get(name, '')}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            header_lines,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, text_to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), text_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(access_key: str, signed_headers: list[str], signature_hex: str) -> str:
    names = ";".join(signed_headers)
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={names}, Signature={signature_hex}"


def parse_authorization(value: str) -> ParsedAuthorization | None:
    match = _AUTHORIZATION_PATTERN.match(value.strip())
    if match is None:
        return None
    return ParsedAuthorization(
        access_key=match["access"],
        signed_headers=match["signed"].split(";"),
        signature=match["signature"].lower(),
    )


def sign_headers(
    *,
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """Return `headers` plus X-Sdk-Date and Authorization; `headers` must already hold Host."""
    signed = dict(headers)
    signed[DATE_HEADER] = format_sdk_date(now)
    names = signable_header_names(signed)
    canonical = canonical_request(
        method=method, path=path, query=query, headers=signed, signed_headers=names, body=body
    )
    signature_hex = signature(secret_key, string_to_sign(canonical, signed[DATE_HEADER]))
    signed["Authorization"] = authorization_header(access_key, names, signature_hex)
    return signed


def verify_signature(
    *,
    secret_key: str,
    parsed: ParsedAuthorization,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> bool:
    lowered = {name.lower(): value for name, value in headers.items()}
    sdk_date = lowered.get(DATE_HEADER.lower(), "")
    canonical = canonical_request(
        method=method,
        path=path,
        query=query,
        headers=headers,
        signed_headers=parsed.signed_headers,
        body=body,
    )
    expected = signature(secret_key, string_to_sign(canonical, sdk_date))
    return hmac.compare_digest(expected, parsed.signature)
