"""How many rows of a scope hold each status, without reading the rows (see `models/tallies.py`).

On PostgreSQL the count is a sum over the scope's tally rows: one per team, owner and status once
compacted, plus the changes written since. Elsewhere it is a GROUP BY over the rows themselves.
"""

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from devservers.models import DevServer, StatusTally

_COMPACT_SQL = """
WITH folded AS (DELETE FROM {tally} RETURNING team_id, owner_id, status, rows)
INSERT INTO {tally} (team_id, owner_id, status, rows)
SELECT team_id, owner_id, status, SUM(rows) FROM folded
GROUP BY team_id, owner_id, status HAVING SUM(rows) <> 0
"""
# One compaction at a time; a second caller skips rather than queue behind it.
_COMPACT_LOCK = 0x7A11_5EED


def kept_on_write() -> bool:
    return connection.vendor == "postgresql"


def status_counts(scope: Q) -> dict[str, int]:
    """Rows per status among the DevServers `scope` selects; `scope` names only `team` and `owner`."""
    if kept_on_write():
        found = StatusTally.objects.filter(scope).values_list("status").annotate(rows=Sum("rows"))
    else:
        found = DevServer.objects.filter(scope).order_by().values_list("status").annotate(rows=Count("pk"))
    return {status: rows for status, rows in found if rows}


def compact() -> int:
    """Fold the tally into one row per key (keys that sum to 0 go); the rows left. Rows other
    transactions add meanwhile are not seen by the DELETE and stay as they are, so nothing is lost."""
    if not kept_on_write():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(_COMPACT_SQL.format(tally=StatusTally._meta.db_table))
        return cursor.rowcount
