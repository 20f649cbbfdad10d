"""Costs as the pages show them: the approval queue, the review totals and the detail page."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from devservers.costs.aggregates import CostGroup, cost_groups
from devservers.costs.estimates import Estimate, estimate
from devservers.costs.money import MoneySum
from devservers.costs.months import month_bounds
from devservers.costs.prices import FlavorPrices, PriceBook, catalogue_prices
from devservers.costs.spend import RowCost, row_costs
from devservers.models import BillingTally, DevServer


def devserver_estimate(devserver: DevServer, prices: FlavorPrices | None = None) -> Estimate:
    """Its estimate; `prices`, when the caller already read the catalogue for several rows."""
    if prices is None:
        prices = catalogue_prices([devserver.flavor], devserver.account.currency)[devserver.flavor]
    return estimate(
        prices,
        count=1,
        charging_mode=devserver.charging_mode,
        period_type=devserver.period_type,
        period_num=devserver.period_num,
    )


def devserver_cost(devserver: DevServer, *, now: datetime) -> RowCost:
    """Its price per hour and what it cost from its request until now."""
    return row_costs([devserver], since=devserver.created_at, now=now)[devserver.pk]


def billing_now(rows: Iterable[DevServer], *, now: datetime, book: PriceBook | None = None) -> dict[int, RowCost]:
    """Each row's price per hour and whether it bills now, as a table's cost cell shows them: no
    spend, so only prepaid rows read their history."""
    return row_costs(rows, since=now, now=now, book=book)


@dataclass(frozen=True)
class PendingCost:
    estimate: Estimate
    requester_running: int  # the requester's servers in the team that bill now
    requester_per_hour: MoneySum


def pending_costs(
    pending: Iterable[DevServer], *, now: datetime, book: PriceBook | None = None
) -> dict[int, PendingCost]:
    """For each request awaiting approval (their accounts loaded): what it will cost, and what its
    requester already runs, summed in the database by requester and price."""
    pending = list(pending)
    if not pending:
        return {}
    book = book or PriceBook()
    requesters = Q(team__in={row.team_id for row in pending}, owner__in={row.owner_id for row in pending})
    billing: dict[tuple[int, int], MoneySum] = defaultdict(MoneySum)
    servers: dict[tuple[int, int], int] = defaultdict(int)
    rows, kept = DevServer.objects.filter(requesters), BillingTally.objects.filter(requesters)
    groups = cost_groups(rows, ("team_id", "owner_id"), since=now, now=now, until=now, kept=kept, book=book)
    for group in groups:
        if group.billing_now:
            requester = (group.keys["team_id"], group.keys["owner_id"])
            billing[requester].add(group.per_hour, rows=group.billing_now)
            servers[requester] += group.billing_now
    prices = {
        currency: book.prices([row.flavor for row in pending if row.account.currency == currency], currency)
        for currency in {row.account.currency for row in pending}
    }
    return {
        row.pk: PendingCost(
            estimate=devserver_estimate(row, prices[row.account.currency][row.flavor]),
            requester_running=servers[(row.team_id, row.owner_id)],
            requester_per_hour=billing[(row.team_id, row.owner_id)],
        )
        for row in pending
    }


@dataclass(frozen=True)
class CostLine:
    label: str
    per_hour: MoneySum
    servers: int


@dataclass(frozen=True)
class CostTotals:
    per_hour: MoneySum  # what bills now, per hour
    billing: int  # servers that bill now
    spend_this_month: MoneySum
    by_team: list[CostLine]
    by_owner: list[CostLine]
    by_flavor: list[CostLine]
    costs: dict[int, RowCost]  # what each shown row bills now, for its table cell (`billing_now`)

    @property
    def by(self) -> list[tuple[str, list[CostLine]]]:
        return [("team", self.by_team), ("owner", self.by_owner), ("flavor", self.by_flavor)]


class _Lines:
    """Cost per hour of what bills now, line by line under a label."""

    def __init__(self) -> None:
        self.per_hour: dict[str, MoneySum] = defaultdict(MoneySum)
        self.servers: dict[str, int] = defaultdict(int)

    def add(self, label: str, group: CostGroup) -> None:
        self.per_hour[label].add(group.per_hour, rows=group.billing_now)
        self.servers[label] += group.billing_now

    def lines(self) -> list[CostLine]:
        return [CostLine(label, self.per_hour[label], self.servers[label]) for label in sorted(self.servers)]


def cost_totals(
    rows: QuerySet[DevServer],
    *,
    now: datetime,
    shown: Iterable[DevServer],
    kept: QuerySet[BillingTally] | None = None,
    book: PriceBook | None = None,
) -> CostTotals:
    """Cost per hour of what bills now, by team, owner and flavor, and spend since the month began:
    one aggregate over `rows` (from the ledger when `kept` is given: see `aggregates.cost_groups`);
    each row's own figures for the `shown` rows only."""
    start, _end = month_bounds(now)
    keys = ("team__name", "owner__username")
    book = book or PriceBook()
    groups = cost_groups(rows, keys, since=start, now=now, until=now, kept=kept, book=book)
    by = {"team": _Lines(), "owner": _Lines(), "flavor": _Lines()}
    per_hour, spent, billing = MoneySum(), MoneySum(), 0
    for group in groups:
        if group.billing_now:
            per_hour.add(group.per_hour, rows=group.billing_now)
            billing += group.billing_now
            by["team"].add(str(group.keys["team__name"] or _("no team")), group)
            by["owner"].add(str(group.keys["owner__username"] or _("unknown")), group)
            by["flavor"].add(group.flavor, group)
        if group.billed_hours:
            spent.add(group.spent, rows=group.billed_rows or 0)
    return CostTotals(
        per_hour=per_hour,
        billing=billing,
        spend_this_month=spent,
        by_team=by["team"].lines(),
        by_owner=by["owner"].lines(),
        by_flavor=by["flavor"].lines(),
        costs=billing_now(shown, now=now, book=book),
    )
