"""The review filters' choices, found without reading every row of the teams, in one query.

Statuses and flavors a row holds come from a loose index scan (one index probe per distinct value,
over the `(team, status)` and `(team, flavor)` indexes of migration 0006), so the cloud's new
statuses and new flavors are offered as soon as a row has them; owners come from the memberships.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

from devservers.models import DevServer, Membership

SCANNED_COLUMNS = ("status", "flavor")

# PostgreSQL has no skip scan: each walks the index from one distinct value to the next, per team.
# A NULL in the teams' array stands for the rows of no team, which `= team` would never find.
_FIRST = "(SELECT {column} FROM {table} WHERE {where} ORDER BY {column} LIMIT 1)"
_NEXT = "(SELECT {column} FROM {table} WHERE {where} AND {column} > found.value ORDER BY {column} LIMIT 1)"
_LOOSE_SCAN_SQL = """
{column}_found(team_id, value) AS (
    SELECT team.id, CASE WHEN team.id IS NULL THEN {first_of_no_team} ELSE {first_of_team} END
    FROM teams AS team
    UNION ALL
    SELECT found.team_id, CASE WHEN found.team_id IS NULL THEN {next_of_no_team} ELSE {next_of_team} END
    FROM {column}_found AS found WHERE found.value IS NOT NULL
)"""


@dataclass(frozen=True)
class FilterValues:
    statuses: list[str]  # sorted
    flavors: list[str]  # sorted
    owners: list[str]  # by username, as the database orders them


def _loose_scan_cte(column: str) -> str:
    table = DevServer._meta.db_table
    wheres = {"no_team": "team_id IS NULL", "team": "team_id = {team}.{id}"}
    parts = {}
    for name, where in wheres.items():
        parts[f"first_of_{name}"] = _FIRST.format(
            column=column, table=table, where=where.format(team="team", id="id")
        )
        parts[f"next_of_{name}"] = _NEXT.format(
            column=column, table=table, where=where.format(team="found", id="team_id")
        )
    return _LOOSE_SCAN_SQL.format(column=column, **parts)


def _members(team_ids: Sequence[int]) -> QuerySet:
    """Whoever belongs to the teams: whom a row can belong to."""
    members = Membership.objects.filter(team_id__in=team_ids).values("user_id")
    return get_user_model().objects.filter(pk__in=members).order_by("username")


def _postgresql_values(team_ids: Sequence[int], *, with_no_team: bool) -> FilterValues:
    owners_sql, owners_params = _members(team_ids).values_list("username").query.sql_with_params()
    scans = ",".join(_loose_scan_cte(column) for column in SCANNED_COLUMNS)
    found = " UNION ALL ".join(
        f"SELECT '{column}', value FROM {column}_found WHERE value IS NOT NULL" for column in SCANNED_COLUMNS
    )
    sql = (
        f"WITH RECURSIVE teams(id) AS (SELECT unnest(%s::bigint[])), {scans} "
        f"SELECT kind, value FROM ({found} UNION ALL SELECT 'owner', owner.username FROM ({owners_sql}) AS owner) "
        "AS found(kind, value) ORDER BY kind, value"
    )
    teams = [*team_ids, None] if with_no_team else list(team_ids)
    values: dict[str, list[str]] = {"status": [], "flavor": [], "owner": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, [teams, *owners_params])
        for kind, value in cursor.fetchall():
            values[kind].append(value)
    return FilterValues(
        statuses=sorted(set(values["status"])),
        flavors=sorted(set(values["flavor"])),
        owners=values["owner"],
    )


def _plain_values(team_ids: Sequence[int], *, with_no_team: bool) -> FilterValues:
    # The demo's SQLite: plain DISTINCTs (its small tables need no index walk, nor could it do one).
    rows = DevServer.objects.all() if with_no_team else DevServer.objects.filter(team_id__in=team_ids)
    distinct = {
        column: sorted(set(rows.order_by().values_list(column, flat=True).distinct()))
        for column in SCANNED_COLUMNS
    }
    owners = list(_members(team_ids).values_list("username", flat=True))
    return FilterValues(statuses=distinct["status"], flavors=distinct["flavor"], owners=owners)


def filter_values(team_ids: Sequence[int], *, with_no_team: bool) -> FilterValues:
    """The statuses and flavors the teams' rows hold and the teams' members; `with_no_team` adds the
    rows of no team (a superuser's, who reviews every row and passes every team)."""
    if connection.vendor == "postgresql":
        return _postgresql_values(team_ids, with_no_team=with_no_team)
    return _plain_values(team_ids, with_no_team=with_no_team)
