"""The review page's fixed cost: the admin's teams read once, the filters' choices in one query (for
a superuser too, over every team and the rows of none), the totals in one, the schedule alerts in
one, and each the same answer as the plain reads they replace."""

import datetime

import pytest
from django import forms
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from devservers.models import AWAITING_APPROVAL, NOT_HOLDING_STATUSES, DevServer, Membership, Team
from devservers.review import choices, widgets
from devservers.review.access import review_access
from devservers.review.totals import review_totals
from devservers.schedules.selectors import schedule_alerts
from devservers.templatetags import devservers_extras
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, make_devserver

pytestmark = pytest.mark.django_db

ODD_FLAVOR = "x9.odd"


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root")


@pytest.fixture
def rows(owner, teammate, account, team) -> dict[str, DevServer]:
    """A team's rows in several statuses and flavors, another team's, and one of no team."""
    other = Team.objects.create(name="other-team")
    Membership.objects.create(team=other, user=owner, role=Membership.Role.MEMBER)
    return {
        "run": make_devserver(owner, account, team=team, name="run"),
        "gpu": make_devserver(
            teammate, account, team=team, name="gpu", flavor=GPU_FLAVOR, accelerator_count=2
        ),
        "wait": make_devserver(owner, account, team=team, name="wait", status=AWAITING_APPROVAL),
        "gone": make_devserver(
            owner, account, team=team, name="gone", status="DELETED", flavor=GPU_FLAVOR, accelerator_count=1
        ),
        "other": make_devserver(owner, account, team=other, name="other", status="STOPPED"),
        "stray": make_devserver(None, account, team=None, name="stray", status="ERROR", flavor=ODD_FLAVOR),
    }


def _review_queries(user, **params) -> list[str]:
    client = logged_in(user)
    url = reverse("devservers:review")
    client.get(url, params)  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_it_reads_the_admins_teams_once_per_request(teammate, rows):
    queries = _review_queries(teammate)
    admin_reads = [sql for sql in queries if '"devservers_membership"."role" = ' in sql]
    assert len(admin_reads) == 1


def test_the_top_bar_still_offers_the_review_to_whoever_may_review(teammate, root, rows):
    for user in (teammate, root):
        page = logged_in(user).get(reverse("devservers:review")).content.decode()
        assert f'href="{reverse("devservers:audit")}"' in page


def test_the_filters_choices_are_one_query_for_an_admin_and_a_superuser(teammate, root, rows):
    for user, expected_statuses, expected_flavors in (
        (teammate, ["DELETED", AWAITING_APPROVAL, "RUNNING"], sorted({"Si2.large.4", GPU_FLAVOR})),
        (
            root,
            sorted({"DELETED", AWAITING_APPROVAL, "RUNNING", "STOPPED", "ERROR"}),
            sorted({"Si2.large.4", GPU_FLAVOR, ODD_FLAVOR}),
        ),
    ):
        reviewer = review_access(user)
        with CaptureQueriesContext(connection) as captured:
            values = choices.filter_values(reviewer.team_ids, with_no_team=reviewer.every_row)
        assert len(captured) == 1
        assert values.statuses == sorted(expected_statuses)
        assert values.flavors == expected_flavors
        members = Membership.objects.filter(team_id__in=reviewer.team_ids).values("user_id")
        expected_owners = type(user).objects.filter(pk__in=members).order_by("username")
        assert values.owners == list(expected_owners.values_list("username", flat=True))


def test_the_filters_choices_say_the_same_on_postgresql_as_the_plain_reads(teammate, root, rows):
    for user in (teammate, root):
        reviewer = review_access(user)
        found = choices.filter_values(reviewer.team_ids, with_no_team=reviewer.every_row)
        plain = choices._plain_values(reviewer.team_ids, with_no_team=reviewer.every_row)
        assert found == plain


def test_the_superusers_filters_offer_what_only_a_row_of_no_team_holds(root, rows):
    page = logged_in(root).get(reverse("devservers:review")).content.decode()
    assert f'<option value="{ODD_FLAVOR}">{ODD_FLAVOR}</option>' in page
    assert '<option value="ERROR">' in page


def test_the_totals_are_one_query_and_the_same_as_two_group_bys(teammate, root, rows):
    for user in (teammate, root):
        scope = review_access(user).scope()
        with CaptureQueriesContext(connection) as captured:
            totals = review_totals(scope)
        assert len(captured) == 1

        unordered = scope.order_by()
        by_status = list(
            unordered.values_list("status").annotate(rows=Count("pk"), accelerators=Sum("accelerator_count"))
        )
        by_flavor = list(
            unordered.values("flavor")
            .annotate(rows=Count("pk"))
            .order_by("flavor")
            .values_list("flavor", "rows")
        )
        assert totals.total == sum(count for _status, count, _accelerators in by_status)
        assert totals.accelerators_in_use == sum(
            accelerators or 0
            for status, _rows, accelerators in by_status
            if status not in NOT_HOLDING_STATUSES
        )
        assert totals.rows_by_flavor == by_flavor
        assert totals.awaiting == 1


def test_the_page_count_comes_from_the_totals(teammate, owner, account, team):
    for index in range(30):
        make_devserver(owner, account, team=team, name=f"row-{index:02d}")
    queries = _review_queries(teammate, page="2")
    assert not [sql for sql in queries if sql.startswith('SELECT COUNT(*) AS "__count" FROM "devservers_devserver"')
                and '"devservers_devserver"."status" = ' not in sql]  # fmt: skip
    page = logged_in(teammate).get(reverse("devservers:review"), {"page": "2"}).content.decode()
    assert "Page 2 of 2" in page


def test_the_schedule_alerts_are_one_query(teammate, owner, account, team):
    now = timezone.now()
    ending_later = make_devserver(
        owner,
        account,
        team=team,
        name="b-later",
        lifetime_days=1,
        created_at=now - datetime.timedelta(hours=20),
    )
    ending_first = make_devserver(
        owner,
        account,
        team=team,
        name="c-first",
        lifetime_days=1,
        created_at=now - datetime.timedelta(hours=23),
    )
    make_devserver(owner, account, team=team, name="far-off", lifetime_days=30)
    make_devserver(owner, account, team=team, name="gone", lifetime_days=1, status="DELETED",
                   created_at=now - datetime.timedelta(hours=23))  # fmt: skip
    refused_z = make_devserver(owner, account, team=team, name="z-refused", schedule_error="quota")
    refused_a = make_devserver(owner, account, team=team, name="a-refused", schedule_error="quota")
    make_devserver(owner, account, team=team, name="plain")

    scope = review_access(teammate).scope()
    with CaptureQueriesContext(connection) as captured:
        alerts = schedule_alerts(scope, now=now)

    assert len(captured) == 1
    assert [devserver for devserver, _deadline in alerts.lifetime_ending] == [ending_first, ending_later]
    assert alerts.failed == [refused_a, refused_z]


@pytest.mark.parametrize(
    ("choices_given", "value", "attrs"),
    [
        (
            [("", gettext_lazy("Any status")), ("RUNNING", "Running"), ("ERROR", "Error")],
            "RUNNING",
            {"id": "id_status"},
        ),
        ([("a&b", "<b>x</b>"), ('q"uote', "it's")], 'q"uote', {"id": "x", "data-x": True, "hidden": False}),
        ([("Group <1>", [("1", "one"), ("2", "two")]), ("3", "three")], "2", None),
        ([(1, 1), (2, 2)], 2, {"required": True}),
        ([], "", None),
    ],
)
def test_the_filters_select_writes_what_djangos_select_does(choices_given, value, attrs):
    ours = widgets.Select(choices=choices_given).render("field", value, attrs)
    djangos = forms.Select(choices=choices_given).render("field", value, attrs)
    assert ours == djangos


def test_the_schedule_alerts_cost_the_same_queries_for_one_alert_as_for_four(teammate, owner, account, team):
    now = timezone.now()
    almost_over = {"lifetime_days": 1, "created_at": now - datetime.timedelta(hours=22)}
    make_devserver(owner, account, team=team, name="ending-0", **almost_over)
    make_devserver(None, account, team=team, name="refused-0", schedule_error="quota")
    before = len(_review_queries(teammate))

    make_devserver(owner, account, team=team, name="ending-1", **almost_over)
    make_devserver(teammate, account, team=team, name="refused-1", schedule_error="quota")

    assert len(_review_queries(teammate)) == before
    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    assert page.count('data-alert="lifetime"') == 2
    assert page.count('data-alert="schedule-failed"') == 2
    assert "(alice)" in page


def test_the_team_filter_reads_no_team_and_says_what_a_model_choice_says(teammate, owner, account, team):
    second = Team.objects.create(name="vision")
    Membership.objects.create(team=second, user=teammate, role=Membership.Role.ADMIN)
    make_devserver(owner, account, team=second, name="second-box")

    queries = _review_queries(teammate, team=str(second.pk))
    team_reads = [sql for sql in queries if 'FROM "devservers_team"' in sql and "teampolicy" not in sql]
    assert len(team_reads) == 1  # the access's own read of the admin's teams

    page = logged_in(teammate).get(reverse("devservers:review"), {"team": "abc"}).content.decode()
    error = page.split('id="filter-error-team">')[1].split("</span>")[0]
    assert error == str(forms.ModelChoiceField.default_error_messages["invalid_choice"])
    assert f'<option value="{second.pk}">vision</option>' in page


@pytest.mark.parametrize("script_prefix", ["/", "/dashboard/"])
@pytest.mark.parametrize("view_name", ["devservers:detail", "devservers:decide", "devservers:action"])
def test_a_rows_url_is_the_one_reverse_gives(view_name, script_prefix):
    """The rows' links are reversed once per view and prefix, then given each row's id."""
    set_script_prefix(script_prefix)
    try:
        for pk in (1, 7, 42, 2_147_483_646, 9_000_000_001):
            assert devservers_extras.row_url(view_name, pk) == escape(reverse(view_name, args=[pk]))
    finally:
        set_script_prefix("/")
