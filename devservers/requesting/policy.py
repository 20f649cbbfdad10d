"""A team's policy applied to a request: hard limits refuse it, approval rules hold it back."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Sum
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from devservers.catalog import FlavorChoice
from devservers.costs import budgets
from devservers.costs.estimates import estimate
from devservers.costs.prices import catalogue_prices
from devservers.models import NOT_HOLDING_STATUSES, CloudAccount, DevServer, Team, TeamPolicy

_MONTHS_PER_PERIOD = {"MONTH": 1, "YEAR": 12}


# Fails closed: a flavor the cloud calls GPU/NPU whose card count nobody recorded cannot be counted
# against a limit, so a person decides.
UNKNOWN_ACCELERATORS_REASON = gettext_noop("accelerator flavor whose card count is unknown (not in the flavor catalogue)")


def _accelerators_unknown(flavor: FlavorChoice) -> bool:
    return flavor.accelerators is not None and not flavor.accelerators.is_known


def _limits_accelerators(policy: TeamPolicy) -> bool:
    return (
        policy.approval_for_accelerators
        or policy.max_accelerators_per_user is not None
        or policy.max_accelerators_per_team is not None
    )


@dataclass
class PolicyDecision:
    refusals: dict[str, list[str]] = field(default_factory=dict)
    approval_reasons: list[str] = field(default_factory=list)

    def refuse(self, field_name: str, message: str) -> None:
        self.refusals.setdefault(field_name, []).append(message)


def policy_of(team: Team) -> TeamPolicy | None:
    return TeamPolicy.objects.filter(team=team).first()


def _usage(team: Team, owner: AbstractBaseUser | None = None) -> tuple[int, int]:
    rows = DevServer.objects.filter(team=team).exclude(status__in=NOT_HOLDING_STATUSES)
    if owner is not None:
        rows = rows.filter(owner=owner)
    totals = rows.aggregate(servers=Count("pk"), accelerators=Sum("accelerator_count"))
    return totals["servers"] or 0, totals["accelerators"] or 0


def _prepaid_months(period_type: str, period_num: int | None) -> int | None:
    per_period = _MONTHS_PER_PERIOD.get(period_type)
    return per_period * period_num if per_period and period_num else None


def evaluate(
    *,
    team: Team,
    user: AbstractBaseUser,
    is_team_admin: bool,
    flavor: FlavorChoice | None,
    image_id: str,
    count: int,
    charging_mode: str,
    period_type: str,
    period_num: int | None,
    account: CloudAccount | None = None,
    now: datetime.datetime | None = None,
) -> PolicyDecision:
    decision = PolicyDecision()
    policy = policy_of(team)
    if policy is None:
        return decision
    accelerators_each = flavor.accelerator_count if flavor else 0
    if policy.allowed_flavors and flavor and flavor.name not in policy.allowed_flavors:
        decision.refuse("flavor", _("Team %(team)s does not allow flavor %(flavor)s.") % {"team": team, "flavor": flavor.name})
    if policy.allowed_images and image_id and image_id not in policy.allowed_images:
        decision.refuse("image_id", _("Team %(team)s does not allow this image.") % {"team": team})
    _check_limits(decision, policy, team, user, count=count, accelerators=accelerators_each * count)
    months = _prepaid_months(period_type, period_num) if charging_mode == "PRE_PAID" else None
    if policy.max_prepaid_months is not None and months is not None and months > policy.max_prepaid_months:
        decision.refuse(
            "period_num",
            _("Team %(team)s allows prepaid periods of at most %(months)s months.") % {"team": team, "months": policy.max_prepaid_months},
        )
    if not is_team_admin:
        if flavor is not None and _accelerators_unknown(flavor) and _limits_accelerators(policy):
            decision.approval_reasons.append(_(UNKNOWN_ACCELERATORS_REASON))
        elif policy.approval_for_accelerators and accelerators_each:
            decision.approval_reasons.append(_("accelerator flavor"))
        if policy.approval_for_prepaid and charging_mode == "PRE_PAID":
            decision.approval_reasons.append(_("prepaid purchase"))
        if policy.approval_count_above is not None and count > policy.approval_count_above:
            decision.approval_reasons.append(_("more than %(count)s servers") % {"count": policy.approval_count_above})
    if flavor is not None:
        asked = {
            "count": count,
            "charging_mode": charging_mode,
            "period_type": period_type,
            "period_num": period_num,
        }
        _check_budgets(
            decision, policy, team=team, user=user, is_team_admin=is_team_admin, flavor=flavor,
            account=account, now=now or timezone.now(), asked=asked,
        )  # fmt: skip
    return decision


def _check_budgets(
    decision: PolicyDecision,
    policy: TeamPolicy,
    *,
    team: Team,
    user: AbstractBaseUser,
    is_team_admin: bool,
    flavor: FlavorChoice,
    account: CloudAccount | None,
    now: datetime.datetime,
    asked: dict,
) -> None:
    """Over a budget: refused when the policy says so, else held for a person, like the other
    approval rules (a team admin's own request is not held). A price nobody knows fails closed."""
    if policy.monthly_budget is None and policy.member_monthly_budget is None:
        return
    currency = account.currency if account else _currency_of(team)
    request = estimate(catalogue_prices([flavor.name], currency)[flavor.name], **asked)
    findings = budgets.check_request(
        policy=policy, team=team, owner=user, currency=currency, estimate=request, now=now
    )
    for finding in findings:
        if policy.refuse_over_budget and not finding.price_unknown:
            decision.refuse(NON_FIELD_ERRORS, _("Team %(team)s refuses this request: it is %(reason)s.") % {"team": team, "reason": finding.reason})
        elif not is_team_admin:
            decision.approval_reasons.append(finding.reason)


def _currency_of(team: Team) -> str:
    currency = team.accounts.order_by("pk").values_list("currency", flat=True).first()
    return currency or CloudAccount._meta.get_field("currency").default


def _check_limits(
    decision: PolicyDecision,
    policy: TeamPolicy,
    team: Team,
    user: AbstractBaseUser,
    *,
    count: int,
    accelerators: int,
) -> None:
    user_servers, user_accelerators = _usage(team, user)
    team_servers, team_accelerators = _usage(team)
    limits = [
        (policy.max_running_per_user, user_servers + count, "count", _("instances per user"), user_servers),
        (policy.max_running_per_team, team_servers + count, "count", _("instances for the team"), team_servers),
        (policy.max_accelerators_per_user, user_accelerators + accelerators, "flavor", _("accelerators per user"), user_accelerators),
        (policy.max_accelerators_per_team, team_accelerators + accelerators, "flavor", _("accelerators for the team"), team_accelerators),
    ]  # fmt: skip
    for limit, wanted, field_name, what, in_use in limits:
        if limit is not None and wanted > limit:
            decision.refuse(
                field_name,
                _("Team %(team)s allows at most %(limit)s %(what)s; %(in_use)s in use, this asks for %(more)s more.")
                % {"team": team, "limit": limit, "what": what, "in_use": in_use, "more": wanted - in_use},
            )


@dataclass(frozen=True)
class FlavorNote:
    text: str
    blocked: bool


def flavor_notes(*, team: Team, is_team_admin: bool, flavors: list[FlavorChoice]) -> dict[str, FlavorNote]:
    """What the form's flavor table says about each flavor under the team's policy, before any choice."""
    policy = policy_of(team)
    if policy is None:
        return {}
    notes = {}
    for flavor in flavors:
        if policy.allowed_flavors and flavor.name not in policy.allowed_flavors:
            notes[flavor.name] = FlavorNote(_("not allowed for your team"), blocked=True)
        elif is_team_admin:
            continue
        elif _accelerators_unknown(flavor) and _limits_accelerators(policy):
            notes[flavor.name] = FlavorNote(_("needs approval: card count unknown"), blocked=False)
        elif flavor.accelerator_count and policy.approval_for_accelerators:
            notes[flavor.name] = FlavorNote(_("needs approval"), blocked=False)
    return notes
