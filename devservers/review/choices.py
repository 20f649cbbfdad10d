"""The review filters' choices, found without reading every row of the teams.

Statuses and flavors a row holds come from a loose index scan (one index probe per distinct value,
over the `(team, status)` and `(team, flavor)` indexes of migration 0006), so the cloud's new
statuses and new flavors are offered as soon as a row has them; owners come from the memberships.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

from devservers.models import DevServer, Membership, Team

# PostgreSQL has no skip scan: this walks the index from one distinct value to the next.
_LOOSE_SCAN_SQL = """
WITH RECURSIVE found(value) AS (
    (SELECT {column} FROM {table} WHERE {where} ORDER BY {column} LIMIT 1)
    UNION ALL
    SELECT (SELECT {column} FROM {table} WHERE {where} AND {column} > found.value ORDER BY {column} LIMIT 1)
    FROM found WHERE found.value IS NOT NULL
)
SELECT value FROM found WHERE value IS NOT NULL
"""
_SCANNABLE_COLUMNS = frozenset({"status", "flavor"})


def _distinct_in_team(column: str, team_id: int | None) -> list[str]:
    if connection.vendor != "postgresql":
        # The demo's SQLite: a plain DISTINCT (its small tables need no index walk, nor could it do one).
        rows = DevServer.objects.filter(team_id=team_id)  # None: IS NULL
        return list(rows.order_by(column).values_list(column, flat=True).distinct())
    where = "team_id IS NULL" if team_id is None else "team_id = %s"
    sql = _LOOSE_SCAN_SQL.format(column=column, table=DevServer._meta.db_table, where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, [] if team_id is None else [team_id] * 2)
        return [value for (value,) in cursor.fetchall()]


def distinct_values(column: str, team_ids: list[int] | None) -> list[str]:
    """The values of `column` the teams' rows hold, sorted; `None` means every row (a superuser's)."""
    if column not in _SCANNABLE_COLUMNS:
        raise ValueError(f"no index to scan for {column}")
    if team_ids is None:
        teams: list[int | None] = [*Team.objects.values_list("pk", flat=True), None]
    else:
        teams = list(team_ids)
    values: set[str] = set()
    for team_id in teams:
        values.update(_distinct_in_team(column, team_id))
    return sorted(values)


def member_usernames(team_ids: list[int] | None) -> list[str]:
    """Whoever belongs to the teams (to any team, for a superuser): whom a row can belong to."""
    members = (
        Membership.objects.all() if team_ids is None else Membership.objects.filter(team_id__in=team_ids)
    )
    users = get_user_model().objects.filter(pk__in=members.values("user_id"))
    return list(users.order_by("username").values_list("username", flat=True))


def team_ids_of(teams: QuerySet, *, every_team: bool) -> list[int] | None:
    return None if every_team else list(teams.values_list("pk", flat=True))
