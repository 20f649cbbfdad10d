"""Who may use the review pages, and the rows and live scopes they cover."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from devservers import live, selectors
from devservers.models import DevServer, Team


def review_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    return selectors.admin_teams_of(user)


def may_review(user: AbstractBaseUser) -> bool:
    return user.is_superuser or review_teams(user).exists()


def review_scope(user: AbstractBaseUser) -> QuerySet[DevServer]:
    """Every row the review page covers: the admin's teams' rows; for a superuser, every row."""
    rows = selectors.devservers_visible_to(user)
    if user.is_superuser:
        return rows
    # An admin's teams' rows are all visible to the admin: filtering by the teams alone, as a list of
    # ids, lets each query read the (team, …) indexes instead of OR-ing in the owner's rows.
    team_ids = list(review_teams(user).values_list("pk", flat=True))
    return DevServer.objects.select_related("owner", "account", "team").filter(team_id__in=team_ids)


def review_live_scopes(user: AbstractBaseUser) -> list[str]:
    """What the review page's poll watches: the admin's teams; for a superuser, every row."""
    if user.is_superuser:
        return ["all"]
    return [live.team_scope(team_id) for team_id in review_teams(user).values_list("pk", flat=True)]
