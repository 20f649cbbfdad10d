"""The instance list's rows: scope, name search and status filter from the address bar, and keyset paging.

Pages are cut by id (newest first), never by OFFSET, so a page costs the same at any size and a row
inserted while someone reads never shifts the rows of the page they move to.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from devservers import live, selectors, tallies
from devservers.instances import progress
from devservers.models import (
    CHANGING_STATUSES,
    FAILED_STATUSES,
    STATUS_LABELS,
    DevServer,
    Membership,
    status_label,
)
from modelarts_client import statuses as cloud_statuses

PAGE_SIZE = 50
SCOPES = {"all": _("All I may see"), "team": _("My teams"), "mine": _("Mine")}
DEFAULT_SCOPE = "all"
STATUS_GROUPS = {"changing": CHANGING_STATUSES, "failed": FAILED_STATUSES}
STATUS_CHOICES = [
    ("changing", _("Changing")),
    ("failed", _("Failed (any)")),
    # The labels stay lazy: this list is made once, and each page reads it in its own language.
    *((status, STATUS_LABELS.get(status) or status_label(status)) for status in sorted({*cloud_statuses.KNOWN_STATUSES, *STATUS_LABELS})),
]
MAX_SEARCH_LENGTH = 64
# What a row of the list shows and decides by (its badge, progress note and buttons): a page loads
# these columns only, not the request's whole record (the cloud's last answer, user data, volumes).
ROW_FIELDS = (
    "owner__username",
    "team__name",
    "account_id",
    "name",
    "status",
    "flavor",
    "image_name",
    "image_id",
    "private_ip",
    "created_at",
    "cloud_id",
    "flagged_slow_at",
    "schedule_error",
    "is_imported",
    "next_attempt_at",
    "delete_when_stopped",
)


@dataclass(frozen=True)
class ListFilters:
    scope: str = DEFAULT_SCOPE
    search: str = ""
    status: str = ""

    def query(self) -> QueryDict:
        """The filters as they show in the address bar (defaults left out)."""
        query = QueryDict(mutable=True)
        if self.scope != DEFAULT_SCOPE:
            query["scope"] = self.scope
        if self.search:
            query["q"] = self.search
        if self.status:
            query["status"] = self.status
        return query


def filters_from(params: QueryDict) -> ListFilters:
    """Values that are not choices are dropped, so a hand-edited address never breaks the page."""
    scope = params.get("scope", DEFAULT_SCOPE)
    status = params.get("status", "")
    return ListFilters(
        scope=scope if scope in SCOPES else DEFAULT_SCOPE,
        search=params.get("q", "").strip()[:MAX_SEARCH_LENGTH],
        status=status if status in dict(STATUS_CHOICES) else "",
    )


def page_address(params: QueryDict) -> str:
    """The list page these parameters show (its filters and its page), and nothing else they carry
    (a poll's token): where a row's buttons bring the browser back to."""
    query = filters_from(params).query()
    for name in ("before", "after"):  # as `keyset_page` reads them
        cursor = _cursor(params, name)
        if cursor is not None:
            query[name] = str(cursor)
            break
    return f"{reverse('devservers:list')}?{query.urlencode()}" if query else reverse("devservers:list")


def team_ids_of(user: AbstractBaseUser) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def scope_filter(user: AbstractBaseUser, scope: str, team_ids: list[int]) -> Q:
    """The rows of a scope, never more than the user may see, by their `team` and `owner` alone (so
    it selects the same rows of the status tally as of the DevServer table)."""
    if scope == "mine":
        return Q(owner=user)
    if scope == "team":
        return Q(team_id__in=team_ids)
    return selectors.visible_filter(user, team_ids)


def scoped_rows(user: AbstractBaseUser, scope: str, team_ids: list[int]) -> QuerySet[DevServer]:
    return DevServer.objects.filter(scope_filter(user, scope, team_ids))


def scope_totals(user: AbstractBaseUser, scope: str, team_ids: list[int]) -> dict[str, int]:
    """The page head's totals: counted on write, so one small read at any size."""
    return selectors.totals_from_counts(tallies.status_counts(scope_filter(user, scope, team_ids)))


def filtered(rows: QuerySet[DevServer], filters: ListFilters) -> QuerySet[DevServer]:
    if filters.search:
        rows = rows.filter(name__icontains=filters.search)
    if filters.status in STATUS_GROUPS:
        rows = rows.filter(status__in=list(STATUS_GROUPS[filters.status]))
    elif filters.status:
        rows = rows.filter(status=filters.status)
    # When each row entered its status, in the same query: its progress note needs no query of its own.
    return progress.with_status_since(rows)


def live_scopes(user: AbstractBaseUser, scope: str, team_ids: list[int]) -> list[str]:
    """What the list's poll watches: only the scopes whose changes can show on it."""
    mine = [live.owner_scope(user.pk)]
    if scope == "mine":
        return mine
    teams = [live.team_scope(team_id) for team_id in team_ids]
    if scope == "all" and user.is_superuser:
        return [*mine, "all"]
    return [*mine, *teams] if scope == "all" else teams


def _cursor(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@dataclass
class RowsPage:
    rows: list[DevServer]
    newer_cursor: int | None = None  # ask for `before=` this id to see the newer page
    older_cursor: int | None = None  # ask for `after=` this id to see the older page

    @property
    def is_first(self) -> bool:
        return self.newer_cursor is None


def with_row_columns(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    """The rows with only what a row of the list shows and decides by (`ROW_FIELDS`)."""
    return rows.select_related("owner", "team").only(*ROW_FIELDS)


def keyset_page(rows: QuerySet[DevServer], params: QueryDict, *, size: int = PAGE_SIZE) -> RowsPage:
    """One page, newest first: `after=<id>` the rows older than it, `before=<id>` the rows newer than it."""
    rows = with_row_columns(rows)
    before = _cursor(params, "before")
    if before is not None:
        found = list(rows.filter(pk__gt=before).order_by("id")[: size + 1])
        has_newer = len(found) > size
        page = list(reversed(found[:size]))
        return RowsPage(
            rows=page,
            newer_cursor=page[0].pk if has_newer and page else None,
            older_cursor=page[-1].pk if page else before,
        )
    after = _cursor(params, "after")
    if after is not None:
        rows = rows.filter(pk__lt=after)
    found = list(rows.order_by("-id")[: size + 1])
    page = found[:size]
    return RowsPage(
        rows=page,
        newer_cursor=(page[0].pk if page else after) if after is not None else None,
        older_cursor=page[-1].pk if len(found) > size else None,
    )


def actionable_ids(user: AbstractBaseUser, rows: list[DevServer]) -> set[int]:
    """Of the page's rows, the ones the user may start, stop, reboot or delete (one query at most)."""
    if user.is_superuser:
        return {row.pk for row in rows}
    admin_team_ids = set(
        Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values_list("team_id", flat=True)
    )
    return {row.pk for row in rows if row.owner_id == user.pk or row.team_id in admin_team_ids}
