"""How many rows of a scope hold each status, without reading the rows (see `models/tallies.py`).

On PostgreSQL the count is a sum over the scope's tally rows: one per team, owner, status and
flavor once compacted, plus the changes written since. Elsewhere it is a GROUP BY over the rows themselves.
"""

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from devservers.models import DevServer, StatusTally

_KEY = "team_id, owner_id, status, flavor"
_COMPACT_SQL = f"""
WITH folded AS (DELETE FROM {{tally}} RETURNING {_KEY}, rows, accelerators)
INSERT INTO {{tally}} ({_KEY}, rows, accelerators)
SELECT {_KEY}, SUM(rows), SUM(accelerators) FROM folded
GROUP BY {_KEY} HAVING SUM(rows) <> 0 OR SUM(accelerators) <> 0
"""
_REBUILD_SQL = f"""
DELETE FROM {{tally}};
INSERT INTO {{tally}} ({_KEY}, rows, accelerators)
SELECT {_KEY}, COUNT(*), SUM(accelerator_count) FROM {{servers}} GROUP BY {_KEY};
"""
# One compaction at a time; a second caller skips rather than queue behind it.
_COMPACT_LOCK = 0x7A11_5EED


def kept_on_write() -> bool:
    """Whether the tallies kept on write (this one and the billing ledger) have their triggers."""
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


def drift() -> int:
    """Keys whose tally (rows, accelerators) differs from a count of the rows (0 when the triggers did their work)."""
    if not kept_on_write():
        return 0
    key = ("team_id", "owner_id", "status", "flavor")
    counted = (
        DevServer.objects.order_by()
        .values_list(*key)
        .annotate(rows=Count("pk"), accelerators=Sum("accelerator_count"))
    )
    kept = StatusTally.objects.values_list(*key).annotate(rows=Sum("rows"), accelerators=Sum("accelerators"))
    expected = {tuple(line[:4]): tuple(line[4:]) for line in counted}
    found = {tuple(line[:4]): tuple(line[4:]) for line in kept if line[4] or line[5]}
    return sum(expected.get(key) != found.get(key) for key in expected.keys() | found.keys())


def rebuild() -> None:
    """Count the tally again from the rows (after a restore that lost the triggers' work, say); writers
    wait for the few milliseconds it takes, so no change falls between the count and the triggers."""
    if not kept_on_write():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {DevServer._meta.db_table} IN SHARE MODE")
        cursor.execute(
            _REBUILD_SQL.format(tally=StatusTally._meta.db_table, servers=DevServer._meta.db_table)
        )
