"""The SDK-HMAC-SHA256 signer against vectors from an independent implementation.

Where the vectors came from: Huawei's own APIG Python signer ("apig_sdk/signer.py" of the API
Gateway SDK samples; the copy read was dnqq/HuaweiCloudTrafficMonitor, apig_sdk/signer.py at
commit 577a9e2656fe7c195e572c20f9b2999a812eb5f6, headed "Copyright (c) Huawei Technologies CO.,
Ltd. 2022-2025"). That code was run unchanged, outside this repository, on the four requests
below: `HttpRequest(method, url, headers, body)` with `X-Sdk-Date` preset to 20240321T081500Z,
then `Signer.Sign`, and the Authorization values it produced are pasted here as literals. It is
not part of this repository.

Line-by-line comparison with modelarts_client/signer.py: the canonical request (method, URI
unquoted then re-encoded segment by segment with only `~` kept and a trailing `/`, query sorted
by key then value, `name:trimmed-value` lines, the `;`-joined names, the body's SHA-256), the
string to sign and the HMAC agree. Two differences, both deliberate:

* The official signer signs every header it is given. Ours leaves out names containing `_`,
  as the project's API reference says the gateway drops them (a header the gateway never sees
  cannot be verified). None of the vectors has such a header.
* The official signer uses an `X-Sdk-Content-Sha256` header's value (e.g. UNSIGNED-PAYLOAD)
  in place of the body hash. Ours always hashes the body; the client never sends that header.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from modelarts_client import signer

ACCESS_KEY = "AKVECTOR0123456789AB"
SECRET_KEY = "SkVector/Secret+Key=0123456789abcdefghij"
SDK_DATE = "20240321T081500Z"
SIGNED_AT = datetime(2024, 3, 21, 8, 15, 0, tzinfo=UTC)
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
MODELARTS_HOST = "modelarts.cn-north-4.myhuaweicloud.com"
SIGNED_NAMES = "content-type;host;x-project-id;x-sdk-date"


def _headers(host: str = MODELARTS_HOST, project_id: str = PROJECT_ID) -> dict[str, str]:
    return {"Host": host, "Content-Type": "application/json", "X-Project-Id": project_id}


SEED_BODY = json.dumps(
    {
        "name": "EI-evs-1107",
        "flavor": "Si2.large.4",
        "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        "network": {
            "security_group_id": "150a2c76-1334-45f6-b28f-419f9b1d1742",
            "subnet_id": "38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
            "vpc_id": "05982b48-a70f-43a1-a2b0-1fe36a236172",
        },
        "admin_pass": "@DevServer",
    },
    separators=(",", ":"),
).encode("utf-8")

VECTORS = [
    pytest.param(
        "GET",
        f"/v1/{PROJECT_ID}/dev-servers",
        [
            ("owner", "ann smith"),
            ("sort_dir", "DESC"),
            ("limit", "10"),
            ("name", "~dev server~"),
            ("tag", "中文"),
            ("tag", "alpha"),
            ("a b", "x/y"),
        ],
        _headers(),
        b"",
        "e0f94c3e576b3363178e58101898a4e121d51e63f099c00e85da63d027140dbe",
        id="get-query-with-spaces-tilde-unicode-repeated-key",
    ),
    pytest.param(
        "POST",
        f"/v1/{PROJECT_ID}/dev-servers",
        [],
        _headers(),
        SEED_BODY,
        "fab6a132383726abfb053c4ad8dcb9882291d5bc84a7c67dcbced580979365dd",
        id="post-seed-json-body",
    ),
    pytest.param(
        "PUT",
        f"/v1/{PROJECT_ID}/dev-servers/my%20server%2B%C3%A9%3A1/start",
        [],
        _headers(project_id=f"  {PROJECT_ID}  "),
        b"",
        "249f02e50fcf40aa6aed5d546e9766bcdf06aaf709c33254b91691df5966c418",
        id="put-path-needing-encoding-padded-header",
    ),
    pytest.param(
        "get",
        f"/v1/{PROJECT_ID}/vpcs/",
        [],
        _headers(host="vpc.cn-north-4.myhuaweicloud.com"),
        b"",
        "553ceabec12067e1675df0b917ab4eeed2a34eb97852f0aef8ce34de243d1bfd",
        id="lowercase-method-path-with-trailing-slash",
    ),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "body", "expected_signature"), VECTORS)
def test_it_matches_the_official_apig_signer(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    expected_signature: str,
) -> None:
    signed = signer.sign_headers(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        now=SIGNED_AT,
    )

    assert signed["X-Sdk-Date"] == SDK_DATE
    assert signed["Authorization"] == (
        f"SDK-HMAC-SHA256 Access={ACCESS_KEY}, SignedHeaders={SIGNED_NAMES}, Signature={expected_signature}"
    )


@pytest.mark.parametrize(("method", "path", "query", "headers", "body", "expected_signature"), VECTORS)
def test_it_verifies_what_it_signed(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    expected_signature: str,
) -> None:
    signed = signer.sign_headers(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        now=SIGNED_AT,
    )
    parsed = signer.parse_authorization(signed["Authorization"])
    assert parsed is not None
    assert parsed.signature == expected_signature

    def verify(secret: str, sent_body: bytes) -> bool:
        return signer.verify_signature(
            secret_key=secret,
            parsed=parsed,
            method=method,
            path=path,
            query=query,
            headers=signed,
            body=sent_body,
        )

    assert verify(SECRET_KEY, body)
    assert not verify("another secret", body)
    assert not verify(SECRET_KEY, body + b" ")


def test_it_leaves_out_header_names_with_an_underscore() -> None:
    headers = {**_headers(), "X_Custom_Flag": "1"}

    signed = signer.sign_headers(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        method="GET",
        path=f"/v1/{PROJECT_ID}/dev-servers",
        query=[],
        headers=headers,
        body=b"",
        now=SIGNED_AT,
    )

    assert f"SignedHeaders={SIGNED_NAMES}," in signed["Authorization"]
    assert signed["X_Custom_Flag"] == "1"


def test_the_canonical_uri_is_the_same_encoded_or_not() -> None:
    assert signer.canonical_uri("/v1/p/dev-servers/a b") == signer.canonical_uri("/v1/p/dev-servers/a%20b")
    assert signer.canonical_uri("/v1/p/dev-servers/a b") == "/v1/p/dev-servers/a%20b/"


def test_the_canonical_query_sorts_keys_then_values_and_keeps_only_tilde() -> None:
    pairs = [("b", "2"), ("a", "z y"), ("a", "x~"), ("c", "é")]

    assert signer.canonical_query(pairs) == "a=x~&a=z%20y&b=2&c=%C3%A9"


def test_sdk_dates_round_trip_in_utc() -> None:
    assert signer.format_sdk_date(SIGNED_AT) == SDK_DATE
    assert signer.parse_sdk_date(SDK_DATE) == SIGNED_AT
