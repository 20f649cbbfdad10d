"""The instance list at any size: keyset pages of 50, the scope, name search and status filter in the
address bar, the live poll over one page, and a query count that does not grow with the rows."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devservers import live
from devservers.instances.listing import PAGE_SIZE
from devservers.models import DevServer, DevServerEvent
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db


def _names(body: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', body)


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', body)
    return found.group(1).replace("&amp;", "&") if found else None


def _bulk_rows(owner, account, team, count: int, *, prefix: str = "box") -> list[DevServer]:
    return [make_devserver(owner, account, team=team, name=f"{prefix}-{index:03d}") for index in range(count)]


def test_it_pages_50_rows_newest_first_with_next_and_previous(owner, account, team):
    rows = _bulk_rows(owner, account, team, 120)
    newest_first = [row.name for row in reversed(rows)]
    client = logged_in(owner)

    first = client.get(reverse("devservers:list")).content.decode()
    assert _names(first) == newest_first[:PAGE_SIZE]
    assert _link(first, "prev") is None

    second = client.get(_link(first, "next")).content.decode()
    assert _names(second) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE]
    third = client.get(_link(second, "next")).content.decode()
    assert _names(third) == newest_first[2 * PAGE_SIZE :]
    assert _link(third, "next") is None

    back = client.get(_link(third, "prev")).content.decode()
    assert _names(back) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE]
    assert _names(client.get(_link(back, "prev")).content.decode()) == newest_first[:PAGE_SIZE]


def test_a_page_stays_the_same_when_rows_are_inserted_meanwhile(owner, account, team):
    _bulk_rows(owner, account, team, 70)
    client = logged_in(owner)
    first = client.get(reverse("devservers:list")).content.decode()
    second_before = _names(client.get(_link(first, "next")).content.decode())

    _bulk_rows(owner, account, team, 10, prefix="late")

    assert _names(client.get(_link(first, "next")).content.decode()) == second_before
    assert _names(client.get(reverse("devservers:list")).content.decode())[0] == "late-009"


def test_scope_search_and_status_filter_come_from_the_address_bar(owner, teammate, account, team):
    make_devserver(owner, account, team=team, name="mine-running")
    make_devserver(owner, account, team=team, name="mine-stopped", status="STOPPED")
    make_devserver(teammate, account, team=team, name="theirs-running")
    make_devserver(owner, account, name="mine-no-team", status="CREATING")
    client = logged_in(owner)

    def names(**params: str) -> set[str]:
        return set(_names(client.get(reverse("devservers:list"), params).content.decode()))

    assert names() == {"mine-running", "mine-stopped", "theirs-running", "mine-no-team"}
    assert names(scope="mine") == {"mine-running", "mine-stopped", "mine-no-team"}
    assert names(scope="team") == {"mine-running", "mine-stopped", "theirs-running"}
    assert names(q="RUNNING") == {"mine-running", "theirs-running"}
    assert names(status="STOPPED") == {"mine-stopped"}
    assert names(status="changing") == {"mine-no-team"}
    assert names(scope="team", q="mine", status="RUNNING") == {"mine-running"}
    # A value that is not a choice is dropped, never an error.
    assert names(scope="everyone", status="NOPE") == names()


def test_paging_links_and_the_poll_keep_the_filters(owner, account, team):
    _bulk_rows(owner, account, team, 60)
    client = logged_in(owner)

    page = client.get(reverse("devservers:list"), {"scope": "mine", "q": "box", "status": "RUNNING"})
    body = page.content.decode()

    older = _link(body, "next")
    assert "scope=mine" in older and "q=box" in older and "status=RUNNING" in older and "after=" in older
    poll_url = re.search(r'id="devserver-rows" hx-get="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "scope=mine" in poll_url and "q=box" in poll_url
    assert 'value="box"' in body and 'value="mine" selected' in body


def test_an_outsider_sees_nothing_of_the_team_whatever_the_parameters(owner, outsider, account, team):
    rows = _bulk_rows(owner, account, team, 5)
    client = logged_in(outsider)
    for params in (
        {},
        {"scope": "team"},
        {"scope": "all", "q": "box"},
        {"scope": "mine"},
        {"after": str(rows[-1].pk + 1)},
        {"before": "0"},
        {"status": "RUNNING"},
    ):
        for url in (reverse("devservers:list"), reverse("devservers:rows")):
            body = client.get(url, params, HTTP_HX_REQUEST="true").content.decode()
            assert "box-" not in body, (url, params)


def test_an_outsider_cannot_replay_a_team_members_list_token(owner, outsider, account, team):
    _bulk_rows(owner, account, team, 2)
    owners_page = logged_in(owner).get(reverse("devservers:list"), {"scope": "team"}).content.decode()
    token = owners_page.split('hx-vals=\'{"v": "')[1].split('"')[0]

    response = logged_in(outsider).get(
        reverse("devservers:rows"), {"v": token, "scope": "team"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "box-" not in response.content.decode()


def test_a_filtered_poll_with_nothing_new_runs_no_sql(owner, account, team, django_assert_num_queries):
    _bulk_rows(owner, account, team, 60)
    client = logged_in(owner)
    body = client.get(reverse("devservers:list"), {"scope": "team", "q": "box"}).content.decode()
    token = body.split('hx-vals=\'{"v": "')[1].split('"')[0]

    with django_assert_num_queries(0):
        response = client.get(
            reverse("devservers:rows"), {"v": token, "scope": "team", "q": "box"}, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 204


def test_the_mine_scope_does_not_wake_up_for_a_teammates_change(owner, teammate, account, team):
    client = logged_in(owner)
    body = client.get(reverse("devservers:list"), {"scope": "mine"}).content.decode()
    token = body.split('hx-vals=\'{"v": "')[1].split('"')[0]

    live._bump_now(live.scopes_of(make_devserver(teammate, account, team=team, name="theirs")))

    response = client.get(reverse("devservers:rows"), {"v": token, "scope": "mine"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params, HTTP_HX_REQUEST="true").status_code == 200
    return len(captured)


def _varied_rows(owner, account, team, count: int, *, prefix: str) -> None:
    """Rows that show every part of a list row: actions, progress notes (a late one with its next
    try), the slow, schedule-failed and imported flags, a delete waiting for its stop."""
    now = timezone.now()
    looks = [
        {"status": "RUNNING", "cloud_id": "c"},
        {"status": "CREATING", "cloud_id": "c", "flagged_slow_at": now},
        {"status": "QUEUED", "next_attempt_at": now + timedelta(minutes=1)},
        {"status": "STOPPING", "cloud_id": "c", "delete_when_stopped": True, "schedule_error": "no"},
        {"status": "STOPPED", "cloud_id": "c", "is_imported": True},
    ]
    for index in range(count):
        row = make_devserver(owner, account, team=team, name=f"{prefix}-{index:03d}", **looks[index % len(looks)])
        DevServerEvent.objects.create(
            devserver=row, kind=DevServerEvent.Kind.STATUS, status_to=row.status, created_at=now - timedelta(hours=1)
        )


@pytest.mark.parametrize(
    "params", [{}, {"scope": "team", "q": "box"}, {"status": "RUNNING", "after": "999999"}]
)
def test_the_list_costs_the_same_queries_for_5_rows_as_for_60(owner, teammate, account, team, params):
    _varied_rows(owner, account, team, 5, prefix="box")
    client = logged_in(teammate)  # the team's admin: every row shows its actions
    urls = (reverse("devservers:list"), reverse("devservers:rows"))
    _queries(client, urls[0], params)  # the first request of a session also loads and saves the session
    small = [_queries(client, url, params) for url in urls]
    _varied_rows(owner, account, team, 55, prefix="more")
    large = [_queries(client, url, params) for url in urls]
    assert small == large
