"""Team membership from the provider's groups claim, on every single sign-on login.

A user becomes a member of each team whose `sso_group` the claim names. A membership made this way
(`granted_by_sso`) ends when the claim no longer names the team's group; one a team admin made by
hand, or a member a team admin has since made admin, stays until a team admin removes it. Teams
with no group are never touched. Each change is audited like a team admin's.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from devservers import live
from devservers.history import audit
from devservers.models import Membership, Team
from devservers.teams.services import MEMBERSHIP_ACTION


def groups_of(claims: dict[str, object], claim_name: str) -> set[str]:
    """The group names in the claim: a list of strings, or one string; anything else names none."""
    value = claims.get(claim_name)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str) and item}
    return set()


def _record(user: AbstractBaseUser, team: Team, detail: str) -> None:
    audit(actor=user, action=MEMBERSHIP_ACTION, team=team, outcome="ok", detail=f"single sign-on: {detail}")
    live.bump_after_commit([live.owner_scope(user.pk)])


def _join(user: AbstractBaseUser, team: Team) -> bool:
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        _, created = Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": Membership.Role.MEMBER, "granted_by_sso": True}
        )
        if created:
            _record(user, team, f"added {user.get_username()} as member (group {team.sso_group!r})")
    return created


def _leave(user: AbstractBaseUser, membership: Membership) -> bool:
    team = membership.team
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        deleted, _ = Membership.objects.filter(
            pk=membership.pk, granted_by_sso=True, role=Membership.Role.MEMBER
        ).delete()
        if deleted:
            _record(user, team, f"removed {user.get_username()} (group {team.sso_group!r} no longer named)")
    return bool(deleted)


def sync_teams(user: AbstractBaseUser, groups: Iterable[str]) -> None:
    named = set(groups)
    mapped_teams = Team.objects.exclude(sso_group="")
    for team in mapped_teams.filter(sso_group__in=named):
        _join(user, team)
    leaving = (
        Membership.objects.filter(user=user, granted_by_sso=True, role=Membership.Role.MEMBER)
        .exclude(team__sso_group="")
        .exclude(team__sso_group__in=named)
        .select_related("team")
    )
    for membership in leaving:
        _leave(user, membership)
