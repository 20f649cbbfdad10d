"""Team budgets: this month's spend, the month projected to its end, and a request checked against both.

The month is the calendar month in the site's time zone. The projection assumes that what bills
now keeps billing to the month's end (a prepaid server until its period ends); the figures are
in the currency of the request's account, and rows of accounts in another currency are left out.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from devservers.costs.estimates import Estimate
from devservers.costs.money import Money
from devservers.costs.spend import row_costs
from devservers.models import FINAL_STATUSES, DevServer, Team, TeamPolicy

ALERT_PERCENTS = (100, 80)
UNKNOWN_PRICE_REASON = "price unknown, so the budget cannot be checked"


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month `now` is in, in the site's time zone: its first instant and the next month's."""
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


def _hours(seconds: float) -> Decimal:
    return Decimal(max(0, round(seconds))) / Decimal(3600)


@dataclass(frozen=True)
class MonthSpend:
    spent: Money  # from the month's start until now
    to_come: Money  # what bills now, until the month ends
    unpriced: int = 0  # rows that billed this month at a price nobody knows: left out, and said so

    @property
    def projected(self) -> Money:
        return self.spent.plus(self.to_come)


def month_spend(rows: QuerySet[DevServer], *, currency: str, now: datetime) -> MonthSpend:
    start, end = month_bounds(now)
    # A row that ended before the month began cannot have billed in it.
    rows = rows.filter(account__currency=currency).exclude(status__in=FINAL_STATUSES, updated_at__lt=start)
    rows = rows.select_related("account")
    spent, to_come, unpriced = Decimal(0), Decimal(0), 0
    for cost in row_costs(rows, since=start, now=now).values():
        if cost.rate.amount is None:
            unpriced += bool(cost.billed_hours or cost.billing_now)
            continue
        spent += cost.spent.amount or 0
        if cost.billing_now:
            until = min(end, cost.billing_until) if cost.billing_until else end
            to_come += cost.rate.amount * _hours((until - now).total_seconds())
    return MonthSpend(Money(spent, currency), Money(to_come, currency), unpriced)


def request_to_come(estimate: Estimate, *, now: datetime) -> Money:
    """What a request would add to this month: its price per hour until the month ends (a prepaid
    purchase no longer than the hours it covers)."""
    _start, end = month_bounds(now)
    hours = _hours((end - now).total_seconds())
    if estimate.billed_hours is not None:
        hours = min(hours, Decimal(estimate.billed_hours))
    return estimate.per_hour.times(hours)


@dataclass(frozen=True)
class BudgetFinding:
    reason: str
    price_unknown: bool = False


def _over(whose: str, budget: Decimal, spend: MonthSpend, added: Money) -> str | None:
    projected = spend.projected.plus(added)
    if projected.amount is None or projected.amount <= budget:
        return None
    return (
        f"over {whose} monthly budget of {Money(budget, added.currency)}: {projected} projected for this month "
        f"({spend.spent} spent so far, {spend.to_come} more from what runs now until the month ends, "
        f"{added} for this request{_left_out(spend.unpriced)})"
    )


def _left_out(unpriced: int) -> str:
    return (
        f"; not counting {unpriced} server{'s' if unpriced != 1 else ''} of unknown price" if unpriced else ""
    )


def check_request(
    *,
    policy: TeamPolicy,
    team: Team,
    owner: AbstractBaseUser,
    currency: str,
    estimate: Estimate,
    now: datetime,
) -> list[BudgetFinding]:
    """Why a request would take the projected month over the team's or the member's budget."""
    budgets = [
        (policy.monthly_budget, f"team {team}'s", DevServer.objects.filter(team=team)),
        (
            policy.member_monthly_budget,
            f"{owner.get_username()}'s",
            DevServer.objects.filter(team=team, owner=owner),
        ),
    ]
    budgets = [(budget, whose, rows) for budget, whose, rows in budgets if budget is not None]
    if not budgets:
        return []
    if not estimate.is_known:
        return [BudgetFinding(UNKNOWN_PRICE_REASON, price_unknown=True)]
    added = request_to_come(estimate, now=now)
    findings = []
    for budget, whose, rows in budgets:
        reason = _over(whose, budget, month_spend(rows, currency=currency, now=now), added)
        if reason:
            findings.append(BudgetFinding(reason))
    return findings


@dataclass(frozen=True)
class BudgetAlert:
    whose: str  # "team ml-platform" or a member's name
    team: Team
    budget: Money
    spent: Money
    percent: int  # of the budget spent so far
    level: int  # the highest of ALERT_PERCENTS reached
    unpriced: int

    @property
    def message(self) -> str:
        state = "over the monthly budget" if self.level >= 100 else f"at {self.level}% of the monthly budget"
        return (
            f"{self.whose}: {state}, {self.spent} spent of {self.budget} ({self.percent}%)"
            f"{_left_out(self.unpriced)}."
        )


def _alert(whose: str, team: Team, budget: Decimal, spend: MonthSpend) -> BudgetAlert | None:
    percent = int(spend.spent.amount * 100 / budget) if budget else 100
    level = next((level for level in ALERT_PERCENTS if percent >= level), None)
    if level is None:
        return None
    currency = spend.spent.currency
    return BudgetAlert(whose, team, Money(budget, currency), spend.spent, percent, level, spend.unpriced)


def budget_alerts(teams: QuerySet[Team], *, now: datetime) -> list[BudgetAlert]:
    """Budgets of these teams (and of their members) that this month's spend has taken to 80% or 100%."""
    alerts = []
    for team in teams.select_related("policy").prefetch_related("accounts", "memberships__user"):
        policy = getattr(team, "policy", None)
        if policy is None:
            continue
        for currency in sorted({account.currency for account in team.accounts.all()}):
            rows = DevServer.objects.filter(team=team)
            if policy.monthly_budget is not None:
                spend = month_spend(rows, currency=currency, now=now)
                alerts.append(_alert(f"Team {team}", team, policy.monthly_budget, spend))
            if policy.member_monthly_budget is not None:
                for membership in team.memberships.all():
                    spend = month_spend(rows.filter(owner=membership.user), currency=currency, now=now)
                    whose = f"{membership.user.get_username()} in team {team}"
                    alerts.append(_alert(whose, team, policy.member_monthly_budget, spend))
    return [alert for alert in alerts if alert is not None]
