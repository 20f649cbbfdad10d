"""The review page at any size: the same queries for 5 rows as for 60, choices without reading the
rows, sorts an index serves, the approval queue paged, and the CSV streamed a chunk at a time."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devservers.models import AWAITING_APPROVAL, DevServer
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
