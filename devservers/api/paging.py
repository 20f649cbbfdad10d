"""Cursor paging on `(created_at, id)`, newest first (a queue: oldest first): a page costs the same at any depth, and a row
added while a script pages never shifts the rows it has yet to read."""

import base64
import binascii
from datetime import datetime

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from devservers.api.errors import refused

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(row: Model) -> str:
    text = f"{row.created_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, pk = text.split("|")
        return datetime.fromisoformat(created_at), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise refused("cursor", _("Not a cursor this API gave; start again without it.")) from error


def page_of(
    rows: QuerySet, *, cursor: str | None, limit: int, oldest_first: bool = False
) -> tuple[list, str | None]:
    """The page after `cursor` (newest first, or oldest first for a queue), and the next page's cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise refused("limit", _("Ask for 1 to %(most)s rows.") % {"most": MAX_LIMIT})
    rows = rows.order_by(*(("created_at", "id") if oldest_first else ("-created_at", "-id")))
    if cursor:
        created_at, pk = decode_cursor(cursor)
        later = Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)
        earlier = Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        rows = rows.filter(later if oldest_first else earlier)
    found = list(rows[: limit + 1])
    items = found[:limit]
    return items, encode_cursor(items[-1]) if len(found) > limit else None
