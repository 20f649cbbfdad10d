"""List answers: the page shape `{current, data, pages, size, total}` and the list queries' checks."""

from __future__ import annotations

import math
from typing import Any

from modelarts_emulator.errors import invalid_parameter
from modelarts_emulator.routing import Request
from modelarts_emulator.servers import ServerRecord

MAX_LIST_LIMIT = 1024
DEFAULT_LIST_LIMIT = 10
SORT_FIELDS = {"createTime": "create_at", "updateTime": "update_at"}


def offset_page(items: list[dict[str, Any]], *, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {
        "current": offset // limit + 1 if limit else 1,
        "data": items,
        "pages": math.ceil(total / limit) if limit else 0,
        "size": limit,
        "total": total,
    }


def whole_page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"current": 1, "data": items, "pages": 1, "size": len(items), "total": len(items)}


def _query_integer(request: Request, key: str, default: int, low: int, high: int | None) -> int:
    text = request.query_value(key)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid_parameter(key, "must be an integer") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_parameter(key, f"must be {bounds}")
    return value


def _query_choice(request: Request, key: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_value(key) or default
    if value not in choices:
        raise invalid_parameter(key, f"must be one of {', '.join(choices)}")
    return value


def _owned_and_sorted(request: Request, records: list[ServerRecord]) -> list[ServerRecord]:
    sort_field = SORT_FIELDS[_query_choice(request, "sort_key", tuple(SORT_FIELDS), "createTime")]
    descending = _query_choice(request, "sort_dir", ("ASC", "DESC"), "ASC") == "DESC"
    owner = request.query_value("owner")
    if owner:
        records = [record for record in records if owner in (record.owner_user_id, record.owner_user_name)]
    return sorted(
        records,
        key=lambda record: (getattr(record, sort_field), record.create_at, record.id),
        reverse=descending,
    )


def server_page(request: Request, records: list[ServerRecord]) -> dict[str, Any]:
    """One page of servers by the query's owner, sort_key, sort_dir, limit and offset."""
    limit = _query_integer(request, "limit", DEFAULT_LIST_LIMIT, 0, MAX_LIST_LIMIT)
    offset = _query_integer(request, "offset", 0, 0, None)
    ordered = _owned_and_sorted(request, records)
    window = ordered[offset : offset + limit]
    return offset_page(
        [record.as_json() for record in window], total=len(ordered), limit=limit, offset=offset
    )


def every_server_page(request: Request, records: list[ServerRecord]) -> dict[str, Any]:
    """Every server in one page, whatever limit and offset say; owner and sorting still apply."""
    return whole_page([record.as_json() for record in _owned_and_sorted(request, records)])
