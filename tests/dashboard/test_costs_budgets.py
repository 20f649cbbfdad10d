"""Team budgets: the month projected with a request, held for approval or refused as the policy
says with the figures in the reason, and the admins told at 80% and 100%."""

import datetime
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devservers.costs import budgets, months
from devservers.costs.estimates import estimate
from devservers.costs.prices import catalogue_prices
from devservers.models import AWAITING_APPROVAL, QUEUED, DevServer, Team, TeamPolicy
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .costs_world import CPU_FLAVOR, price_the_catalogue, set_prices, with_history
from .forms_data import valid_request

pytestmark = pytest.mark.django_db

# June has 30 days: on the 11th at midnight, 240 hours have passed and 480 are to come.
JUNE_11 = datetime.datetime(2026, 6, 11, tzinfo=datetime.UTC)
JUNE_1 = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def gpu_request(count: int = 1, **billing) -> object:
    prices = catalogue_prices([GPU_FLAVOR], "CNY")[GPU_FLAVOR]
    return estimate(prices, count=count, charging_mode=billing.pop("charging_mode", "POST_PAID"), **billing)


@pytest.fixture
def running_since_june_1(team, owner, account) -> DevServer:
    """alice's CPU server, running at 2.00 an hour since the month began: 480.00 spent by the 11th."""
    price_the_catalogue()
    set_prices(CPU_FLAVOR, "2.00")
    return with_history(
        make_devserver(owner, account, team=team, name="cpu"), JUNE_1, [(0, "CREATING", "RUNNING")]
    )


def test_the_month_is_the_calendar_month_in_the_sites_time_zone(settings):
    assert months.month_bounds(JUNE_11) == (JUNE_1, datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC))
    december = months.month_bounds(datetime.datetime(2026, 12, 31, 23, tzinfo=datetime.UTC))
    assert december[1] == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("budget", "request_count", "over"),
    [
        # 480 spent + 960 to come from what runs + 24.50 x 480 h per GPU server asked for
        ("13200.00", 1, False),  # exactly the budget: not over
        ("13199.99", 1, True),
        ("24960.00", 2, False),  # 1440 + 2 x 11,760
        ("24959.99", 2, True),
        ("1000.00", 0, True),  # what runs already goes over; any request is held
    ],
)
def test_a_request_is_checked_against_the_projected_month(
    team, owner, running_since_june_1, budget, request_count, over
):
    policy = TeamPolicy.objects.get(team=team)
    policy.monthly_budget = Decimal(budget)

    findings = budgets.check_request(
        policy=policy,
        team=team,
        owner=owner,
        currency="CNY",
        estimate=gpu_request(request_count),
        now=JUNE_11,
    )

    assert bool(findings) is over


def test_the_reason_carries_the_figures(team, owner, running_since_june_1):
    policy = TeamPolicy.objects.get(team=team)
    policy.monthly_budget = Decimal("5000")

    (finding,) = budgets.check_request(
        policy=policy, team=team, owner=owner, currency="CNY", estimate=gpu_request(), now=JUNE_11
    )

    assert finding.reason == (
        "over team ml-platform's monthly budget of 5,000.00 CNY: 13,200.00 CNY projected for this month "
        "(480.00 CNY spent so far, 960.00 CNY more from what runs now until the month ends, "
        "11,760.00 CNY for this request)"
    )


def test_a_prepaid_request_counts_its_period_spread_over_the_month(team, owner, running_since_june_1):
    policy = TeamPolicy.objects.get(team=team)
    policy.monthly_budget = Decimal("5000")
    monthly = gpu_request(charging_mode="PRE_PAID", period_type="MONTH", period_num=1)

    (finding,) = budgets.check_request(
        policy=policy, team=team, owner=owner, currency="CNY", estimate=monthly, now=JUNE_11
    )

    # 12,250 for 720 hours: 480 of them fall in this month.
    assert "8,166.67 CNY for this request" in finding.reason


def test_a_member_budget_counts_only_the_members_own_servers(
    team, owner, teammate, account, running_since_june_1
):
    with_history(
        make_devserver(teammate, account, team=team, name="bobs", flavor=GPU_FLAVOR),
        JUNE_1,
        [(0, "", "RUNNING")],
    )
    policy = TeamPolicy.objects.get(team=team)
    policy.member_monthly_budget = Decimal("2500")
    cheap = estimate(catalogue_prices([CPU_FLAVOR], "CNY")[CPU_FLAVOR], count=1, charging_mode="POST_PAID")

    alices = budgets.check_request(
        policy=policy, team=team, owner=owner, currency="CNY", estimate=cheap, now=JUNE_11
    )
    bobs = budgets.check_request(
        policy=policy, team=team, owner=teammate, currency="CNY", estimate=cheap, now=JUNE_11
    )

    assert alices == []  # 480 + 960 + 960 for the new one
    (finding,) = bobs
    # 5,880 spent on bob's GPU server + 11,760 to come + 960 for the new one
    assert finding.reason.startswith("over bob's monthly budget of 2,500.00 CNY: 18,600.00 CNY projected")


def test_a_price_nobody_knows_fails_closed(team, owner, running_since_june_1):
    set_prices(GPU_FLAVOR, None)
    policy = TeamPolicy.objects.get(team=team)
    policy.monthly_budget = Decimal("1000000")

    (finding,) = budgets.check_request(
        policy=policy, team=team, owner=owner, currency="CNY", estimate=gpu_request(), now=JUNE_11
    )

    assert finding.price_unknown and finding.reason == budgets.UNKNOWN_PRICE_REASON


def test_servers_of_unknown_price_are_named_not_counted_as_zero(team, owner, account, running_since_june_1):
    set_prices("Si2.xlarge.4", None)
    with_history(
        make_devserver(owner, account, team=team, name="mystery", flavor="Si2.xlarge.4"),
        JUNE_1,
        [(0, "", "RUNNING")],
    )
    policy = TeamPolicy.objects.get(team=team)
    policy.monthly_budget = Decimal("5000")

    (finding,) = budgets.check_request(
        policy=policy, team=team, owner=owner, currency="CNY", estimate=gpu_request(), now=JUNE_11
    )

    assert finding.reason.endswith("; not counting 1 server of unknown price)")


# Through the form and the review page ------------------------------------------------------------------


def gpu_form(account, **overrides) -> dict:
    return valid_request(flavor=GPU_FLAVOR, image_id=gpu_image_id(account), **overrides)


def test_a_request_over_the_team_budget_waits_and_the_admin_sees_why(team, owner, teammate, account):
    price_the_catalogue()
    started = timezone.now() - datetime.timedelta(hours=1)
    with_history(
        make_devserver(owner, account, team=team, name="already", flavor=GPU_FLAVOR),
        started,
        [(0, "", "RUNNING")],
    )
    # No other rule holds a CPU request: only the budget can.
    TeamPolicy.objects.filter(team=team).update(
        monthly_budget=Decimal("100"), approval_for_accelerators=False
    )

    response = logged_in(owner).post(
        reverse("devservers:create"), valid_request(name="over-budget", count=2), follow=True
    )

    rows = DevServer.objects.filter(name__startswith="over-budget")
    assert rows.count() == 2 and {row.status for row in rows} == {AWAITING_APPROVAL}
    (reason,) = rows[0].approval_reasons
    assert reason.startswith("over team ml-platform's monthly budget of 100.00 CNY: ")
    assert "spent so far" in reason and "0.90 CNY per hour" not in reason
    said = html.unescape(response.content.decode())
    assert "It waits for a team admin's approval (over team ml-platform's monthly budget" in said
    review = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    queue = review.split('id="pending-queue"')[1].split("</section>")[0]
    assert reason in html.unescape(queue)
    assert "1 server, 24.50 CNY per hour" in queue  # what alice already runs
    assert "0.45 CNY per hour, 324.00 CNY per 30 days" in queue  # each request's own estimate


def test_a_request_within_the_budget_is_not_held(team, owner, account):
    price_the_catalogue()
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("100000"))

    logged_in(owner).post(reverse("devservers:create"), valid_request(name="cheap"))

    assert DevServer.objects.get(name="cheap").status == QUEUED


def test_a_policy_that_refuses_over_budget_says_so_on_the_form(team, owner, account):
    price_the_catalogue()
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("1"), refuse_over_budget=True)

    page = logged_in(owner).post(reverse("devservers:create"), valid_request(name="refused")).content.decode()

    assert not DevServer.objects.filter(name="refused").exists()
    assert (
        "Team ml-platform refuses this request: it is over team ml-platform&#x27;s monthly budget of 1.00 CNY"
        in page
    )


def test_a_team_admins_own_request_over_budget_is_not_held(team, teammate, account):
    price_the_catalogue()
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("1"))

    logged_in(teammate).post(reverse("devservers:create"), valid_request(name="admins"))

    assert DevServer.objects.get(name="admins").status == QUEUED


def test_an_unpriced_flavor_waits_when_the_team_has_a_budget(team, owner, account):
    set_prices(CPU_FLAVOR, None)
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("1000"), refuse_over_budget=True)

    logged_in(owner).post(reverse("devservers:create"), valid_request(name="unpriced"))

    held = DevServer.objects.get(name="unpriced")
    assert (held.status, held.approval_reasons) == (AWAITING_APPROVAL, [budgets.UNKNOWN_PRICE_REASON])


@pytest.mark.parametrize(
    ("budget", "member_budget", "alerts"),
    [
        ("10000", None, []),
        (
            "600",
            None,
            ["Team ml-platform: at 80% of the monthly budget, 480.00 CNY spent of 600.00 CNY (80%)."],
        ),
        (
            "400",
            None,
            ["Team ml-platform: over the monthly budget, 480.00 CNY spent of 400.00 CNY (120%)."],
        ),
        (
            None,
            "450",
            ["alice in team ml-platform: over the monthly budget, 480.00 CNY spent of 450.00 CNY (106%)."],
        ),
    ],
)
def test_the_admins_are_told_at_80_and_100_percent_on_the_review_page(
    team, owner, teammate, running_since_june_1, budget, member_budget, alerts
):
    TeamPolicy.objects.filter(team=team).update(
        monthly_budget=Decimal(budget) if budget else None,
        member_monthly_budget=Decimal(member_budget) if member_budget else None,
    )

    found = budgets.budget_alerts(Team.objects.filter(pk=team.pk), now=JUNE_11)

    assert [alert.message for alert in found] == alerts


def test_the_review_page_shows_the_budget_alerts(team, owner, teammate, account):
    price_the_catalogue()
    started = max(
        timezone.now() - datetime.timedelta(hours=10),
        timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    )
    with_history(
        make_devserver(owner, account, team=team, name="big", flavor=GPU_FLAVOR),
        started,
        [(0, "", "RUNNING")],
    )
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("0.01"))

    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    members_page = logged_in(owner).get(reverse("devservers:review"))

    alerts = page.split('id="review-alerts"')[1].split("</section>")[0]
    assert 'data-alert="budget-100"' in alerts and "Team ml-platform: over the monthly budget" in alerts
    assert members_page.status_code == 404  # members do not see the review page


def test_the_alerts_of_many_teams_are_summed_at_once(team, owner, teammate, account):
    price_the_catalogue()
    started = max(
        timezone.now() - datetime.timedelta(hours=10),
        timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    )

    def budgeted_team(name: str, budget: str) -> Team:
        made = Team.objects.create(name=name)
        made.accounts.add(account)
        TeamPolicy.objects.create(team=made, monthly_budget=Decimal(budget), member_monthly_budget=Decimal(budget))
        with_history(make_devserver(owner, account, team=made, name=f"{name}-gpu", flavor=GPU_FLAVOR), started, [])
        return made

    def queries_for(teams: list[Team]) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            found = budgets.budget_alerts(Team.objects.filter(pk__in=[made.pk for made in teams]), now=timezone.now())
        return len(captured), sorted(alert.whose for alert in found)

    two = [budgeted_team("red", "0.01"), budgeted_team("blue", "1000000")]
    five = [*two, *(budgeted_team(f"green-{index}", "0.01") for index in range(3))]

    few, alerted = queries_for(two)
    many, all_alerted = queries_for(five)

    assert alerted == ["Team red"]
    assert all_alerted == ["Team green-0", "Team green-1", "Team green-2", "Team red"]
    assert few == many
