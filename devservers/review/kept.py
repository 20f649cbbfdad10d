"""The review's filters applied to the tallies kept on write (`models/tallies.py`, `models/ledger.py`),
so its totals and its costs sum a few rows per key instead of every filtered server.

Each tally keeps some of the servers' fields; a filter on another (the name, the age) needs the
servers themselves, and the page then counts them as before.
"""

import django_filters
from django.db.models import QuerySet, Sum
from django_filters.constants import EMPTY_VALUES

from devservers import tallies
from devservers.models import AWAITING_APPROVAL, BillingTally, StatusTally
from devservers.review.access import ReviewAccess

# The review's filters each tally can apply itself, by the fields it keeps.
STATUS_TALLY_FILTERS = frozenset({"team", "owner", "flavor", "status"})
BILLING_LEDGER_FILTERS = frozenset({"team", "owner", "flavor", "billing", "status"})


def narrowed(filterset: django_filters.FilterSet, kept: QuerySet, answers: frozenset[str]) -> QuerySet | None:
    """`kept` filtered by the filters that apply, with the filterset's own filters (one source for
    each), or None when one of them is not among those `kept`'s model `answers`. The sort is no filter."""
    filterset.is_valid()
    applied = {
        name: value
        for name, value in filterset.form.cleaned_data.items()
        if name != "sort" and value not in EMPTY_VALUES
    }
    if not applied.keys() <= answers:
        return None
    for name, value in applied.items():
        kept = filterset.filters[name].filter(kept, value)
    return kept


def _scope(reviewer: ReviewAccess, model: type[StatusTally] | type[BillingTally]) -> QuerySet:
    every = model.objects.all()
    return every if reviewer.every_row else every.filter(team_id__in=reviewer.team_ids)


def status_tally_rows(filterset: django_filters.FilterSet, reviewer: ReviewAccess) -> QuerySet | None:
    """The status tally's rows for the filtered servers, where it is kept and can say."""
    if not tallies.kept_on_write():
        return None
    return narrowed(filterset, _scope(reviewer, StatusTally), STATUS_TALLY_FILTERS)


def billing_ledger_rows(filterset: django_filters.FilterSet, reviewer: ReviewAccess) -> QuerySet | None:
    """The billing ledger's rows for the filtered servers, where it is kept and can say."""
    if not tallies.kept_on_write():
        return None
    return narrowed(filterset, _scope(reviewer, BillingTally), BILLING_LEDGER_FILTERS)


def awaiting_approval(reviewer: ReviewAccess) -> int | None:
    """How many requests of the reviewer's teams wait for a decision, where the status tally is kept."""
    if not tallies.kept_on_write():
        return None
    waiting = StatusTally.objects.filter(team_id__in=reviewer.team_ids, status=AWAITING_APPROVAL)
    return waiting.aggregate(rows=Sum("rows"))["rows"] or 0
