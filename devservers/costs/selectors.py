"""Costs as the pages show them: the approval queue, the review totals and the detail page."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from devservers.costs.budgets import month_bounds
from devservers.costs.estimates import Estimate, estimate
from devservers.costs.money import Money, MoneySum
from devservers.costs.prices import FlavorPrices, catalogue_prices
from devservers.costs.spend import RowCost, row_costs
from devservers.models import NOT_HOLDING_STATUSES, DevServer


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


@dataclass(frozen=True)
class PendingCost:
    estimate: Estimate
    requester_running: int  # the requester's servers in the team that bill now
    requester_per_hour: MoneySum


def pending_costs(pending: Iterable[DevServer], *, now: datetime) -> dict[int, PendingCost]:
    """For each request awaiting approval (their accounts loaded): what it will cost, and what its requester already runs."""
    pending = list(pending)
    running = (
        DevServer.objects.filter(
            team__in={row.team_id for row in pending}, owner__in={row.owner_id for row in pending}
        )
        .exclude(status__in=NOT_HOLDING_STATUSES)
        .select_related("account")
    )
    running = list(running)
    costs = row_costs(running, since=now, now=now)
    billing: dict[tuple[int, int], list[Money]] = defaultdict(list)
    for row in running:
        if costs[row.pk].billing_now:
            billing[(row.team_id, row.owner_id)].append(costs[row.pk].rate)
    # One catalogue read per currency for the whole queue, not one per request.
    prices = {
        currency: catalogue_prices(
            [row.flavor for row in pending if row.account.currency == currency], currency
        )
        for currency in {row.account.currency for row in pending}
    }
    return {
        row.pk: PendingCost(
            estimate=devserver_estimate(row, prices[row.account.currency][row.flavor]),
            requester_running=len(billing[(row.team_id, row.owner_id)]),
            requester_per_hour=MoneySum.of(billing[(row.team_id, row.owner_id)]),
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
    rows: list[DevServer]  # the rows counted, in the order asked
    costs: dict[int, RowCost]  # each row's, for its table cell and CSV line

    @property
    def by(self) -> list[tuple[str, list[CostLine]]]:
        return [("team", self.by_team), ("owner", self.by_owner), ("flavor", self.by_flavor)]


def _lines(groups: dict[str, list[Money]]) -> list[CostLine]:
    return [CostLine(label, MoneySum.of(rates), len(rates)) for label, rates in sorted(groups.items())]


def cost_totals(rows: QuerySet[DevServer], *, now: datetime) -> CostTotals:
    """Cost per hour of what bills now, by team, owner and flavor, and spend since the month began."""
    start, _end = month_bounds(now)
    rows = list(rows.select_related("account", "owner", "team"))
    costs = row_costs(rows, since=start, now=now)
    by: dict[str, dict[str, list[Money]]] = {
        "team": defaultdict(list),
        "owner": defaultdict(list),
        "flavor": defaultdict(list),
    }
    billing = []
    for row in rows:
        cost = costs[row.pk]
        if not cost.billing_now:
            continue
        billing.append(cost.rate)
        by["team"][str(row.team or "no team")].append(cost.rate)
        by["owner"][row.owner.get_username() if row.owner else "unknown"].append(cost.rate)
        by["flavor"][row.flavor].append(cost.rate)
    spent = MoneySum()
    for cost in costs.values():
        if cost.billed_hours:
            spent.add(cost.spent)
    return CostTotals(
        per_hour=MoneySum.of(billing),
        billing=len(billing),
        spend_this_month=spent,
        by_team=_lines(by["team"]),
        by_owner=_lines(by["owner"]),
        by_flavor=_lines(by["flavor"]),
        rows=rows,
        costs=costs,
    )
