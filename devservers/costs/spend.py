"""Spend counted from a server's own status events: billed time times its price per billed hour.

A pay-per-use server bills while the cloud holds it and it is not STOPPED or DELETED (nor
CREATE_FAILED: no server was made); the dashboard's own statuses (queued, awaiting approval,
rejected…) hold no server. A prepaid server bills its whole period from the moment the cloud
first holds it, stopped or not.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from devservers.costs.money import Money
from devservers.costs.prices import PERIOD_HOURS, PRE_PAID, FlavorPrices, PriceBook, catalogue_prices
from devservers.models import (
    AWAITING_APPROVAL,
    DECLINED,
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    SUBMITTING,
    DevServer,
    DevServerEvent,
)
from modelarts_client import statuses as cloud_statuses

NOT_BILLED_STATUSES = frozenset(
    {QUEUED, SUBMITTING, OUTCOME_UNKNOWN, AWAITING_APPROVAL, REJECTED, DECLINED, ""}
    | {cloud_statuses.STOPPED, cloud_statuses.DELETED, cloud_statuses.CREATE_FAILED}
)
# Statuses in which no server exists yet in the cloud: a prepaid period has not begun.
BEFORE_THE_CLOUD = frozenset({QUEUED, SUBMITTING, OUTCOME_UNKNOWN, AWAITING_APPROVAL, REJECTED, DECLINED, ""})
_SECONDS_PER_HOUR = Decimal(3600)

StatusChange = tuple[datetime, str]
Interval = tuple[datetime, datetime]


def status_timeline(devserver: DevServer, changes: list[tuple[datetime, str, str]]) -> list[StatusChange]:
    """The row's statuses from its events (when, from, to) in order; a row with no event has had
    its present status since it was made."""
    if not changes:
        return [(devserver.created_at, devserver.status)]
    first_at, first_from, _ = changes[0]
    before = [(devserver.created_at, first_from)] if first_from and devserver.created_at < first_at else []
    return before + [(when, status_to) for when, _from, status_to in changes]


def _stretches(timeline: list[StatusChange], now: datetime) -> Iterable[tuple[datetime, datetime, str]]:
    for index, (start, status) in enumerate(timeline):
        end = timeline[index + 1][0] if index + 1 < len(timeline) else now
        if end > start:
            yield start, min(end, now), status


def billed_intervals(devserver: DevServer, timeline: list[StatusChange], *, now: datetime) -> list[Interval]:
    if devserver.charging_mode != PRE_PAID:
        return [
            (start, end)
            for start, end, status in _stretches(timeline, now)
            if status not in NOT_BILLED_STATUSES
        ]
    began = next((when for when, status in timeline if status not in BEFORE_THE_CLOUD), None)
    period_end = prepaid_period_end(devserver, timeline)
    if began is None or period_end is None or began >= now or period_end == began:
        return []
    return [(began, min(now, period_end))]


def billed_hours(intervals: list[Interval], *, start: datetime, end: datetime) -> Decimal:
    seconds = sum(max(0.0, (min(stop, end) - max(begin, start)).total_seconds()) for begin, stop in intervals)
    return Decimal(round(seconds)) / _SECONDS_PER_HOUR


def is_billing_now(devserver: DevServer, intervals: list[Interval], *, now: datetime) -> bool:
    if devserver.charging_mode == PRE_PAID:
        return bool(intervals) and intervals[-1][1] >= now
    return devserver.status not in NOT_BILLED_STATUSES


def prepaid_period_end(devserver: DevServer, timeline: list[StatusChange]) -> datetime | None:
    began = next((when for when, status in timeline if status not in BEFORE_THE_CLOUD), None)
    hours = PERIOD_HOURS.get(devserver.period_type, 0) * (devserver.period_num or 0)
    return began + timedelta(hours=hours) if began is not None else None


@dataclass(frozen=True)
class RowCost:
    rate: Money  # per billed hour
    billing_now: bool
    spent: Money  # in the window asked for
    billed_hours: Decimal
    billing_until: datetime | None  # a prepaid period's end; None: open-ended

    @property
    def rate_now(self) -> Money:
        """What it costs per hour at present: its rate while it bills, a true 0 while it does not."""
        return self.rate if self.billing_now else Money(Decimal(0), self.rate.currency)


def row_rate(devserver: DevServer, prices: FlavorPrices) -> Money:
    return prices.rate(charging_mode=devserver.charging_mode, period_type=devserver.period_type)


def _status_changes(rows: list[DevServer], *, before: datetime) -> dict[int, list[tuple[datetime, str, str]]]:
    if not rows:
        return {}
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    events = (
        DevServerEvent.objects.filter(devserver__in=[row.pk for row in rows], created_at__lt=before)
        .exclude(status_to="")
        .order_by("devserver_id", "created_at", "id")
        .values_list("devserver_id", "created_at", "status_from", "status_to")
    )
    for devserver_id, when, status_from, status_to in events:
        changes[devserver_id].append((when, status_from, status_to))
    return changes


def row_costs(
    rows: Iterable[DevServer], *, since: datetime, now: datetime, book: PriceBook | None = None
) -> dict[int, RowCost]:
    """Each row's price per hour, whether it bills now, and what it spent between `since` and `now`.

    Three queries whatever the number of rows: the rows, their status events (none when `since` is
    `now` and no row is prepaid), the catalogue (none when the caller's `book` has read it already)."""
    rows = list(rows)
    # Only a prepaid row's period, or time billed before now, needs the row's history (as in
    # `aggregates`); a window that ends where it starts asks what bills now and at what rate.
    changes = _status_changes([row for row in rows if row.charging_mode == PRE_PAID or since < now], before=now)
    prices_by_currency: dict[str, dict[str, FlavorPrices]] = {}
    for currency in {row.account.currency for row in rows}:
        names = [row.flavor for row in rows if row.account.currency == currency]
        prices_by_currency[currency] = (
            book.prices(names, currency) if book is not None else catalogue_prices(names, currency)
        )
    costs = {}
    for row in rows:
        rate = row_rate(row, prices_by_currency[row.account.currency][row.flavor])
        timeline = status_timeline(row, changes.get(row.pk, []))
        intervals = billed_intervals(row, timeline, now=now)
        hours = billed_hours(intervals, start=since, end=now)
        costs[row.pk] = RowCost(
            rate=rate,
            billing_now=is_billing_now(row, intervals, now=now),
            spent=rate.times(hours) if hours else Money(Decimal(0), rate.currency),
            billed_hours=hours,
            billing_until=prepaid_period_end(row, timeline) if row.charging_mode == PRE_PAID else None,
        )
    return costs
