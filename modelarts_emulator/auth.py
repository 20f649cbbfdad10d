"""Who is calling: an IAM token this emulator issued, or an AK/SK signature verified like the gateway does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from modelarts_client import signer
from modelarts_emulator.config import EmulatorConfig, Identity
from modelarts_emulator.errors import authentication_failed, project_not_allowed
from modelarts_emulator.store import TokenRecord

MAX_CLOCK_SKEW = timedelta(minutes=15)


def _identity_from_token(
    token: str, lookup_token: Callable[[str], TokenRecord | None], now: datetime
) -> Identity:
    record = lookup_token(token)
    if record is None or record.expires_at_ms <= now.timestamp() * 1000:
        raise authentication_failed("the X-Auth-Token is invalid or has expired")
    return Identity(
        user_id=record.user_id,
        user_name=record.user_name,
        domain=record.domain,
        project_ids=(record.project_id,),
    )


def _identity_from_signature(
    *,
    authorization: str,
    config: EmulatorConfig,
    method: str,
    raw_path: str,
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> Identity:
    parsed = signer.parse_authorization(authorization)
    if parsed is None:
        raise authentication_failed("the Authorization header is not a valid SDK-HMAC-SHA256 header")
    access_key = config.access_key(parsed.access_key)
    if access_key is None:
        raise authentication_failed(f"the access key {parsed.access_key} does not exist")
    lowered_headers = {name.lower(): value for name, value in headers.items()}
    sdk_date = lowered_headers.get(signer.DATE_HEADER.lower())
    if sdk_date is None:
        raise authentication_failed("the X-Sdk-Date header is missing")
    try:
        signed_at = signer.parse_sdk_date(sdk_date)
    except ValueError:
        raise authentication_failed("the X-Sdk-Date header is not in YYYYMMDDTHHMMSSZ form") from None
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise authentication_failed("the request date has expired (X-Sdk-Date is more than 15 minutes off)")
    missing = [name for name in parsed.signed_headers if name not in lowered_headers]
    if missing:
        raise authentication_failed(f"the signed header {missing[0]} is missing from the request")
    verified = signer.verify_signature(
        secret_key=access_key.secret_key,
        parsed=parsed,
        method=method,
        path=raw_path,
        query=query,
        headers=headers,
        body=body,
    )
    if not verified:
        raise authentication_failed("the signature does not match")
    return access_key.identity


def authenticate(
    *,
    config: EmulatorConfig,
    lookup_token: Callable[[str], TokenRecord | None],
    method: str,
    raw_path: str,
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    project_id: str | None,
    now: datetime,
) -> Identity:
    """The caller's identity, or an ApiError (401 for bad credentials, 403 for a project not theirs)."""
    lowered_headers = {name.lower(): value for name, value in headers.items()}
    token = lowered_headers.get("x-auth-token")
    authorization = lowered_headers.get("authorization")
    if token:
        identity = _identity_from_token(token, lookup_token, now)
    elif authorization:
        identity = _identity_from_signature(
            authorization=authorization,
            config=config,
            method=method,
            raw_path=raw_path,
            query=query,
            headers=headers,
            body=body,
            now=now,
        )
    else:
        raise authentication_failed("no credentials: send X-Auth-Token or an SDK-HMAC-SHA256 Authorization")
    if project_id is not None and project_id not in identity.project_ids:
        raise project_not_allowed(project_id)
    return identity
