"""Team budgets: this month's spend, the month projected to its end, and a request checked against both.

The month is the calendar month in the site's time zone. The projection assumes that what bills
now keeps billing to the month's end (a prepaid server until its period ends); the figures are
in the currency of the request's account, and rows of accounts in another currency are left out.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from devservers.costs.aggregates import CostGroup, cost_groups
from devservers.costs.estimates import Estimate
from devservers.costs.money import Money
from devservers.costs.months import month_bounds
from devservers.costs.prices import PriceBook
from devservers.models import FINAL_STATUSES, BillingTally, DevServer, Membership, Team, TeamPolicy

ALERT_PERCENTS = (100, 80)
UNKNOWN_PRICE_REASON = gettext_noop("price unknown, so the budget cannot be checked")


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


def _month_rows(scope: Q, *, start: datetime) -> QuerySet[DevServer]:
    # A row that ended before the month began cannot have billed in it.
    return DevServer.objects.filter(scope).exclude(status__in=FINAL_STATUSES, updated_at__lt=start)


def _month_spend_of(groups: list[CostGroup], currency: str) -> MonthSpend:
    spent, to_come, unpriced = Decimal(0), Decimal(0), 0
    for group in groups:
        if group.rate.amount is None:
            unpriced += group.billed_or_billing_rows or 0
            continue
        spent += group.spent.amount
        to_come += group.to_come.amount
    return MonthSpend(Money(spent, currency), Money(to_come, currency), unpriced)


def _month_groups(
    scope: Q, keys: tuple[str, ...], *, currency: str, now: datetime, book: PriceBook | None = None
) -> list[CostGroup]:
    """`scope` names only the ledger's keys (team, owner), so the ledger answers where it is kept."""
    start, end = month_bounds(now)
    scope &= Q(account__currency=currency)
    rows, kept = _month_rows(scope, start=start), BillingTally.objects.filter(scope)
    return cost_groups(rows, keys, since=start, now=now, until=end, kept=kept, book=book)


def month_spend(scope: Q, *, currency: str, now: datetime) -> MonthSpend:
    """The month's spend of the rows `scope` selects, in `currency`."""
    return _month_spend_of(_month_groups(scope, (), currency=currency, now=now), currency)


TeamSpend = tuple[MonthSpend, dict[int | None, MonthSpend]]


def month_spend_by_team_and_owner(
    team_ids: list[int], *, currency: str, now: datetime, book: PriceBook | None = None
) -> dict[int, TeamSpend]:
    """Each team's month spend in `currency`, together and per owner, from one aggregate for them all."""
    keys = ("team_id", "owner_id")
    groups = _month_groups(Q(team__in=team_ids), keys, currency=currency, now=now, book=book)
    by_team: dict[int, list[CostGroup]] = {team_id: [] for team_id in team_ids}
    for group in groups:
        by_team[group.keys["team_id"]].append(group)
    return {team_id: _spend_by_owner(team_groups, currency) for team_id, team_groups in by_team.items()}


def _spend_by_owner(groups: list[CostGroup], currency: str) -> TeamSpend:
    by_owner: dict[int | None, list[CostGroup]] = {}
    for group in groups:
        by_owner.setdefault(group.keys["owner_id"], []).append(group)
    return _month_spend_of(groups, currency), {
        owner_id: _month_spend_of(owned, currency) for owner_id, owned in by_owner.items()
    }


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
    return _(
        "over %(whose)s monthly budget of %(budget)s: %(projected)s projected for this month "
        "(%(spent)s spent so far, %(to_come)s more from what runs now until the month ends, "
        "%(added)s for this request%(left_out)s)"
    ) % {
        "whose": whose, "budget": Money(budget, added.currency), "projected": projected, "spent": spend.spent,
        "to_come": spend.to_come, "added": added, "left_out": _left_out(spend.unpriced),
    }


def _left_out(unpriced: int) -> str:
    if not unpriced:
        return ""
    return ngettext(
        "; not counting %(count)s server of unknown price", "; not counting %(count)s servers of unknown price", unpriced
    ) % {"count": unpriced}


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
        (policy.monthly_budget, _("team %(team)s's") % {"team": team}, Q(team=team)),
        (
            policy.member_monthly_budget,
            _("%(name)s's") % {"name": owner.get_username()},
            Q(team=team, owner=owner),
        ),
    ]
    budgets = [(budget, whose, scope) for budget, whose, scope in budgets if budget is not None]
    if not budgets:
        return []
    if not estimate.is_known:
        return [BudgetFinding(_(UNKNOWN_PRICE_REASON), price_unknown=True)]
    added = request_to_come(estimate, now=now)
    findings = []
    for budget, whose, scope in budgets:
        reason = _over(whose, budget, month_spend(scope, currency=currency, now=now), added)
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
        state = (
            _("over the monthly budget")
            if self.level >= 100
            else _("at %(level)s%% of the monthly budget") % {"level": self.level}
        )
        return _("%(whose)s: %(state)s, %(spent)s spent of %(budget)s (%(percent)s%%)%(left_out)s.") % {
            "whose": self.whose, "state": state, "spent": self.spent, "budget": self.budget,
            "percent": self.percent, "left_out": _left_out(self.unpriced),
        }


def _alert(whose: str, team: Team, budget: Decimal, spend: MonthSpend) -> BudgetAlert | None:
    percent = int(spend.spent.amount * 100 / budget) if budget else 100
    level = next((level for level in ALERT_PERCENTS if percent >= level), None)
    if level is None:
        return None
    currency = spend.spent.currency
    return BudgetAlert(whose, team, Money(budget, currency), spend.spent, percent, level, spend.unpriced)


def budget_alerts(
    teams: QuerySet[Team], *, now: datetime, book: PriceBook | None = None
) -> list[BudgetAlert]:
    """Budgets of these teams (and of their members) that this month's spend has taken to 80% or 100%;
    the spend of every team with a budget summed at once, per currency."""
    with_budget = Q(policy__monthly_budget__isnull=False) | Q(policy__member_monthly_budget__isnull=False)
    budgeted = list(teams.filter(with_budget).select_related("policy"))
    if not budgeted:
        return []
    team_ids = [team.pk for team in budgeted]
    # Names and currencies as plain values: a model for each account and member costs more than the sums.
    currencies: dict[int, set[str]] = {team_id: set() for team_id in team_ids}
    for team_id, currency in Team.accounts.through.objects.filter(team_id__in=team_ids).values_list(
        "team_id", "cloudaccount__currency"
    ):
        currencies[team_id].add(currency)
    members: dict[int, list[tuple[int, str]]] = {team_id: [] for team_id in team_ids}
    memberships = Membership.objects.filter(team_id__in=team_ids).order_by("pk")
    for team_id, user_id, username in memberships.values_list("team_id", "user_id", "user__username"):
        members[team_id].append((user_id, username))
    spends: dict[tuple[int, str], TeamSpend] = {}
    for currency in sorted({currency for found in currencies.values() for currency in found}):
        paying = [team_id for team_id, found in currencies.items() if currency in found]
        found = month_spend_by_team_and_owner(paying, currency=currency, now=now, book=book)
        for team_id, spend in found.items():
            spends[(team_id, currency)] = spend
    alerts = []
    for team in budgeted:
        for currency in sorted(currencies[team.pk]):
            alerts += _team_alerts(team, members[team.pk], *spends[(team.pk, currency)], currency=currency)
    return [alert for alert in alerts if alert is not None]


def _team_alerts(
    team: Team,
    members: list[tuple[int, str]],
    spend: MonthSpend,
    by_owner: dict[int | None, MonthSpend],
    *,
    currency: str,
) -> list[BudgetAlert | None]:
    policy = team.policy
    alerts = []
    if policy.monthly_budget is not None:
        alerts.append(_alert(_("Team %(team)s") % {"team": team}, team, policy.monthly_budget, spend))
    if policy.member_monthly_budget is not None:
        nothing = MonthSpend(Money(Decimal(0), currency), Money(Decimal(0), currency))
        for user_id, username in members:
            whose = _("%(name)s in team %(team)s") % {"name": username, "team": team}
            alerts.append(_alert(whose, team, policy.member_monthly_budget, by_owner.get(user_id, nothing)))
    return alerts
