"""The review page's and the budgets' cost figures summed in PostgreSQL give what pricing each row in
Python (`spend.row_costs`) gives, row by row, for every kind of history, window and price."""

import datetime
from decimal import Decimal

import pytest

from devservers.costs import aggregates
from devservers.costs.aggregates import cost_groups
from devservers.models import DevServer
from tests.fixtures.world import GPU_FLAVOR, make_devserver

from .costs_world import CPU_FLAVOR, set_prices, with_history

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 6, 10, 8, 0, tzinfo=datetime.UTC)
STOP_AND_START = [
    (0, "", "QUEUED"),
    (0.5, "QUEUED", "SUBMITTING"),
    (1, "SUBMITTING", "CREATING"),
    (1.25, "CREATING", "RUNNING"),
    (3, "RUNNING", "STOPPING"),
    (3.25, "STOPPING", "STOPPED"),
    # 1.5 s past the hour: 11,698.5 billed seconds by 6 h, which Python rounds half to even.
    (5 + 1.5 / 3600, "STOPPED", "STARTING"),
    (5.25, "STARTING", "RUNNING"),
]
# (name, owner key, row fields, hours after T0 the row is made, its history)
HISTORIES = [
    ("stop-start", "owner", {"status": "RUNNING"}, 0, STOP_AND_START),
    ("no-events", "owner", {"status": "RUNNING"}, 2, []),
    ("no-events-stopped", "teammate", {"status": "STOPPED"}, 1, []),
    ("made-before-its-first-event", "teammate", {"status": "RUNNING"}, 0, [(4, "RUNNING", "RUNNING")]),
    ("queued", "owner", {"status": "QUEUED"}, 0, [(0, "", "QUEUED")]),
    ("deleted", None, {"status": "DELETED"}, 0, [(0, "CREATING", "RUNNING"), (2.5, "RUNNING", "DELETED")]),
    (
        "prepaid-month",
        "owner",
        {"status": "STOPPED", "charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1},
        0,
        [(0, "", "QUEUED"), (1, "QUEUED", "CREATING"), (2, "CREATING", "RUNNING"), (3, "RUNNING", "STOPPED")],
    ),
    (
        "prepaid-hours",
        "teammate",
        {"status": "RUNNING", "charging_mode": "PRE_PAID", "period_type": "HOUR", "period_num": 3},
        0,
        [(0.5, "QUEUED", "RUNNING")],
    ),
    (
        "prepaid-unknown-period",
        "owner",
        {"status": "RUNNING", "charging_mode": "PRE_PAID", "period_type": "", "period_num": None},
        0,
        [(0.5, "QUEUED", "RUNNING")],
    ),
    ("gpu", "teammate", {"status": "RUNNING", "flavor": GPU_FLAVOR}, 0.25, [(0.75, "CREATING", "RUNNING")]),
    ("unpriced", "owner", {"status": "RUNNING", "flavor": "x9.unpriced"}, 0, [(1, "CREATING", "RUNNING")]),
]


def _hours(value: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=value)


@pytest.fixture
def history_rows(owner, teammate, account, team):
    set_prices(CPU_FLAVOR, "2.00", "720.00")
    set_prices(GPU_FLAVOR, "24.50")
    users = {"owner": owner, "teammate": teammate, None: None}
    for name, who, fields, made_at, changes in HISTORIES:
        row = make_devserver(users[who], account, team=team, name=name, **fields)
        with_history(row, _hours(made_at), changes)
    return DevServer.objects.filter(team=team)


@pytest.mark.parametrize(
    ("since", "now"), [(0, 6), (0, 4.5), (2, 5.5), (3.5, 4.75), (0, 0.75), (-24, 200), (6, 6), (400, 400)]
)
@pytest.mark.parametrize("keys", [(), ("owner__username", "team__name"), ("owner_id",)])
def test_the_sql_sums_equal_each_row_priced_in_python(history_rows, since, now, keys):
    window = {"since": _hours(since), "now": _hours(now), "until": _hours(now + 500)}

    in_sql = aggregates._sql_tally(history_rows, keys, **window)
    in_python = aggregates._python_tally(history_rows, keys, **window)

    assert sorted(in_sql, key=repr) == sorted(in_python, key=repr)
    assert sum(item.billing_now for item in in_sql) > 0 or now < 1


def test_the_groups_are_priced_once_per_price(history_rows):
    groups = cost_groups(history_rows, (), since=_hours(0), now=_hours(6), until=_hours(6))
    post_paid_cpu = next(
        group for group in groups if group.flavor == CPU_FLAVOR and group.rate.amount == Decimal("2.00")
    )

    # stop-start (11,698 s), no-events (4 h), made-before-its-first-event (6 h), deleted (2.5 h) at 2.00
    assert post_paid_cpu.billing_now == 3
    assert post_paid_cpu.billed_hours == Decimal(11698 + 45000) / 3600
    assert post_paid_cpu.spent.label == "31.50 CNY"
    unpriced = next(group for group in groups if group.flavor == "x9.unpriced")
    assert (unpriced.spent.label, unpriced.billed_rows) == ("price unknown", 1)


def test_a_filtered_queryset_with_a_search_and_a_join_is_summed_as_filtered(history_rows):
    rows = history_rows.filter(name__icontains="PREPAID", owner__username__isnull=False).order_by("name")
    groups = cost_groups(rows, ("owner__username",), since=_hours(0), now=_hours(10), until=_hours(10))

    assert sum(group.billing_now for group in groups) == 1  # the month: 3 h ran out, no period bills nothing
    assert {group.keys["owner__username"] for group in groups} == {"alice", "bob"}
