"""The review page at any size: the same queries for 5 rows as for 60, choices without reading the
rows, sorts an index serves, the approval queue paged, and the CSV streamed a chunk at a time."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devservers.models import AWAITING_APPROVAL, DevServer, DevServerEvent, Membership, TeamPolicy
from devservers.review import exports
from devservers.review.sorting import sort_ordering, sorted_by_default
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, make_devserver

pytestmark = pytest.mark.django_db


def _rows(owner, account, team, count: int, *, prefix: str, **fields) -> None:
    for index in range(count):
        make_devserver(owner, account, team=team, name=f"{prefix}-{index:03d}", **fields)


def _queries(client, url: str, params: dict, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, **headers)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "params", "headers"),
    [
        ("devservers:review", {}, {}),
        ("devservers:review", {"status": "RUNNING", "sort": "-name"}, {"HTTP_HX_REQUEST": "true"}),
        ("devservers:review", {"flavor": GPU_FLAVOR, "sort": "owner", "page": "2"}, {}),
    ],
)
def test_the_review_page_costs_the_same_queries_for_5_rows_as_for_60(
    teammate, owner, account, team, url_name, params, headers
):
    _rows(owner, account, team, 3, prefix="cpu")
    _rows(owner, account, team, 2, prefix="gpu", flavor=GPU_FLAVOR, accelerator_count=1)
    client = logged_in(teammate)
    url = reverse(url_name)
    _queries(client, url, params, **headers)  # the first request of a session also saves the session
    small = _queries(client, url, params, **headers)
    _rows(owner, account, team, 30, prefix="more-cpu", status="STOPPED")
    _rows(owner, account, team, 25, prefix="more-gpu", flavor=GPU_FLAVOR, accelerator_count=1)
    assert _queries(client, url, params, **headers) == small


def test_the_review_costs_the_same_queries_whoever_owns_the_rows_and_whatever_they_cost(
    teammate, owner, outsider, account, team
):
    """More owners, requesters, prices, prepaid rows, histories and budgets: still the same queries,
    since the costs are summed in the database by price, not per row."""
    Membership.objects.create(team=team, user=outsider, role=Membership.Role.MEMBER)
    TeamPolicy.objects.update_or_create(
        team=team, defaults={"monthly_budget": Decimal("1000"), "member_monthly_budget": Decimal("100")}
    )
    _rows(owner, account, team, 2, prefix="cpu")
    _rows(owner, account, team, 2, prefix="wait", status=AWAITING_APPROVAL)
    # A shown prepaid row's cost cell needs its history (when its period began): one query more, at any size.
    _rows(owner, account, team, 1, prefix="prepaid", charging_mode="PRE_PAID", period_type="MONTH", period_num=1)
    client = logged_in(teammate)
    url = reverse("devservers:review")
    _queries(client, url, {})  # the first request of a session also saves the session
    small = _queries(client, url, {})

    for who in (owner, teammate, outsider, None):
        prefix = f"of-{who.username if who else 'nobody'}"
        _rows(who, account, team, 4, prefix=f"{prefix}-run")
        _rows(who, account, team, 3, prefix=f"{prefix}-wait", status=AWAITING_APPROVAL)
        _rows(who, account, team, 2, prefix=f"{prefix}-gpu", flavor=GPU_FLAVOR, accelerator_count=1)
        _rows(who, account, team, 2, prefix=f"{prefix}-odd", flavor="x9.unpriced", status="STOPPED")
        _rows(
            who, account, team, 2, prefix=f"{prefix}-prepaid",
            charging_mode="PRE_PAID", period_type="MONTH", period_num=1,
        )  # fmt: skip
    for row in DevServer.objects.filter(name__contains="-run-"):
        DevServerEvent.objects.create(
            devserver=row, kind=DevServerEvent.Kind.STATUS, status_from="CREATING", status_to="RUNNING"
        )

    assert _queries(client, url, {}) == small


def _rows_read(client, url: str, params: dict, **headers) -> int:
    """How many rows the database handed back to the request, over all its queries."""
    read = []

    def count_rows(execute, sql, query_params, many, context):
        result = execute(sql, query_params, many, context)
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            read.append(max(context["cursor"].rowcount, 0))
        return result

    with connection.execute_wrapper(count_rows):
        assert client.get(url, params, **headers).status_code == 200
    return sum(read)


def _a_team_of_rows(owner, teammate, account, team, round_number: int) -> None:
    prefix = f"r{round_number}"
    _rows(owner, account, team, 30, prefix=f"{prefix}-cpu")
    _rows(teammate, account, team, 5, prefix=f"{prefix}-gpu", flavor=GPU_FLAVOR, accelerator_count=1)
    _rows(owner, account, team, 22, prefix=f"{prefix}-wait", status=AWAITING_APPROVAL)
    _rows(
        teammate,
        account,
        team,
        3,
        prefix=f"{prefix}-pre",
        charging_mode="PRE_PAID",
        period_type="MONTH",
        period_num=1,
    )


@pytest.mark.parametrize("params", [{}, {"sort": "owner", "page": "2"}, {"q": "cpu", "billing": "POST_PAID"}])
def test_the_review_page_reads_the_same_rows_from_a_team_three_times_as_big(
    teammate, owner, account, team, params
):
    """Its totals, costs and queue are summed in the database: only a page of rows ever leaves it."""
    _a_team_of_rows(owner, teammate, account, team, 1)
    client = logged_in(teammate)
    url = reverse("devservers:review")
    _rows_read(client, url, params)  # the first request of a session also saves the session
    before = _rows_read(client, url, params)

    _a_team_of_rows(owner, teammate, account, team, 2)
    _a_team_of_rows(owner, teammate, account, team, 3)

    assert _rows_read(client, url, params) == before


def test_the_filter_choices_come_from_the_index_and_the_memberships(teammate, owner, account, team):
    make_devserver(owner, account, team=team, name="odd", status="HIBERNATING", flavor="x9.huge")
    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    assert '<option value="HIBERNATING">' in page
    assert '<option value="x9.huge">' in page
    assert '<option value="alice">' in page and '<option value="bob">' in page


def test_no_sort_asks_for_nulls_last_on_a_column_that_has_none():
    default_sql = str(sorted_by_default(DevServer.objects.all()).query)
    assert "NULLS" not in default_sql
    assert default_sql.endswith('"created_at" DESC, "devservers_devserver"."id" DESC')
    for key in ("name", "-name", "status", "-status", "flavor", "-flavor", "age", "-age"):
        assert "NULLS" not in str(DevServer.objects.order_by(*sort_ordering([key])).query), key
    assert "NULLS LAST" in str(DevServer.objects.order_by(*sort_ordering(["owner"])).query)


def test_the_approval_queue_is_paged(teammate, owner, account, team):
    _rows(owner, account, team, 23, prefix="wait", status=AWAITING_APPROVAL)
    client = logged_in(teammate)

    first = client.get(reverse("devservers:review")).content.decode()
    assert len(re.findall(r'id="pending-\d+"', first)) == 20
    assert "Requests 1–20 of 23" in first
    second = client.get(reverse("devservers:review"), {"pending_page": "2"}).content.decode()
    assert len(re.findall(r'id="pending-\d+"', second)) == 3
    assert 'data-pending="prev"' in second


def test_an_outsider_gets_404_whatever_the_new_parameters(owner, outsider, account, team):
    _rows(owner, account, team, 3, prefix="wait", status=AWAITING_APPROVAL)
    client = logged_in(outsider)
    for url_name in ("devservers:review", "devservers:review-csv"):
        response = client.get(reverse(url_name), {"pending_page": "2", "sort": "owner"})
        assert response.status_code == 404
        assert b"wait-" not in response.content


def test_the_csv_streams_every_row_a_chunk_at_a_time(teammate, owner, account, team, monkeypatch):
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 7)
    _rows(owner, account, team, 30, prefix="box")
    client = logged_in(teammate)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("devservers:review-csv"), {"sort": "name"})
        assert response.streaming
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [line[0] for line in lines[1:]] == [f"box-{index:03d}" for index in range(30)]
    assert all(line[12] and line[14] for line in lines[1:])
    # Priced per chunk (five chunks of at most seven rows), never all rows at once.
    many_chunk_queries = len(captured)
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 1000)
    assert _queries(client, reverse("devservers:review-csv"), {"sort": "name"}) < many_chunk_queries
