"""The team admin's review page, its CSV export and the audit trail: who may see them, every
filter, search, sort key and page, the totals, the export's content and the audit filters."""

import csv
import datetime
import io
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devservers import live
from devservers.models import AWAITING_APPROVAL, AuditEntry, DevServer, Membership, Team
from devservers.requesting import services as requesting
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, make_devserver

pytestmark = pytest.mark.django_db

CPU_FLAVOR = "Si2.large.4"
PAGE_URLS = ("devservers:review", "devservers:review-csv", "devservers:audit")


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def other_admin(db, django_user_model):
    return django_user_model.objects.create_user("dave")


@pytest.fixture
def other_team(db, account, other_admin) -> Team:
    """dave administers another team on the same account."""
    other = Team.objects.create(name="other-team")
    other.accounts.add(account)
    Membership.objects.create(team=other, user=other_admin, role=Membership.Role.ADMIN)
    make_devserver(other_admin, account, team=other, name="other-box", flavor=GPU_FLAVOR, accelerator_count=8)
    return other


@pytest.fixture
def fleet(team, other_team, owner, teammate, account) -> dict[str, DevServer]:
    """A team's instances, one trait apart from each other, plus the other team's row."""
    rows = [
        make_devserver(owner, account, team=team, name="run-gpu", flavor=GPU_FLAVOR, accelerator_count=1),
        make_devserver(
            teammate,
            account,
            team=team,
            name="stopped-old",
            status="STOPPED",
            charging_mode="PRE_PAID",
            period_type="MONTH",
            period_num=1,
            created_at=days_ago(10),
        ),
        make_devserver(
            owner, account, team=team, name="creating-x", status="CREATING", created_at=days_ago(2)
        ),
        make_devserver(
            None,
            account,
            team=team,
            name="imported-y",
            is_imported=True,
            private_ip="192.168.0.9",
            created_at=days_ago(40),
        ),
        make_devserver(
            owner,
            account,
            team=team,
            name="waits",
            flavor=GPU_FLAVOR,
            accelerator_count=1,
            status=AWAITING_APPROVAL,
            approval_reasons=["accelerator flavor"],
        ),
        make_devserver(
            owner,
            account,
            team=team,
            name="deleted-z",
            flavor=GPU_FLAVOR,
            accelerator_count=8,
            status="DELETED",
        ),
    ]
    return {row.name: row for row in rows}


def shown_names(response) -> list[str]:
    """The names of the team-instance rows on the page, in the order shown."""
    assert response.status_code == 200, response.status_code
    ids = [int(found) for found in re.findall(r'id="review-row-(\d+)"', response.content.decode())]
    names = dict(DevServer.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [names[row_id] for row_id in ids]


def review(client: Client, **params) -> object:
    return client.get(reverse("devservers:review"), params)


def total(page: str, name: str) -> int:
    return int(re.search(rf'data-total="{name}">(\d+)<', page).group(1))


# Who may use the pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", PAGE_URLS)
@pytest.mark.parametrize("who", ["outsider", "owner"])
def test_it_answers_404_to_outsiders_and_plain_members(request, fleet, url_name, who):
    client = logged_in(request.getfixturevalue(who))
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse(url_name), **headers)
        assert response.status_code == 404
        assert b"run-gpu" not in response.content


@pytest.mark.parametrize(
    ("url_name", "own_team_mark"),
    [
        ("devservers:review", b">other-box</a>"),  # the other team's row
        ("devservers:review-csv", b"\r\nother-box,"),  # its row in the export
        ("devservers:audit", b"<td>foreign-outcome</td>"),  # its audit entry
    ],
)
def test_an_admin_of_another_team_sees_only_that_team(fleet, trail, other_admin, url_name, own_team_mark):
    response = logged_in(other_admin).get(reverse(url_name))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert b"run-gpu" not in body and b">waits<" not in body and b"req-approve" not in body
    assert own_team_mark in body


@pytest.mark.parametrize("url_name", PAGE_URLS)
def test_it_answers_404_to_a_user_who_administers_no_team(owner, url_name):
    assert logged_in(owner).get(reverse(url_name)).status_code == 404


@pytest.mark.parametrize("url_name", PAGE_URLS)
def test_it_asks_anonymous_users_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_sends_an_anonymous_poll_to_the_login_page(client):
    response = client.get(reverse("devservers:review"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_it_shows_pending_approvals_first_and_only_the_admins_teams(teammate, fleet):
    page = review(logged_in(teammate)).content.decode()

    pending = page.split('id="pending-heading"')[1].split('id="all-heading"')[0]
    assert "waits" in pending and "Approve waits" in pending and "run-gpu" not in pending
    assert set(shown_names(review(logged_in(teammate)))) == {
        "run-gpu", "stopped-old", "creating-x", "imported-y", "waits", "deleted-z",
    }  # fmt: skip
    assert "other-box" not in page


def test_a_superuser_reviews_every_team(fleet, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=None)
    names = shown_names(review(logged_in(root)))
    assert "other-box" in names and "run-gpu" in names
    assert 'name="team"' in review(logged_in(root)).content.decode()


# Filters and search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"run-gpu", "stopped-old", "creating-x", "imported-y", "waits", "deleted-z"}),
        ({"status": "RUNNING"}, {"run-gpu", "imported-y"}),
        ({"status": "changing"}, {"creating-x"}),
        ({"status": "AWAITING_APPROVAL"}, {"waits"}),
        ({"status": "DELETED"}, {"deleted-z"}),
        ({"owner": "unknown"}, {"imported-y"}),
        ({"owner": "bob"}, {"stopped-old"}),
        ({"owner": "alice"}, {"run-gpu", "creating-x", "waits", "deleted-z"}),
        ({"flavor": GPU_FLAVOR}, {"run-gpu", "waits", "deleted-z"}),
        ({"billing": "PRE_PAID"}, {"stopped-old"}),
        ({"billing": "POST_PAID"}, {"run-gpu", "creating-x", "imported-y", "waits", "deleted-z"}),
        ({"age": "1d"}, {"stopped-old", "creating-x", "imported-y"}),
        ({"age": "7d"}, {"stopped-old", "imported-y"}),
        ({"age": "30d"}, {"imported-y"}),
        ({"q": "OLD"}, {"stopped-old"}),
        ({"q": "-"}, {"run-gpu", "stopped-old", "creating-x", "imported-y", "deleted-z"}),
        ({"q": "nothing-like-it"}, set()),
        ({"status": "RUNNING", "owner": "alice"}, {"run-gpu"}),
        ({"flavor": GPU_FLAVOR, "status": "changing"}, set()),
    ],
)
def test_each_filter_and_the_search_narrow_the_rows(teammate, fleet, params, expected):
    response = review(logged_in(teammate), **params)
    assert set(shown_names(response)) == expected
    if not expected:
        assert "No instance matches these filters." in response.content.decode()


def test_the_form_keeps_the_values_it_was_sent(teammate, fleet):
    page = review(logged_in(teammate), q="old", status="changing", owner="unknown", age="7d").content.decode()
    assert 'name="q" value="old"' in page
    assert '<option value="changing" selected>' in page
    assert '<option value="unknown" selected>' in page
    assert '<option value="7d" selected>' in page


def test_a_status_the_app_does_not_know_is_offered_once_a_row_has_it(teammate, fleet, team, account):
    make_devserver(None, account, team=team, name="odd", status="HIBERNATING")
    client = logged_in(teammate)
    assert '<option value="HIBERNATING">' in review(client).content.decode()
    assert shown_names(review(client, status="HIBERNATING")) == ["odd"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "EXPLODED"}, "status"),
        ({"owner": "zed"}, "owner"),
        ({"owner": "charlie"}, "owner"),  # a user of another team only
        ({"flavor": "x1.mega"}, "flavor"),
        ({"billing": "FREE"}, "billing"),
        ({"age": "99d"}, "age"),
        ({"q": "x" * 65}, "q"),
    ],
)
def test_an_invalid_filter_is_ignored_with_a_message_at_its_field(teammate, fleet, params, field):
    response = review(logged_in(teammate), owner="bob", **params) if field != "owner" else None
    if response is not None:
        # The invalid value is dropped; the valid owner filter still applies.
        assert shown_names(response) == ["stopped-old"]
    else:
        response = review(logged_in(teammate), **params)
        assert len(shown_names(response)) == 6
    page = response.content.decode()
    error = page.split(f'id="filter-error-{field}">')[1].split("</span>")[0]
    assert error.strip(), f"no message at {field}"
    assert "has-error" in page


def test_a_team_filter_appears_for_an_admin_of_several_teams(teammate, fleet, team, account, owner):
    second = Team.objects.create(name="vision")
    Membership.objects.create(team=second, user=teammate, role=Membership.Role.ADMIN)
    make_devserver(owner, account, team=second, name="second-box")
    member_only = Team.objects.create(name="speech")
    Membership.objects.create(team=member_only, user=teammate, role=Membership.Role.MEMBER)
    make_devserver(owner, account, team=member_only, name="not-administered")
    client = logged_in(teammate)

    page = review(client).content.decode()
    assert 'name="team"' in page and "<th>Team</th>" in page
    assert "not-administered" not in page
    assert shown_names(review(client, team=second.pk)) == ["second-box"]
    assert "second-box" not in shown_names(review(client, team=team.pk))
    foreign = review(client, team=member_only.pk)
    assert len(shown_names(foreign)) == 7 and "not-administered" not in foreign.content.decode()
    assert "Select a valid choice" in foreign.content.decode().split('id="filter-error-team">')[1]


def test_an_admin_of_one_team_gets_no_team_filter(teammate, fleet):
    page = review(logged_in(teammate), team="1").content.decode()
    assert 'name="team"' not in page
    assert "<th>Team</th>" not in page.split('aria-label="Team instances"')[1]
    assert len(shown_names(review(logged_in(teammate), team="1"))) == 6


# Sorting -------------------------------------------------------------------------------------------------


SORT_VALUES = {
    "name": lambda row: row.name,
    "status": lambda row: row.status,
    "owner": lambda row: row.owner.username if row.owner else None,
    "flavor": lambda row: row.flavor,
    "age": lambda row: -row.created_at.timestamp(),
}


@pytest.mark.parametrize("key", list(SORT_VALUES))
@pytest.mark.parametrize("descending", [False, True])
def test_each_sort_key_orders_the_rows_both_ways(teammate, fleet, key, descending):
    sort = f"-{key}" if descending else key
    names = shown_names(review(logged_in(teammate), sort=sort))
    rows = {row.name: row for row in DevServer.objects.filter(name__in=names)}
    values = [SORT_VALUES[key](rows[name]) for name in names]

    known = [value for value in values if value is not None]
    assert values == known + [None] * (len(values) - len(known)), "rows without a value come last"
    assert known == sorted(known, reverse=descending)
    assert len(set(known)) > 1  # the order says something


def test_the_header_links_toggle_the_direction_and_keep_the_filters(teammate, fleet):
    page = review(logged_in(teammate), status="RUNNING", sort="name").content.decode()
    name_header = page.split('data-sort="name">')[1].split("</th>")[0]
    assert 'aria-sort="ascending" data-sort="name"' in page
    assert "status=RUNNING&amp;sort=-name" in name_header and "▲" in name_header
    owner_header = page.split('data-sort="owner">')[1].split("</th>")[0]
    assert "status=RUNNING&amp;sort=owner" in owner_header


def test_an_unknown_sort_key_falls_back_to_the_newest_first(teammate, fleet):
    response = review(logged_in(teammate), sort="admin_pass_encrypted")
    names = shown_names(response)
    assert names[0] in {"run-gpu", "waits", "deleted-z"} and names[-1] == "imported-y"
    assert "Ignored sort" in response.content.decode()


def test_several_sort_keys_order_by_each_in_turn(teammate, fleet):
    names = shown_names(review(logged_in(teammate), sort="status,-name"))
    assert names == ["waits", "creating-x", "deleted-z", "run-gpu", "imported-y", "stopped-old"]


def test_a_sort_with_an_unknown_key_among_known_ones_is_ignored(teammate, fleet):
    response = review(logged_in(teammate), sort="name,owner__password")
    assert shown_names(response)[-1] == "imported-y"  # the newest first, as without a sort
    assert "Ignored sort" in response.content.decode()


# Paging --------------------------------------------------------------------------------------------------


@pytest.fixture
def thirty_rows(team, owner, account) -> list[DevServer]:
    return [
        make_devserver(owner, account, team=team, name=f"box-{index:02d}", created_at=days_ago(index))
        for index in range(30)
    ]


def test_it_pages_25_rows_at_a_time_without_overlap(teammate, thirty_rows):
    client = logged_in(teammate)
    first = shown_names(review(client, sort="name"))
    second_response = review(client, sort="name", page=2)
    second = shown_names(second_response)

    assert len(first) == 25 and len(second) == 5
    assert first + second == [f"box-{index:02d}" for index in range(30)]
    assert "Page 2 of 2" in second_response.content.decode()


def test_the_pager_keeps_the_filters(teammate, thirty_rows):
    page = review(logged_in(teammate), q="box", sort="-name").content.decode()
    assert "?q=box&amp;sort=-name&amp;page=2" in page


@pytest.mark.parametrize(
    ("number", "shown_page", "notice"),
    [
        ("abc", 1, True),
        ("0", 2, True),
        ("-1", 2, True),
        ("99", 2, True),
        ("1" * 40, 2, True),
        ("", 1, False),
        ("2", 2, False),
    ],
)
def test_a_bad_page_number_gives_a_page_that_exists(teammate, thirty_rows, number, shown_page, notice):
    response = review(logged_in(teammate), page=number)
    page = response.content.decode()
    assert f"Page {shown_page} of 2" in page
    assert len(shown_names(response)) == (25 if shown_page == 1 else 5)
    assert ("There is no page" in page) is notice


# Totals --------------------------------------------------------------------------------------------------


def test_the_totals_count_running_changing_waiting_flavors_and_accelerators(teammate, fleet, team, account):
    for status in ("REJECTED", "DECLINED", "CREATE_FAILED"):
        make_devserver(None, account, team=team, name=f"gone-{status.lower()}", status=status,
                       flavor=GPU_FLAVOR, accelerator_count=8)  # fmt: skip
    page = review(logged_in(teammate)).content.decode()

    assert total(page, "total") == 9
    assert total(page, "running") == 2
    assert total(page, "changing") == 1
    assert total(page, "awaiting") == 1
    # run-gpu and waits hold one each; deleted, rejected, declined and failed rows hold none,
    # and the other team's eight are not this team's.
    assert total(page, "accelerators") == 2
    flavors = dict(
        re.findall(r'data-flavor="([^"]+)"><span class="mono">[^<]+</span> <strong>(\d+)</strong>', page)
    )
    assert flavors == {GPU_FLAVOR: "6", CPU_FLAVOR: "3"}


def test_the_totals_follow_the_filters(teammate, fleet):
    page = review(logged_in(teammate), owner="alice").content.decode()
    assert total(page, "total") == 4
    assert total(page, "running") == 1
    assert total(page, "accelerators") == 2
    assert CPU_FLAVOR in page.split('aria-label="Instances by flavor"')[1].split("</ul>")[0]


# HTMX: the fragment, the pushed URL and the poll --------------------------------------------------------


def test_an_htmx_request_gets_the_results_and_a_clean_url_to_push(teammate, fleet):
    response = logged_in(teammate).get(
        reverse("devservers:review"),
        {"q": "", "status": "RUNNING", "owner": "", "flavor": "", "sort": "name"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="review-results"' in body
    # A filter changes neither the queue of approvals nor the alerts: they are left as they are.
    assert "pending-heading" not in body and 'id="review-alerts"' not in body
    assert response["HX-Push-Url"] == reverse("devservers:review") + "?status=RUNNING&sort=name"
    assert 'id="review-sort" value="name" hx-swap-oob="true"' in body
    assert shown_names(response) == ["imported-y", "run-gpu"]


def test_a_history_restore_gets_the_whole_page(teammate, fleet):
    response = logged_in(teammate).get(
        reverse("devservers:review"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_poll_costs_nothing_until_the_team_changes(teammate, fleet, django_capture_on_commit_callbacks):
    client = logged_in(teammate)
    page = review(client, status="changing").content.decode()
    token = re.search(r'hx-vals=\'\{"v": "([^"]+)"\}\'', page).group(1)
    poll_url = re.search(r'<span hidden hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "status=changing" in poll_url

    poll_url += "&" + urlencode({"v": token})

    unchanged = client.get(poll_url, HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        requesting.approve_request(devserver_id=fleet["waits"].pk, actor=teammate)
    changed = client.get(poll_url, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    assert set(shown_names(changed)) == {"creating-x", "waits"}  # waits is QUEUED now
    assert "HX-Push-Url" not in changed


def test_another_users_poll_token_is_not_accepted(teammate, outsider, other_admin, fleet):
    token = live.view_token(user_id=teammate.pk, scopes=["all"])
    for user in (outsider, other_admin):
        response = logged_in(user).get(reverse("devservers:review"), {"v": token}, HTTP_HX_REQUEST="true")
        assert response.status_code in (200, 404) and "run-gpu" not in response.content.decode()


# The CSV export ------------------------------------------------------------------------------------------


def exported(client: Client, **params) -> list[list[str]]:
    response = client.get(reverse("devservers:review-csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="devservers-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_holds_a_header_and_every_filtered_row(teammate, fleet):
    rows = exported(logged_in(teammate), status="RUNNING", sort="name")

    assert rows[0] == [
        "name", "status", "owner", "team", "flavor", "accelerators", "image", "billing",
        "availability zone", "private IP", "cloud id", "created at",
        "cost per hour", "spend this month", "currency",
    ]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["imported-y", "run-gpu"]
    imported, run_gpu = rows[1], rows[2]
    assert imported[1:4] == ["RUNNING", "", "ml-platform"]
    assert imported[9] == "192.168.0.9"
    assert run_gpu[2] == "alice" and run_gpu[4] == GPU_FLAVOR and run_gpu[5] == "1"
    assert run_gpu[6] == "Ubuntu18.04_x86_64_CPU" and run_gpu[7] == "POST_PAID"
    created = datetime.datetime.fromisoformat(run_gpu[11])
    assert created.tzinfo is not None
    assert created == DevServer.objects.get(name="run-gpu").created_at


def test_the_csv_holds_every_page_and_only_the_admins_teams(teammate, thirty_rows, other_team):
    names = [row[0] for row in exported(logged_in(teammate))[1:]]
    assert len(names) == 30 and "other-box" not in names


def test_the_csv_defuses_cells_a_spreadsheet_would_run(teammate, team, account):
    make_devserver(
        None, account, team=team, name="=HYPERLINK(1)", image_name="+cmd", availability_zone="@SUM(A1)",
        cloud_id="-2+3", private_ip="\tx",
    )  # fmt: skip
    row = exported(logged_in(teammate))[1]
    assert row[0] == "'=HYPERLINK(1)"
    assert row[6] == "'+cmd" and row[8] == "'@SUM(A1)" and row[10] == "'-2+3" and row[9] == "'\tx"
    assert row[5] == "0"  # numbers are left alone


def test_the_csv_ignores_invalid_filters(teammate, fleet):
    rows = exported(logged_in(teammate), status="BOGUS", sort="nope", owner="bob")
    assert [row[0] for row in rows[1:]] == ["stopped-old"]


# The audit trail -----------------------------------------------------------------------------------------


@pytest.fixture
def trail(team, other_team, owner, teammate, other_admin, fleet) -> None:
    waits, run_gpu = fleet["waits"], fleet["run-gpu"]
    entries = [
        (owner, "request", waits, "awaiting_approval", days_ago(3)),
        (teammate, "approve", waits, "approved", days_ago(2)),
        (None, "create", waits, "ok", days_ago(2)),
        (owner, "stop", run_gpu, "ok", days_ago(1)),
        (teammate, "delete", run_gpu, "permanent", timezone.now()),
    ]
    for actor, action, devserver, outcome, when in entries:
        AuditEntry.objects.create(
            team=team, actor=actor, action=action, devserver=devserver, outcome=outcome, created_at=when,
            request_id=f"req-{action}",
        )  # fmt: skip
    AuditEntry.objects.create(team=other_team, actor=other_admin, action="request", outcome="foreign-outcome")


def audit_rows(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    page = response.content.decode()
    return re.findall(
        r'<tr id="audit-\d+" data-action="(\w+)">.*?<td>([^<]*)</td>\s*<td>[^<]+</td>', page, re.S
    )


def audit_action_labels(response) -> list[str]:
    """The action column as people read it."""
    return re.findall(r'<tr id="audit-\d+" data-action="\w+">.*?<td>[^<]*</td>\s*<td>([^<]+)</td>',
                      response.content.decode(), re.S)  # fmt: skip


def audit(client: Client, **params):
    return client.get(reverse("devservers:audit"), params)


def test_the_audit_trail_lists_the_admins_teams_newest_first(teammate, trail):
    response = audit(logged_in(teammate))
    page = response.content.decode()
    assert [action for action, _who in audit_rows(response)] == [
        "delete",
        "stop",
        "create",
        "approve",
        "request",
    ]
    assert "foreign-outcome" not in page and "req-approve" in page
    assert "system" in [who for _action, who in audit_rows(response)]
    assert audit_action_labels(response) == [
        "Delete call",
        "Stop call",
        "Create call",
        "Approved",
        "Requested",
    ]
    assert "<td>Awaiting approval</td>" in page and ">awaiting_approval<" not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "approve"}, ["approve"]),
        ({"action": "stop"}, ["stop"]),
        ({"action": "reboot"}, []),
        ({"actor": "alice"}, ["stop", "request"]),
        ({"actor": "system"}, ["create"]),
        ({"instance": "RUN-"}, ["delete", "stop"]),
        ({"outcome": "ok"}, ["stop", "create"]),
        ({"date_from": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}, ["delete", "stop"]),
        (
            {"date_to": (timezone.localdate() - datetime.timedelta(days=2)).isoformat()},
            ["create", "approve", "request"],
        ),
        (
            {
                "date_from": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
                "date_to": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            },
            ["stop", "create", "approve"],
        ),
        ({"actor": "bob", "action": "delete"}, ["delete"]),
    ],
)
def test_each_audit_filter_narrows_the_entries(teammate, trail, params, expected):
    response = audit(logged_in(teammate), **params)
    assert [action for action, _who in audit_rows(response)] == expected


def test_audit_filters_that_do_not_validate_are_ignored_with_a_message(teammate, trail):
    client = logged_in(teammate)
    today = timezone.localdate()
    backwards = audit(
        client, date_from=today.isoformat(), date_to=(today - datetime.timedelta(days=5)).isoformat()
    )
    page = backwards.content.decode()
    assert "The end date is before the start date." in page.split('id="filter-error-date_to">')[1]
    assert [action for action, _who in audit_rows(backwards)] == ["delete"]  # the start date still applies

    for params, field in (
        ({"date_from": "2024-13-45"}, "date_from"),
        ({"date_to": "99999-01-01"}, "date_to"),
        ({"action": "drop_table"}, "action"),
        ({"actor": "zed"}, "actor"),
        ({"outcome": "whatever"}, "outcome"),
    ):
        response = audit(client, **params)
        assert len(audit_rows(response)) == 5, params
        assert response.content.decode().split(f'id="filter-error-{field}">')[1].split("</span>")[0].strip()


def test_the_audit_trail_pages(teammate, team, fleet):
    for index in range(55):
        AuditEntry.objects.create(team=team, actor=teammate, action="request", detail=f"entry {index}")
    client = logged_in(teammate)
    assert len(audit_rows(audit(client))) == 50
    second = audit(client, page=2)
    assert len(audit_rows(second)) == 5 and "Page 2 of 2" in second.content.decode()
    assert "There is no page" in audit(client, page="x").content.decode()
    assert "?action=request&amp;page=2" in audit(client, action="request").content.decode()


def test_the_audit_trail_is_read_only(teammate, trail):
    client = logged_in(teammate)
    page = audit(client).content.decode()
    assert 'method="post"' not in page.split("<main>")[1]
    assert client.post(reverse("devservers:audit")).status_code == 405
    assert AuditEntry.objects.count() == 6


def test_an_htmx_audit_request_gets_the_results_and_a_clean_url(teammate, trail):
    response = logged_in(teammate).get(
        reverse("devservers:audit"), {"action": "stop", "actor": "", "instance": ""}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.content.decode()
    assert response["HX-Push-Url"] == reverse("devservers:audit") + "?action=stop"
    assert [action for action, _who in audit_rows(response)] == ["stop"]


def test_an_htmx_audit_request_puts_each_message_at_its_field(teammate, trail):
    today = timezone.localdate()
    response = logged_in(teammate).get(
        reverse("devservers:audit"),
        {"date_from": today.isoformat(), "date_to": (today - datetime.timedelta(days=1)).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert (
        '<span class="field-error" id="filter-error-date_to" hx-swap-oob="true">'
        "The end date is before the start date.</span>"
    ) in body
    assert '<span class="field-error" id="filter-error-date_from" hx-swap-oob="true"></span>' in body
    assert response["HX-Push-Url"] == reverse("devservers:audit") + f"?date_from={today.isoformat()}"
