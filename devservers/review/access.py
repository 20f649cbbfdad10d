"""Who may use the review pages, and the rows and live scopes they cover."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from devservers import live, selectors
from devservers.models import DevServer, Team


@dataclass(frozen=True)
class ReviewAccess:
    """The reviewer's teams, read once per request and handed to every read the page makes."""

    user: AbstractBaseUser
    # (id, name) of the teams they administer, by name; of every team, for a superuser.
    team_names: tuple[tuple[int, str], ...]
    every_row: bool  # a superuser: also the rows of no team

    @property
    def team_ids(self) -> tuple[int, ...]:
        return tuple(team_id for team_id, _name in self.team_names)

    @property
    def may_review(self) -> bool:
        return self.every_row or bool(self.team_ids)

    @property
    def is_team_admin(self) -> bool:
        """What the top bar's `nav_is_team_admin` says: the user administers a team (any, for a superuser)."""
        return bool(self.team_ids)

    def teams(self) -> QuerySet[Team]:
        return Team.objects.filter(pk__in=self.team_ids)

    def scope(self) -> QuerySet[DevServer]:
        """Every row the review page covers: the admin's teams' rows; for a superuser, every row."""
        rows = DevServer.objects.select_related("owner", "account", "team")
        if self.every_row:
            return rows
        # An admin's teams' rows are all visible to the admin: filtering by the teams alone, as a list of
        # ids, lets each query read the (team, …) indexes instead of OR-ing in the owner's rows.
        return rows.filter(team_id__in=self.team_ids)

    def live_scopes(self) -> list[str]:
        """What the review page's poll watches: the admin's teams; for a superuser, every row."""
        if self.every_row:
            return ["all"]
        return [live.team_scope(team_id) for team_id in self.team_ids]


def review_access(user: AbstractBaseUser) -> ReviewAccess:
    """One query: the teams the user administers (every team, for a superuser), by name."""
    team_names = tuple(selectors.admin_teams_of(user).values_list("pk", "name"))
    return ReviewAccess(user=user, team_names=team_names, every_row=user.is_superuser)
