"""Billed seconds, what bills now and what is to come, per group of keys, from the billing ledger
(see `models/ledger.py`): a sum over a few tally rows per key, never over the servers or their events.

It answers for a scope that names only the ledger's keys (team, owner, account, flavor, charging
mode, period type, present status) and a window from the start of the site's month, or from now;
`aggregates` prices what it finds, and asks the rows when the ledger cannot answer (another
database, another filter, a fold across the window's start after the site's time zone changed).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet

from devservers import tallies
from devservers.costs import ledger_sql
from devservers.costs.inner_sql import named_inner
from devservers.costs.months import month_bounds
from devservers.models import BilledStretch, BillingTally

# What a row's price depends on besides the caller's keys, as the ledger names them.
PRICE_KEYS = ("flavor", "charging_mode", "period_type", "account__currency")
# A fold leaves the last minute alone, so no page's `now`, taken just before, falls inside a fold.
_FOLD_MARGIN = timedelta(minutes=1)
# One fold at a time; a second caller skips rather than queue behind it.
_FOLD_LOCK = 0x5BE7_D0C5
_KEY = ledger_sql.KEY_COLUMNS
_FOLD_SQL = f"""
WITH folded AS (
    DELETE FROM {{tally}} WHERE last_at <= %(cut)s RETURNING {_KEY}, first_at, last_at, clocks, epoch_sum
)
INSERT INTO {{tally}} ({_KEY}, first_at, last_at, clocks, epoch_sum)
SELECT {_KEY}, MIN(first_at), MAX(last_at), SUM(clocks), SUM(epoch_sum) FROM folded
GROUP BY {_KEY}, first_at >= %(month_start)s
HAVING SUM(clocks) <> 0 OR SUM(epoch_sum) <> 0
"""
# Per group: clocks before the window, clocks within it and their instants, clocks still to come
# by `until` and theirs; last, folds the window's start or now falls inside (the ledger cannot say).
_LINES_SQL = """
SELECT {grouped},
       COALESCE(SUM(clocks) FILTER (WHERE last_at < %(since)s), 0),
       COALESCE(SUM(clocks) FILTER (WHERE first_at >= %(since)s AND last_at <= %(now)s), 0),
       COALESCE(SUM(epoch_sum) FILTER (WHERE first_at >= %(since)s AND last_at <= %(now)s), 0),
       COALESCE(SUM(clocks) FILTER (WHERE first_at > %(now)s AND last_at <= %(until)s), 0),
       COALESCE(SUM(epoch_sum) FILTER (WHERE first_at > %(now)s AND last_at <= %(until)s), 0),
       COUNT(*) FILTER (WHERE (first_at < %(since)s AND last_at >= %(since)s)
                           OR (first_at <= %(now)s AND last_at > %(now)s))
FROM ({inner}) AS kept({grouped}, first_at, last_at, clocks, epoch_sum)
WHERE first_at <= %(until)s
GROUP BY {grouped} ORDER BY {grouped}
"""
_DRIFT_SQL = f"""
WITH kept AS (SELECT devserver_id, {_KEY}, starts, ends FROM {{stretch}}),
worked_out AS (SELECT * FROM devserver_billed_stretches(ARRAY(SELECT id FROM {{servers}}))),
stretches AS (
    (SELECT * FROM kept EXCEPT ALL SELECT * FROM worked_out)
    UNION ALL (SELECT * FROM worked_out EXCEPT ALL SELECT * FROM kept)
),
clocks AS (
    SELECT {_KEY}, 1 AS clocks, EXTRACT(EPOCH FROM starts) AS epoch FROM worked_out
    UNION ALL SELECT {_KEY}, -1, -EXTRACT(EPOCH FROM ends) FROM worked_out WHERE ends IS NOT NULL
),
expected AS (
    SELECT {_KEY}, SUM(clocks) AS clocks, SUM(epoch) AS epoch_sum FROM clocks GROUP BY {_KEY}
),
found AS (SELECT {_KEY}, SUM(clocks) AS clocks, SUM(epoch_sum) AS epoch_sum FROM {{tally}} GROUP BY {_KEY}),
sums AS (
    (SELECT * FROM expected EXCEPT SELECT * FROM found WHERE clocks <> 0 OR epoch_sum <> 0)
    UNION ALL (SELECT * FROM found WHERE clocks <> 0 OR epoch_sum <> 0 EXCEPT SELECT * FROM expected)
)
SELECT (SELECT COUNT(DISTINCT devserver_id) FROM stretches),
       (SELECT COUNT(*) FROM (SELECT DISTINCT {_KEY} FROM sums) AS keys)
"""


@dataclass(frozen=True)
class BilledLine:
    """One group's billed time, in seconds; `keys` in the caller's order, then the price fields. The
    ledger and the rows (`aggregates`) both answer in it; only the rows can count rows."""

    keys: tuple
    flavor: str
    charging_mode: str
    period_type: str
    currency: str
    billing_now: int
    billed_rows: int | None  # rows that billed in the window (None: summed without the rows)
    billed_or_billing_rows: int | None  # rows that billed in the window or bill now
    billed_seconds: Decimal
    to_come_seconds: Decimal


def _epoch(moment: datetime) -> Decimal:
    return Decimal(moment.timestamp()).quantize(Decimal("0.000001"))


def ledger_lines(
    kept: QuerySet[BillingTally], keys: tuple[str, ...], *, since: datetime, now: datetime, until: datetime
) -> list[BilledLine] | None:
    """Per `keys` and price, over the `kept` rows (the ledger filtered by its keys): servers billing
    now, seconds billed between `since` and `now`, and seconds from `now` until `until` of those
    billing now; None when the ledger cannot say."""
    if not tallies.kept_on_write():
        return None
    inner, params = named_inner(kept, (*keys, *PRICE_KEYS, "first_at", "last_at", "clocks", "epoch_sum"))
    key_columns = [f"key{index}" for index in range(len(keys))]
    grouped = ", ".join([*key_columns, "flavor", "mode", "period", "currency"])
    with connection.cursor() as cursor:
        cursor.execute(
            _LINES_SQL.format(inner=inner, grouped=grouped),
            {**params, "since": since, "now": now, "until": until},
        )
        found = cursor.fetchall()
    if any(line[-1] for line in found):
        return None
    since_at, now_at, until_at = _epoch(since), _epoch(now), _epoch(until)
    width = len(keys)
    lines = []
    for line in found:
        before, within, within_sum, coming, coming_sum = line[width + 4 : width + 9]
        billing_now = before + within
        lines.append(
            BilledLine(
                tuple(line[:width]),
                *line[width : width + 4],
                billing_now=billing_now,
                billed_rows=None,
                billed_or_billing_rows=None,
                billed_seconds=before * (now_at - since_at) + within * now_at - within_sum,
                to_come_seconds=billing_now * (until_at - now_at) + coming * until_at - coming_sum,
            )
        )
    return [line for line in lines if line.billing_now or line.billed_seconds or line.to_come_seconds]


def fold(now: datetime, *, keep_last: timedelta = _FOLD_MARGIN) -> int:
    """Fold the tally's clocks up to `keep_last` ago into one row per key before the month and one
    since it began (rows that cancel go); the rows written. Clocks other transactions add meanwhile
    are not seen by the DELETE and stay as they are, so nothing is lost."""
    if not tallies.kept_on_write():
        return 0
    month_start, _end = month_bounds(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            _FOLD_SQL.format(tally=BillingTally._meta.db_table),
            {"cut": now - keep_last, "month_start": month_start},
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Drift:
    rows: int  # servers whose kept stretches differ from those their status events give
    keys: int  # keys whose clocks differ from the stretches'

    def __bool__(self) -> bool:
        return bool(self.rows or self.keys)


def drift() -> Drift:
    """How far the ledger is from the servers and their status events (nothing, when the triggers
    did their work)."""
    if not tallies.kept_on_write():
        return Drift(0, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            _DRIFT_SQL.format(
                tally=BillingTally._meta.db_table,
                stretch=BilledStretch._meta.db_table,
                servers=ledger_sql.SERVERS_TABLE,
            )
        )
        rows, keys = cursor.fetchone()
    return Drift(rows, keys)


def rebuild() -> None:
    """Work the ledger out again from the rows (after a restore that lost the triggers' work, or when
    the statuses that bill changed); writers wait for the moments it takes."""
    if not tallies.kept_on_write():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {ledger_sql.SERVERS_TABLE}, {ledger_sql.EVENTS_TABLE} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {BilledStretch._meta.db_table}")
        cursor.execute(f"DELETE FROM {BillingTally._meta.db_table}")
        cursor.execute(ledger_sql.FILL_SQL)
