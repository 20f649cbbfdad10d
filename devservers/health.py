"""/healthz: the database, Redis, the broker and the cloud, each with a status of its own.

Nothing here calls the cloud: its status is what the worker last learnt while refreshing each
account's catalogue, so a slow or absent cloud never holds this page either.
"""

import time
from dataclasses import dataclass

from celery import current_app
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from devservers.models import CloudAccount

BROKER_TIMEOUT_SECONDS = 1.0
# A cloud status older than this says nothing about now.
CLOUD_STATUS_SECONDS = 3600


@dataclass(frozen=True)
class CloudStatus:
    ok: bool
    error_code: str
    at: float


def _cloud_status_key(account_id: int) -> str:
    return f"health:cloud:{account_id}"


def record_cloud_status(account_id: int, *, error_code: str = "") -> None:
    """The worker says how its last call to this account's cloud went."""
    status = CloudStatus(ok=not error_code, error_code=error_code, at=time.time())
    cache.set(_cloud_status_key(account_id), status, timeout=CLOUD_STATUS_SECONDS)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def _redis() -> str:
    try:
        cache.set("health:probe", time.time(), timeout=60)
    except RedisError:
        return "down"
    return "ok"


def _broker() -> str:
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except (BrokerError, OSError):
        return "down"
    return "ok"


def _cloud(account: CloudAccount) -> dict[str, object]:
    try:
        status: CloudStatus | None = cache.get(_cloud_status_key(account.pk))
    except RedisError:
        status = None
    if status is None:
        return {"account": account.name, "status": "unknown"}
    return {
        "account": account.name,
        "status": "ok" if status.ok else "failing",
        "error_code": status.error_code,
        "seconds_ago": round(time.time() - status.at),
    }


@require_GET
def healthz(_request: HttpRequest) -> JsonResponse:
    """200 while the dashboard itself works (a failing cloud is reported, not fatal); 503 otherwise."""
    own_parts = {"database": _database(), "redis": _redis(), "broker": _broker()}
    accounts = CloudAccount.objects.filter(is_active=True) if own_parts["database"] == "ok" else []
    body = {
        "status": "ok" if set(own_parts.values()) == {"ok"} else "down",
        **own_parts,
        "cloud": [_cloud(account) for account in accounts],
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
