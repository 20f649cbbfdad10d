"""Membership writes made by team admins: add a member, change a role, remove a member.

Each change is audited and bumps the affected user's live counter, since what they may see changes.
Changes to one team are serialised by locking its row, so two admins demoting each other at the
same moment cannot leave the team without an admin.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from devservers import live
from devservers.history import audit
from devservers.models import Membership, Team

MEMBERSHIP_ACTION = "membership"


class MembershipRefused(Exception):
    """A change the team's guard rails do not allow; the message is meant for the admin."""


class AlreadyMember(MembershipRefused):
    pass


class LastAdmin(MembershipRefused):
    pass


class NotAMember(MembershipRefused):
    pass


def _lock_team(team: Team) -> None:
    Team.objects.select_for_update().filter(pk=team.pk).first()


def _membership(team: Team, membership_id: int) -> Membership:
    membership = Membership.objects.select_related("user").filter(pk=membership_id, team=team).first()
    if membership is None:
        raise NotAMember(_("That user is no longer a member of %(team)s.") % {"team": team})
    return membership


def _record(*, actor: AbstractBaseUser, team: Team, user: AbstractBaseUser, detail: str) -> None:
    audit(actor=actor, action=MEMBERSHIP_ACTION, team=team, outcome="ok", detail=detail)
    live.bump_after_commit([live.owner_scope(user.pk)])


def _refuse_if_last_admin(membership: Membership, *, removing: bool) -> None:
    if membership.role != Membership.Role.ADMIN:
        return
    other_admins = (
        Membership.objects.filter(team_id=membership.team_id, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not other_admins:
        name = membership.user.get_username()
        message = (
            _("%(name)s is the team's last admin and cannot be removed; make another member admin first.")
            if removing
            else _("%(name)s is the team's last admin and cannot be demoted; make another member admin first.")
        )
        raise LastAdmin(message % {"name": name})


def add_member(
    *, actor: AbstractBaseUser, team: Team, user: AbstractBaseUser, role: str = Membership.Role.MEMBER
) -> Membership:
    name = user.get_username()
    try:
        with transaction.atomic():
            _lock_team(team)
            membership = Membership.objects.create(team=team, user=user, role=role)
            _record(actor=actor, team=team, user=user, detail=f"added {name} as {role}")
    except IntegrityError:
        raise AlreadyMember(_("%(name)s is already a member of %(team)s.") % {"name": name, "team": team}) from None
    return membership


def change_role(*, actor: AbstractBaseUser, membership_id: int, team: Team, role: str) -> Membership:
    """Give a member another role; the team's last admin keeps theirs."""
    with transaction.atomic():
        _lock_team(team)
        membership = _membership(team, membership_id)
        previous = membership.role
        if previous == role:
            return membership
        if role != Membership.Role.ADMIN:
            _refuse_if_last_admin(membership, removing=False)
        membership.role = role
        membership.save(update_fields=["role"])
        name = membership.user.get_username()
        _record(actor=actor, team=team, user=membership.user, detail=f"{name}: {previous} → {role}")
    return membership


def remove_member(*, actor: AbstractBaseUser, membership_id: int, team: Team) -> AbstractBaseUser:
    """Take a user out of the team; the team's last admin stays. Returns the removed user."""
    with transaction.atomic():
        _lock_team(team)
        membership = _membership(team, membership_id)
        _refuse_if_last_admin(membership, removing=True)
        membership.delete()
        _record(
            actor=actor, team=team, user=membership.user, detail=f"removed {membership.user.get_username()}"
        )
    return membership.user
