"""Reads for the team admin's review page and audit trail: their filter forms, the filtered and
sorted rows, the totals, and the CSV rows.

A filter value that does not validate is left out (the form names it at its field); the rest
still apply, so a hand-edited URL never breaks the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OrderBy, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone

from devservers import selectors
from devservers.models import (
    AWAITING_APPROVAL,
    CHANGING_STATUSES,
    DECLINED,
    FAILED_STATUSES,
    NOT_HOLDING_STATUSES,
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    SUBMITTING,
    AuditEntry,
    DevServer,
    Team,
    status_label,
)
from modelarts_client import statuses as cloud_statuses

REVIEW_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50

UNKNOWN_OWNER = "unknown"
SYSTEM_ACTOR = "system"

# Status groups offered before the single statuses.
STATUS_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "changing": ("Changing (anything in progress)", CHANGING_STATUSES),
    "failed": ("Failed (any)", FAILED_STATUSES),
}
STATUS_ORDER = (
    AWAITING_APPROVAL, QUEUED, SUBMITTING, OUTCOME_UNKNOWN, cloud_statuses.CREATING, cloud_statuses.RUNNING,
    cloud_statuses.STARTING, cloud_statuses.STOPPING, cloud_statuses.STOPPED, cloud_statuses.REBOOTING,
    cloud_statuses.DELETING, cloud_statuses.DELETED, cloud_statuses.CREATE_FAILED, cloud_statuses.START_FAILED,
    cloud_statuses.STOP_FAILED, cloud_statuses.REBOOT_FAILED, cloud_statuses.DELETE_FAILED,
    cloud_statuses.ERROR, REJECTED, DECLINED,
)  # fmt: skip
# Rows in these hold no server (or never will), so their accelerators are not in use.

BILLING_CHOICES = [("", "Any billing"), ("POST_PAID", "Pay-per-use"), ("PRE_PAID", "Prepaid")]
AGE_DAYS = {"1d": 1, "7d": 7, "30d": 30}
AGE_CHOICES = [
    ("", "Any age"),
    ("1d", "Older than 1 day"),
    ("7d", "Older than 7 days"),
    ("30d", "Older than 30 days"),
]

# The sort keys the review page accepts and the columns each orders by; "-key" reverses the key.
SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "status": ("status",),
    "owner": ("owner__username",),
    "flavor": ("flavor",),
    "age": ("-created_at",),  # ascending age: the youngest first
}
SORT_LABELS = {"name": "Name", "status": "Status", "owner": "Owner", "flavor": "Flavor", "age": "Age"}
DEFAULT_SORT = "age"
SORT_CHOICES = [(key, key) for name in SORT_COLUMNS for key in (name, f"-{name}")]

AUDIT_ACTIONS = ("request", "approve", "decline", "create", "start", "stop", "reboot", "delete")

CSV_HEADER = (
    "name", "status", "owner", "team", "flavor", "accelerators", "image", "billing",
    "availability zone", "private IP", "cloud id", "created at",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Who may use the pages, and what they cover --------------------------------------------------------------


def review_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    return selectors.admin_teams_of(user)


def may_review(user: AbstractBaseUser) -> bool:
    return user.is_superuser or review_teams(user).exists()


def review_scope(user: AbstractBaseUser) -> QuerySet[DevServer]:
    """Every row the review page covers: the admin's teams' rows; for a superuser, every row."""
    rows = selectors.devservers_visible_to(user)
    return rows if user.is_superuser else rows.filter(team__in=review_teams(user))


# The review filters ------------------------------------------------------------------------------------


def _status_choices(scope: QuerySet[DevServer]) -> list[tuple[str, str]]:
    # The cloud may add statuses; any a row holds is offered too.
    present = set(scope.order_by().values_list("status", flat=True).distinct())
    singles = [*STATUS_ORDER, *sorted(present - set(STATUS_ORDER))]
    return [
        ("", "Any status"),
        *((key, label) for key, (label, _statuses) in STATUS_GROUPS.items()),
        *((status, status_label(status)) for status in singles),
    ]


def _owner_choices(scope: QuerySet[DevServer], teams: QuerySet[Team]) -> list[tuple[str, str]]:
    owners = (
        get_user_model()
        .objects.filter(Q(devservers__in=scope) | Q(memberships__team__in=teams))
        .distinct()
        .order_by("username")
        .values_list("username", flat=True)
    )
    return [("", "Anyone"), (UNKNOWN_OWNER, "Unknown (imported)"), *((name, name) for name in owners)]


def _flavor_choices(scope: QuerySet[DevServer]) -> list[tuple[str, str]]:
    flavors = scope.order_by("flavor").values_list("flavor", flat=True).distinct()
    return [("", "Any flavor"), *((flavor, flavor) for flavor in flavors)]


class ReviewFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=64, label="Name contains")
    status = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    flavor = forms.ChoiceField(required=False)
    billing = forms.ChoiceField(required=False, choices=BILLING_CHOICES)
    team = forms.ChoiceField(required=False)
    age = forms.ChoiceField(required=False, choices=AGE_CHOICES)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, scope: QuerySet[DevServer], teams: QuerySet[Team]) -> None:
        super().__init__(data)
        self.fields["status"].choices = _status_choices(scope)
        self.fields["owner"].choices = _owner_choices(scope, teams)
        self.fields["flavor"].choices = _flavor_choices(scope)
        self.fields["team"].choices = [("", "Every team"), *((str(team.pk), team.name) for team in teams)]
        self.has_several_teams = len(self.fields["team"].choices) > 2
        if not self.has_several_teams:
            del self.fields["team"]
        for name in ("status", "owner", "flavor", "billing", "team", "age"):
            if name in self.fields:
                self.fields[name].label = self.fields[name].label or name.capitalize()

    def clean_sort(self) -> str:
        # The default order needs no mention in links or the address bar.
        sort = self.cleaned_data["sort"]
        return "" if sort == DEFAULT_SORT else sort


def valid_filters(form: forms.Form) -> dict[str, object]:
    """The filter values that validated; the others are left out."""
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}


def filter_query(filters: dict[str, object]) -> QueryDict:
    """The valid filters as a query string, for links that keep them (sorting, paging, export)."""
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        query[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return query


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    columns = SORT_COLUMNS[sort.removeprefix("-")]
    ordering = []
    # The id breaks ties, so a row never shows on two pages.
    for column in (*columns, "-id"):
        expression = F(column.removeprefix("-"))
        if column.startswith("-") != descending:
            ordering.append(expression.desc(nulls_last=True))
        else:
            ordering.append(expression.asc(nulls_last=True))
    return ordering


def filtered_devservers(scope: QuerySet[DevServer], filters: dict[str, object]) -> QuerySet[DevServer]:
    rows = scope
    if "q" in filters:
        rows = rows.filter(name__icontains=filters["q"])
    if "status" in filters:
        group = STATUS_GROUPS.get(str(filters["status"]))
        rows = rows.filter(status__in=list(group[1])) if group else rows.filter(status=filters["status"])
    if "owner" in filters:
        rows = (
            rows.filter(owner__isnull=True)
            if filters["owner"] == UNKNOWN_OWNER
            else rows.filter(owner__username=filters["owner"])
        )
    if "flavor" in filters:
        rows = rows.filter(flavor=filters["flavor"])
    if "billing" in filters:
        rows = rows.filter(charging_mode=filters["billing"])
    if "team" in filters:
        rows = rows.filter(team_id=int(str(filters["team"])))
    if "age" in filters:
        older_than = timezone.now() - datetime.timedelta(days=AGE_DAYS[str(filters["age"])])
        rows = rows.filter(created_at__lte=older_than)
    return rows.order_by(*_ordering(str(filters.get("sort", DEFAULT_SORT))))


@dataclass(frozen=True)
class SortHeader:
    key: str
    label: str
    direction: str  # "ascending", "descending", or "" when the rows are not sorted by it
    next_sort: str


def sort_headers(current_sort: str) -> list[SortHeader]:
    """Each sortable column with the sort a click asks for: its own key, or the reverse when already sorted by it."""
    headers = []
    for key, label in SORT_LABELS.items():
        direction = {key: "ascending", f"-{key}": "descending"}.get(current_sort, "")
        headers.append(
            SortHeader(
                key=key,
                label=label,
                direction=direction,
                next_sort=key if direction != "ascending" else f"-{key}",
            )
        )
    return headers


@dataclass(frozen=True)
class ReviewTotals:
    total: int
    running: int
    changing: int
    awaiting: int
    accelerators_in_use: int
    by_flavor: list[tuple[str, int]]


def review_totals(rows: QuerySet[DevServer]) -> ReviewTotals:
    unordered = rows.order_by()
    counts = unordered.aggregate(
        total=Count("pk"),
        running=Count("pk", filter=Q(status=cloud_statuses.RUNNING)),
        changing=Count("pk", filter=Q(status__in=list(CHANGING_STATUSES))),
        awaiting=Count("pk", filter=Q(status=AWAITING_APPROVAL)),
        accelerators=Sum("accelerator_count", filter=~Q(status__in=NOT_HOLDING_STATUSES)),
    )
    by_flavor = list(
        unordered.values("flavor").annotate(rows=Count("pk")).order_by("flavor").values_list("flavor", "rows")
    )
    return ReviewTotals(
        total=counts["total"],
        running=counts["running"],
        changing=counts["changing"],
        awaiting=counts["awaiting"],
        accelerators_in_use=counts["accelerators"] or 0,
        by_flavor=by_flavor,
    )


def page_of(rows: QuerySet, number: str | None, *, per_page: int) -> Page:
    """A page of rows; a page number that is not one gives the first page, one past the end the last."""
    return Paginator(rows, per_page).get_page(number)


# The CSV export ------------------------------------------------------------------------------------------


def csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def csv_rows(rows: QuerySet[DevServer]) -> Iterator[list[object]]:
    yield list(CSV_HEADER)
    for devserver in rows.iterator(chunk_size=500):
        cells = (
            devserver.name,
            devserver.status,
            devserver.owner.get_username() if devserver.owner else "",
            devserver.team.name if devserver.team else "",
            devserver.flavor,
            devserver.accelerator_count,
            devserver.image_name or devserver.image_id,
            devserver.charging_mode,
            devserver.availability_zone,
            devserver.private_ip,
            devserver.cloud_id,
            devserver.created_at.isoformat(),
        )
        yield [csv_safe(cell) for cell in cells]


# The audit trail -----------------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.ChoiceField(required=False, label="Who")
    instance = forms.CharField(required=False, max_length=64, label="Instance name contains")
    outcome = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, data: QueryDict, *, entries: QuerySet[AuditEntry]) -> None:
        super().__init__(data)
        unordered = entries.order_by()
        # Actions another part of the app records later are offered as soon as one exists.
        present = set(unordered.values_list("action", flat=True).distinct())
        actions = [*AUDIT_ACTIONS, *sorted(present - set(AUDIT_ACTIONS))]
        self.fields["action"].choices = [("", "Any action"), *((action, action) for action in actions)]
        actors = sorted(
            {name for name in unordered.values_list("actor__username", flat=True).distinct() if name}
        )
        self.fields["actor"].choices = [
            ("", "Anyone"),
            (SYSTEM_ACTOR, "system (the worker)"),
            *((name, name) for name in actors),
        ]
        outcomes = sorted(
            {outcome for outcome in unordered.values_list("outcome", flat=True).distinct() if outcome}
        )
        self.fields["outcome"].choices = [("", "Any outcome"), *((outcome, outcome) for outcome in outcomes)]

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def filtered_audit_entries(entries: QuerySet[AuditEntry], filters: dict[str, object]) -> QuerySet[AuditEntry]:
    if "action" in filters:
        entries = entries.filter(action=filters["action"])
    if "actor" in filters:
        entries = (
            entries.filter(actor__isnull=True)
            if filters["actor"] == SYSTEM_ACTOR
            else entries.filter(actor__username=filters["actor"])
        )
    if "instance" in filters:
        entries = entries.filter(devserver__name__icontains=filters["instance"])
    if "outcome" in filters:
        entries = entries.filter(outcome=filters["outcome"])
    # Whole days in the site's time zone, compared in the database so no date can overflow.
    if "date_from" in filters:
        entries = entries.filter(created_at__date__gte=filters["date_from"])
    if "date_to" in filters:
        entries = entries.filter(created_at__date__lte=filters["date_to"])
    return entries.order_by("-created_at", "-id")
