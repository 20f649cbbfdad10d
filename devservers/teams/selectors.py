"""Reads for the team pages: which teams a user sees, their members, and their policy in words."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from devservers.models import Membership, Team, TeamPolicy


def _team_ids_of(user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).values("team_id")


def teams_for_page(user: AbstractBaseUser) -> QuerySet[Team]:
    """The teams a user belongs to (superusers: all), with the user's role and the member count."""
    own_role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    # Filtered through a subquery, not a join, so the count sees every member and not just this user.
    teams = Team.objects.all() if user.is_superuser else Team.objects.filter(pk__in=_team_ids_of(user))
    return (
        teams.annotate(member_count=Count("memberships", distinct=True), own_role=Subquery(own_role))
        .prefetch_related("accounts")
        .order_by("name")
    )


def team_for_member(user: AbstractBaseUser, team_id: int) -> Team:
    """The team, if the user may see it; a 404 for everyone else."""
    teams = Team.objects.all() if user.is_superuser else Team.objects.filter(pk__in=_team_ids_of(user))
    return get_object_or_404(teams.prefetch_related("accounts"), pk=team_id)


def memberships_of(team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("user__username")


@dataclass(frozen=True)
class PolicyLine:
    label: str
    value: str


def _limit(value: int | None, unit: str = "") -> str:
    return _("no limit") if value is None else f"{value}{unit}"


def _allowed(names: list[str]) -> str:
    return ", ".join(names) if names else _("all")


def policy_lines(team: Team) -> list[PolicyLine] | None:
    """The team's limits and approval rules in words; None when the team has no policy."""
    policy = TeamPolicy.objects.filter(team=team).first()
    if policy is None:
        return None
    count_rule = (
        _("more than %(count)s servers in one request") % {"count": policy.approval_count_above}
        if policy.approval_count_above is not None
        else ""
    )
    approval_rules = [
        rule
        for rule in (
            _("accelerator flavors") if policy.approval_for_accelerators else "",
            _("prepaid purchases") if policy.approval_for_prepaid else "",
            count_rule,
        )
        if rule
    ]
    return [
        PolicyLine(_("Allowed flavors"), _allowed(policy.allowed_flavors)),
        PolicyLine(_("Allowed images"), _allowed(policy.allowed_images)),
        PolicyLine(_("Running instances per user"), _limit(policy.max_running_per_user)),
        PolicyLine(_("Running instances for the team"), _limit(policy.max_running_per_team)),
        PolicyLine(_("Accelerators per user"), _limit(policy.max_accelerators_per_user)),
        PolicyLine(_("Accelerators for the team"), _limit(policy.max_accelerators_per_team)),
        PolicyLine(_("Longest prepaid period"), _limit(policy.max_prepaid_months, " " + _("months"))),
        PolicyLine(
            _("Needs a team admin's approval"),
            _(", ").join(approval_rules) if approval_rules else _("nothing"),
        ),
    ]
