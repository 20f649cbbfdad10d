"""Billed time summed in the database, one line per group of rows that share their keys and their
price, so a page prices O(groups) in Python, never O(rows).

The rules are `spend`'s (`status_timeline`, `billed_intervals`, `billed_hours`, `is_billing_now`,
`prepaid_period_end`) and `budgets`' hours to come, written once more as SQL for PostgreSQL;
`tests/dashboard/test_costs_aggregates.py` holds the two to the same figures. Other databases (the
demo's SQLite) price the rows in Python with `spend.row_costs`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet

from devservers.costs import ledger
from devservers.costs.inner_sql import named_inner
from devservers.costs.ledger import BilledLine
from devservers.costs.money import Money
from devservers.costs.prices import PERIOD_HOURS, PRE_PAID, FlavorPrices, PriceBook
from devservers.costs.spend import BEFORE_THE_CLOUD, NOT_BILLED_STATUSES, RowCost, row_costs
from devservers.models import BillingTally, DevServer, DevServerEvent

_SECONDS_PER_HOUR = Decimal(3600)
_ROW_FIELDS = ("id", "created_at", "status", "period_num", *ledger.PRICE_KEYS)
_PRICE_COLUMNS = ("flavor", "charging_mode", "period_type", "currency")
_ROW_COLUMNS = ("id", "created_at", "status", "period_num", *_PRICE_COLUMNS)
# Seconds as Python's float `total_seconds()`; PostgreSQL's round() of a float rounds half to even, as
# Python's round() does.
_SECONDS = "EXTRACT(EPOCH FROM {x})::float8"

_SQL = """
WITH r AS ({rows_sql}),
-- Only a prepaid row's period, or time billed before now, needs the row's history.
need AS (SELECT id, created_at, status FROM r WHERE r.charging_mode = %(pre_paid)s OR %(since)s < %(now)s),
e AS (
    SELECT ev.devserver_id AS id, ev.created_at AS at, ev.status_from, ev.status_to,
           ROW_NUMBER() OVER (PARTITION BY ev.devserver_id ORDER BY ev.created_at, ev.id) AS n
    FROM {events} ev
    WHERE ev.devserver_id IN (SELECT id FROM need) AND ev.status_to <> '' AND ev.created_at < %(now)s
),
t AS (
    SELECT need.id, need.created_at AS at, need.status, 0 AS n FROM need
    WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.id = need.id)
    UNION ALL
    SELECT need.id, need.created_at, e.status_from, 0 FROM need JOIN e ON e.id = need.id AND e.n = 1
    WHERE e.status_from <> '' AND need.created_at < e.at
    UNION ALL
    SELECT id, at, status_to, n FROM e
),
s AS (
    SELECT id, at, status, LEAD(at, 1, %(now)s) OVER (PARTITION BY id ORDER BY n) AS until FROM t
),
timeline AS (
    SELECT id,
           SUM(GREATEST(0, {seconds_in_window}))
               FILTER (WHERE status <> ALL(%(not_billed)s) AND until > at) AS post_paid_seconds,
           MIN(at) FILTER (WHERE status <> ALL(%(before_the_cloud)s)) AS began
    FROM s GROUP BY id
),
p AS (
    SELECT r.*, timeline.post_paid_seconds, timeline.began,
           timeline.began + make_interval(hours => (CASE r.period_type {period_cases} ELSE 0 END)
                                                   * COALESCE(r.period_num, 0)) AS period_end
    FROM r LEFT JOIN timeline ON timeline.id = r.id
),
c AS (
    SELECT p.*,
           CASE WHEN p.charging_mode <> %(pre_paid)s THEN COALESCE(p.post_paid_seconds, 0)
                WHEN p.began IS NULL OR p.began >= %(now)s OR p.period_end = p.began THEN 0
                ELSE GREATEST(0, {prepaid_seconds})
           END AS seconds,
           CASE WHEN p.charging_mode <> %(pre_paid)s THEN p.status <> ALL(%(not_billed)s)
                ELSE p.began IS NOT NULL AND p.began < %(now)s AND p.period_end <> p.began
                     AND p.period_end >= %(now)s
           END AS billing_now,
           CASE WHEN p.charging_mode = %(pre_paid)s THEN LEAST(p.period_end, %(until)s) ELSE %(until)s END
               AS bills_until
    FROM p
),
rounded AS (
    SELECT c.*, ROUND(c.seconds) AS billed_seconds,
           GREATEST(0, ROUND({to_come_seconds})) AS to_come_seconds
    FROM c
)
SELECT {keys},
       COUNT(*) FILTER (WHERE billing_now),
       COUNT(*) FILTER (WHERE billed_seconds > 0),
       COUNT(*) FILTER (WHERE billed_seconds > 0 OR billing_now),
       COALESCE(SUM(billed_seconds), 0),
       COALESCE(SUM(to_come_seconds) FILTER (WHERE billing_now), 0)
FROM rounded GROUP BY {keys} ORDER BY {keys}
"""


@dataclass(frozen=True)
class CostGroup:
    """Rows that share their keys and their price: what bills now and what they billed in a window."""

    keys: dict[str, object]  # the caller's keys, by the field names it asked for
    flavor: str
    rate: Money  # one row's, per billed hour
    billing_now: int  # rows billing now
    # Rows that billed in the window, and that did or bill now: counted for flavors of unknown price
    # (a page says how many rows it left out); None where the ledger summed the time without the rows.
    billed_rows: int | None
    billed_or_billing_rows: int | None
    billed_hours: Decimal  # the rows' billed hours in the window, together
    to_come_hours: Decimal  # billing rows' hours from now until `until` (a prepaid period's end at most)

    @property
    def per_hour(self) -> Money:
        return self.rate.times(self.billing_now)

    @property
    def spent(self) -> Money:
        return self.rate.times(self.billed_hours)

    @property
    def to_come(self) -> Money:
        return self.rate.times(self.to_come_hours)


def cost_groups(
    rows: QuerySet[DevServer],
    keys: tuple[str, ...],
    *,
    since: datetime,
    now: datetime,
    until: datetime,
    kept: QuerySet[BillingTally] | None = None,
    book: PriceBook | None = None,
) -> list[CostGroup]:
    """The rows grouped by `keys` (field names, "team__name") and their price: rows billing now, billed
    hours between `since` and `now`, and hours to come from `now` until `until` of the rows billing now.

    `kept`, when given, is the ledger filtered to the same rows by its keys alone (team, owner,
    account, flavor, charging mode, period type, present status): the ledger then answers without
    reading the rows, except for prices nobody knows, whose rows are counted (a page says how many
    it could not price). `book`: the catalogue's prices, when the caller already has them."""
    book = book or PriceBook()
    found = None if kept is None else ledger.ledger_lines(kept, keys, since=since, now=now, until=until)
    if found is None:
        tally = _sql_tally if connection.vendor == "postgresql" else _python_tally
        return _priced(tally(rows, keys, since=since, now=now, until=until), keys, book)
    prices = _prices(found, book)
    unpriced = {_price_key(line) for line in found if _rate(prices, line).amount is None}
    groups = _priced([line for line in found if _price_key(line) not in unpriced], keys, book)
    if unpriced:
        counted = _sql_tally(rows.filter(_price_scope(unpriced)), keys, since=since, now=now, until=until)
        groups += _priced(counted, keys, book)
    return groups


def _price_key(item: BilledLine) -> tuple[str, str, str, str]:
    return (item.flavor, item.charging_mode, item.period_type, item.currency)


def _price_scope(price_keys: set[tuple[str, str, str, str]]) -> Q:
    """The rows of these prices (flavor, charging mode, period type, currency)."""
    scope = Q(pk__in=[])
    for key in price_keys:
        scope |= Q(**dict(zip(ledger.PRICE_KEYS, key, strict=True)))
    return scope


def _prices(tallies: list[BilledLine], book: PriceBook) -> dict[str, dict[str, FlavorPrices]]:
    return {
        currency: book.prices({item.flavor for item in tallies if item.currency == currency}, currency)
        for currency in {item.currency for item in tallies}
    }


def _rate(prices: dict[str, dict[str, FlavorPrices]], item: BilledLine) -> Money:
    return prices[item.currency][item.flavor].rate(
        charging_mode=item.charging_mode, period_type=item.period_type
    )


def _priced(tallies: list[BilledLine], keys: tuple[str, ...], book: PriceBook) -> list[CostGroup]:
    prices = _prices(tallies, book)
    return [
        CostGroup(
            keys=dict(zip(keys, item.keys, strict=True)),
            flavor=item.flavor,
            rate=_rate(prices, item),
            billing_now=item.billing_now,
            billed_rows=item.billed_rows,
            billed_or_billing_rows=item.billed_or_billing_rows,
            billed_hours=item.billed_seconds / _SECONDS_PER_HOUR,
            to_come_hours=item.to_come_seconds / _SECONDS_PER_HOUR,
        )
        for item in tallies
    ]


def _sql_tally(
    rows: QuerySet[DevServer], keys: tuple[str, ...], *, since: datetime, now: datetime, until: datetime
) -> list[BilledLine]:
    fields = (*_ROW_FIELDS, *keys)
    inner_sql, inner_params = named_inner(rows, fields)
    key_columns = [f"key{index}" for index in range(len(keys))]
    columns = [*_ROW_COLUMNS, *key_columns]
    group_by = ", ".join([*key_columns, *_PRICE_COLUMNS])
    sql = _SQL.format(
        rows_sql=f"SELECT * FROM ({inner_sql}) AS picked({', '.join(columns)})",
        events=DevServerEvent._meta.db_table,
        period_cases=" ".join(f"WHEN '{name}' THEN {hours}" for name, hours in PERIOD_HOURS.items()),
        seconds_in_window=_SECONDS.format(x="LEAST(until, %(now)s) - GREATEST(at, %(since)s)"),
        prepaid_seconds=_SECONDS.format(x="LEAST(p.period_end, %(now)s) - GREATEST(p.began, %(since)s)"),
        to_come_seconds=_SECONDS.format(x="c.bills_until - %(now)s"),
        keys=group_by,
    )
    params = {
        **inner_params,
        "now": now,
        "since": since,
        "until": until,
        "pre_paid": PRE_PAID,
        "not_billed": sorted(NOT_BILLED_STATUSES),
        "before_the_cloud": sorted(BEFORE_THE_CLOUD),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    width = len(keys)
    return [
        BilledLine(
            tuple(line[:width]),
            *line[width : width + 4],
            *line[width + 4 : width + 7],
            *(Decimal(round(seconds)) for seconds in line[-2:]),
        )
        for line in found
    ]


def _getter(field: str) -> Callable[[DevServer], object]:
    def value(row: DevServer) -> object:
        found: object = row
        for part in field.split("__"):
            if found is None:
                return None
            found = getattr(found, part)
        return found

    return value


def _python_tally(
    rows: QuerySet[DevServer], keys: tuple[str, ...], *, since: datetime, now: datetime, until: datetime
) -> list[BilledLine]:
    loaded = list(rows.select_related("account", "owner", "team"))
    costs = row_costs(loaded, since=since, now=now)
    getters = [_getter(key) for key in keys]
    groups: dict[tuple, list[tuple[DevServer, RowCost]]] = {}
    for row in loaded:
        key = (
            *(get(row) for get in getters),
            row.flavor,
            row.charging_mode,
            row.period_type,
            row.account.currency,
        )
        groups.setdefault(key, []).append((row, costs[row.pk]))
    return [
        BilledLine(
            key[: len(keys)],
            *key[len(keys) :],
            billing_now=sum(cost.billing_now for _row, cost in members),
            billed_rows=sum(bool(cost.billed_hours) for _row, cost in members),
            billed_or_billing_rows=sum(bool(cost.billed_hours or cost.billing_now) for _row, cost in members),
            billed_seconds=sum((cost.billed_hours * _SECONDS_PER_HOUR for _row, cost in members), Decimal(0)),
            to_come_seconds=sum(
                (_to_come_seconds(cost, now=now, until=until) for _row, cost in members if cost.billing_now),
                Decimal(0),
            ),
        )
        for key, members in sorted(groups.items(), key=lambda item: tuple(str(part) for part in item[0]))
    ]


def _to_come_seconds(cost: RowCost, *, now: datetime, until: datetime) -> Decimal:
    bills_until = min(until, cost.billing_until) if cost.billing_until else until
    return Decimal(max(0, round((bills_until - now).total_seconds())))
