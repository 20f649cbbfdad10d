"""Every read the pages make, and who may see or act on what."""

from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from devservers import live
from devservers.models import (
    AWAITING_APPROVAL,
    CHANGING_STATUSES,
    FINAL_STATUSES,
    AuditEntry,
    CloudAccount,
    DevServer,
    DevServerEvent,
    Membership,
    Team,
)
from modelarts_client import statuses as cloud_statuses


def teams_of(user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).distinct()


def admin_teams_of(user: AbstractBaseUser) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN).distinct()


def is_team_admin(user: AbstractBaseUser, team: Team | None) -> bool:
    if user.is_superuser:
        return True
    return team is not None and team.memberships.filter(user=user, role=Membership.Role.ADMIN).exists()


def visible_filter(user: AbstractBaseUser, team_ids: list[int]) -> Q:
    """The rows a user may see, given their teams; by `team` and `owner` alone, so it selects the
    status tally's rows as it does the DevServer rows."""
    if user.is_superuser:
        return Q()
    # Owners keep seeing their own servers, also after leaving the team they were made for.
    return Q(team_id__in=team_ids) | Q(owner=user)


def devservers_visible_to(user: AbstractBaseUser) -> QuerySet[DevServer]:
    rows = DevServer.objects.select_related("owner", "account", "team")
    if user.is_superuser:
        return rows
    return rows.filter(visible_filter(user, list(teams_of(user).values_list("pk", flat=True))))


def devserver_for_user(user: AbstractBaseUser, devserver_id: int) -> DevServer:
    return get_object_or_404(devservers_visible_to(user), pk=devserver_id)


def can_act_on(user: AbstractBaseUser, devserver: DevServer) -> bool:
    if user.is_superuser or is_team_admin(user, devserver.team):
        return True
    # An imported server has no owner until an admin assigns one; from then on the owner acts on it.
    return devserver.owner_id == user.pk


def list_scopes(user: AbstractBaseUser) -> list[str]:
    """What a user's instance list watches: their own rows and every team they belong to."""
    if user.is_superuser:
        return [live.owner_scope(user.pk), "all"]
    return [
        live.owner_scope(user.pk),
        *(live.team_scope(team_id) for team_id in teams_of(user).values_list("pk", flat=True)),
    ]


def totals_from_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """The totals every page shows (all, running, changing, awaiting), from the rows per status."""
    return {
        "total": sum(counts.values()),
        "running": counts.get(cloud_statuses.RUNNING, 0),
        "changing": sum(rows for status, rows in counts.items() if status in CHANGING_STATUSES),
        "awaiting": counts.get(AWAITING_APPROVAL, 0),
    }


def events_for(devserver: DevServer) -> QuerySet[DevServerEvent]:
    return devserver.events.order_by("-created_at", "-id")


def accounts_for(user: AbstractBaseUser, team: Team | None) -> QuerySet[CloudAccount]:
    accounts = CloudAccount.objects.filter(is_active=True)
    if team is not None:
        return accounts.filter(teams=team)
    if user.is_superuser:
        return accounts
    # A user outside every team may use only accounts no team has claimed.
    return accounts.filter(teams__isnull=True)


def live_name_taken(account: CloudAccount, names: list[str]) -> list[str]:
    return list(
        DevServer.objects.filter(account=account, name__in=names)
        .exclude(status__in=list(FINAL_STATUSES))
        .values_list("name", flat=True)
    )


def _awaiting_approval(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    return rows.filter(status=AWAITING_APPROVAL).select_related("owner", "team").order_by("created_at")


def pending_approvals(user: AbstractBaseUser) -> QuerySet[DevServer]:
    return _awaiting_approval(DevServer.objects.filter(team__in=admin_teams_of(user)))


def pending_approvals_in(team_ids: Sequence[int]) -> QuerySet[DevServer]:
    """`pending_approvals` of whoever administers these teams, with their ids already read."""
    return _awaiting_approval(DevServer.objects.filter(team_id__in=team_ids))


def audit_entries_for(user: AbstractBaseUser) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(team__in=admin_teams_of(user)).select_related(
        "actor", "devserver", "team"
    )


def owner_candidates(devserver: DevServer) -> QuerySet:
    """Whom an imported server may be given to: its team's members (anyone, for a server of no team)."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    if devserver.team_id is None:
        return users
    return users.filter(memberships__team_id=devserver.team_id)
