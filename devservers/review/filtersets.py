"""The review page's and the audit trail's filters, as django-filter FilterSets.

A value that does not validate is left out of the form's cleaned data, so the FilterSet applies
the rest and the form names the dropped one at its field: a hand-edited URL never breaks a page.
The choices come from the rows the admin may see (by index, see `choices`) and the teams' members, so the cloud's new statuses, new flavors and
actions recorded later are offered as soon as a row has them.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from devservers.models import (
    AWAITING_APPROVAL,
    CHANGING_STATUSES,
    DECLINED,
    FAILED_STATUSES,
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    SUBMITTING,
    AuditEntry,
    DevServer,
    status_label,
)
from devservers.models.audit import audit_action_filter_label, audit_outcome_label
from devservers.review import choices
from devservers.review.access import ReviewAccess
from devservers.review.sorting import DEFAULT_SORT, SortFilter, sorted_by_default
from devservers.review.widgets import Select
from modelarts_client import statuses as cloud_statuses

UNKNOWN_OWNER = "unknown"
SYSTEM_ACTOR = "system"

# Status groups offered before the single statuses: key -> (label, statuses).
STATUS_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "changing": (_("Changing (anything in progress)"), CHANGING_STATUSES),
    "failed": (_("Failed (any)"), FAILED_STATUSES),
}
# The order the status filter offers the statuses in: a request's life, then the failures.
STATUS_ORDER = (
    AWAITING_APPROVAL, QUEUED, SUBMITTING, OUTCOME_UNKNOWN, cloud_statuses.CREATING, cloud_statuses.RUNNING,
    cloud_statuses.STARTING, cloud_statuses.STOPPING, cloud_statuses.STOPPED, cloud_statuses.REBOOTING,
    cloud_statuses.DELETING, cloud_statuses.DELETED, cloud_statuses.CREATE_FAILED, cloud_statuses.START_FAILED,
    cloud_statuses.STOP_FAILED, cloud_statuses.REBOOT_FAILED, cloud_statuses.DELETE_FAILED,
    cloud_statuses.ERROR, REJECTED, DECLINED,
)  # fmt: skip
BILLING_CHOICES = [("POST_PAID", _("Pay-per-use")), ("PRE_PAID", _("Prepaid"))]
AGE_DAYS = {"1d": 1, "7d": 7, "30d": 30}
AGE_CHOICES = [("1d", _("Older than 1 day")), ("7d", _("Older than 7 days")), ("30d", _("Older than 30 days"))]
AUDIT_ACTIONS = ("request", "approve", "decline", "create", "start", "stop", "reboot", "delete")


# Choices drawn from the rows ------------------------------------------------------------------------------


def status_choices(present: list[str]) -> list[tuple[str, str]]:
    # The cloud may add statuses; any a row holds is offered too.
    singles = [*STATUS_ORDER, *sorted(set(present) - set(STATUS_ORDER))]
    return [
        *((key, label) for key, (label, _statuses) in STATUS_GROUPS.items()),
        *((status, status_label(status)) for status in singles),
    ]


def _same_twice(values: list[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _present_values(entries: QuerySet[AuditEntry], column: str) -> list[str]:
    return sorted({value for value in entries.order_by().values_list(column, flat=True).distinct() if value})


def action_choices(entries: QuerySet[AuditEntry]) -> list[tuple[str, str]]:
    # Actions another part of the app records later are offered as soon as one exists.
    present = set(_present_values(entries, "action"))
    return [
        (action, audit_action_filter_label(action))
        for action in (*AUDIT_ACTIONS, *sorted(present - set(AUDIT_ACTIONS)))
    ]


# The review page -----------------------------------------------------------------------------------------


class ReviewFilterForm(forms.Form):
    def clean_sort(self) -> list[str]:
        # The default order needs no mention in links or the address bar.
        sort = self.cleaned_data["sort"]
        return [] if sort == [DEFAULT_SORT] else sort


class ReviewFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=64, label=_("Name contains")
    )
    status = django_filters.ChoiceFilter(
        method="filter_status", label=_("Status"), empty_label=_("Any status"), widget=Select
    )
    owner = django_filters.ChoiceFilter(
        field_name="owner__username",
        label=_("Owner"),
        empty_label=_("Anyone"),
        null_value=UNKNOWN_OWNER,
        null_label=_("Unknown (imported)"),
        widget=Select,
    )
    flavor = django_filters.ChoiceFilter(label=_("Flavor"), empty_label=_("Any flavor"), widget=Select)
    billing = django_filters.ChoiceFilter(
        field_name="charging_mode",
        choices=BILLING_CHOICES,
        label=_("Billing"),
        empty_label=_("Any billing"),
        widget=Select,
    )
    # Offered only to an admin of several teams, over those teams (set per request, from the names the
    # access read: no query for the choices nor for the one chosen), saying what a ModelChoiceField says.
    team = django_filters.ChoiceFilter(
        label=_("Team"),
        empty_label=_("Every team"),
        widget=Select,
        error_messages={"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]},
    )
    age = django_filters.ChoiceFilter(
        method="filter_older_than",
        choices=AGE_CHOICES,
        label=_("Age"),
        empty_label=_("Any age"),
        widget=Select,
    )
    sort = SortFilter(widget=forms.HiddenInput)

    class Meta:
        model = DevServer
        fields: list[str] = []
        form = ReviewFilterForm

    def __init__(self, data: QueryDict, *, access: ReviewAccess) -> None:
        # The default order comes with the rows; a valid sort key replaces it.
        super().__init__(data, queryset=sorted_by_default(access.scope()))
        values = choices.filter_values(access.team_ids, with_no_team=access.every_row)
        self.filters["status"].extra["choices"] = status_choices(values.statuses)
        self.filters["owner"].extra["choices"] = _same_twice(values.owners)
        self.filters["flavor"].extra["choices"] = _same_twice(values.flavors)
        self.has_several_teams = len(access.team_ids) > 1
        if self.has_several_teams:
            self.filters["team"].extra["choices"] = list(access.team_names)
        else:
            del self.filters["team"]

    def filter_status(self, rows: QuerySet[DevServer], _name: str, value: str) -> QuerySet[DevServer]:
        if value in STATUS_GROUPS:
            _label, statuses = STATUS_GROUPS[value]
            return rows.filter(status__in=list(statuses))
        return rows.filter(status=value)

    def filter_older_than(self, rows: QuerySet[DevServer], _name: str, value: str) -> QuerySet[DevServer]:
        return rows.filter(created_at__lte=timezone.now() - datetime.timedelta(days=AGE_DAYS[value]))

    @property
    def current_sort(self) -> str:
        """The sort that applies, as a link would ask for it."""
        self.is_valid()  # the form has cleaned data only once it was validated
        return ",".join(self.form.cleaned_data.get("sort") or [DEFAULT_SORT])


# The audit trail -----------------------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class AuditFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), empty_label=_("Any action"))
    actor = django_filters.ChoiceFilter(
        field_name="actor__username",
        label=_("Who"),
        empty_label=_("Anyone"),
        null_value=SYSTEM_ACTOR,
        null_label=_("system (the worker)"),
    )
    instance = django_filters.CharFilter(
        field_name="devserver__name", lookup_expr="icontains", max_length=64, label=_("Instance name contains")
    )
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), empty_label=_("Any outcome"))
    # Whole days in the site's time zone, compared in the database so no date can overflow.
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=_date_input()
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=_date_input()
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = AuditFilterForm

    def __init__(self, data: QueryDict, *, entries: QuerySet[AuditEntry]) -> None:
        super().__init__(data, queryset=entries.order_by("-created_at", "-id"))
        self.filters["action"].extra["choices"] = action_choices(entries)
        self.filters["actor"].extra["choices"] = [
            (name, name) for name in _present_values(entries, "actor__username")
        ]
        self.filters["outcome"].extra["choices"] = [
            (outcome, audit_outcome_label(outcome)) for outcome in _present_values(entries, "outcome")
        ]


# Links that keep the filters -----------------------------------------------------------------------------


def _query_value(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value.pk)
    return str(value)


def valid_query(filterset: django_filters.FilterSet) -> QueryDict:
    """The filters that validated, as a query string for links that keep them (sorting, paging, export)."""
    filterset.is_valid()
    query = QueryDict(mutable=True)
    for name, value in filterset.form.cleaned_data.items():
        if value not in EMPTY_VALUES:
            query[name] = _query_value(value)
    return query
