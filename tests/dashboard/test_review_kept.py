"""The review page's totals and costs read from the tallies kept on write give what the filtered rows
give, for every filter; the page reads no row's events nor groups its rows for them, unless a filter
needs the rows (a name search, an age), when it counts the rows as before."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devservers import tallies
from devservers.costs.selectors import CostTotals, cost_totals
from devservers.history import set_status
from devservers.review import kept
from devservers.review.access import review_access
from devservers.review.filtersets import ReviewFilterSet
from devservers.review.totals import review_totals
from tests.fixtures.dashboard import logged_in

from .costs_world import CPU_FLAVOR
from .test_costs_aggregates import history_rows  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
# The event SQL of `costs.aggregates` and the rows' own GROUP BY of `review.totals`, as they read.
EVENT_SUMS = "ev.devserver_id"
ROW_TOTALS = 'SUM("devservers_devserver"."accelerator_count")'
# (query, the status tally answers, the billing ledger answers)
FILTERS = [
    ({}, True, True),
    ({"owner": "alice"}, True, True),
    ({"owner": "unknown"}, True, True),
    ({"flavor": CPU_FLAVOR}, True, True),
    ({"status": "RUNNING"}, True, True),
    ({"status": "changing"}, True, True),
    ({"billing": "PRE_PAID"}, False, True),
    ({"owner": "bob", "billing": "POST_PAID", "sort": "-name"}, False, True),
    ({"q": "prepaid"}, False, False),
    ({"age": "1d"}, False, False),
]


def _money(total: CostTotals) -> tuple:
    def lines(found: list) -> list:
        return [(line.label, line.servers, line.per_hour.amounts, line.per_hour.unpriced) for line in found]

    return (total.per_hour.amounts, total.per_hour.unpriced, total.billing, *(lines(found) for _, found in total.by))


@pytest.mark.parametrize(("query", "by_status_tally", "by_ledger"), FILTERS)
def test_the_totals_and_costs_from_the_tallies_equal_those_from_the_rows(
    history_rows, teammate, query, by_status_tally, by_ledger  # noqa: F811
):
    tallies.compact()  # keys of several rows, and then changes not yet folded, as a live tally has
    set_status(history_rows.get(name="no-events-stopped"), "RUNNING")
    set_status(history_rows.get(name="gpu"), "STOPPED")
    reviewer = review_access(teammate)  # bob administers the team
    filterset = ReviewFilterSet(QueryDict(urlencode(query)), access=reviewer)
    rows = filterset.qs
    status_rows = kept.status_tally_rows(filterset, reviewer)
    ledger_rows = kept.billing_ledger_rows(filterset, reviewer)
    now = timezone.now()

    assert (status_rows is not None, ledger_rows is not None) == (by_status_tally, by_ledger)
    assert review_totals(rows, status_rows) == review_totals(rows)
    from_ledger = cost_totals(rows, now=now, shown=[], kept=ledger_rows)
    from_rows = cost_totals(rows, now=now, shown=[])
    assert _money(from_ledger) == _money(from_rows)
    spent, counted = from_ledger.spend_this_month, from_rows.spend_this_month
    assert spent.unpriced == counted.unpriced
    assert spent.amounts.keys() == counted.amounts.keys()
    for currency, amount in spent.amounts.items():
        # The rows round each row's billed time to a second; the ledger sums the exact time.
        assert abs(amount - counted.amounts[currency]) < Decimal("0.01") * rows.count()


def test_the_page_sums_no_row_and_no_event_when_its_filters_name_kept_fields(history_rows, teammate):  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        response = logged_in(teammate).get(reverse("devservers:review"), {"owner": "alice", "status": "RUNNING"})

    assert response.status_code == 200
    assert response.context["totals"].total == history_rows.filter(owner__username="alice", status="RUNNING").count()
    sql = [query["sql"] for query in captured]
    assert not [query for query in sql if ROW_TOTALS in query]
    assert any("devservers_statustally" in query for query in sql)
    # The ledger keeps no status: with a status filter the spend is summed from the events.
    assert any(EVENT_SUMS in query for query in sql)

    with CaptureQueriesContext(connection) as captured:
        # bob's rows all have known prices (rows of unknown price are counted from their events).
        response = logged_in(teammate).get(reverse("devservers:review"), {"owner": "bob"})

    sql = [query["sql"] for query in captured]
    assert response.status_code == 200
    assert not [query for query in sql if ROW_TOTALS in query or EVENT_SUMS in query]
    assert any("devservers_billingtally" in query for query in sql)


def test_a_name_search_counts_the_rows_as_before(history_rows, teammate):  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        response = logged_in(teammate).get(reverse("devservers:review"), {"q": "prepaid"})

    assert response.status_code == 200
    assert response.context["totals"].total == history_rows.filter(name__icontains="prepaid").count() == 3
    sql = [query["sql"] for query in captured]
    assert any(ROW_TOTALS in query for query in sql) and any(EVENT_SUMS in query for query in sql)
    # Only the approval queue's length, which no filter narrows, still comes from the status tally.
    kept_reads = [query for query in sql if "devservers_statustally" in query or "devservers_billingtally" in query]
    assert [query for query in kept_reads if "'AWAITING_APPROVAL'" not in query] == []
