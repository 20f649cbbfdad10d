"""Prices and what they are for: estimate arithmetic, spend counted from a server's own events, the
price list import, and the prices where decisions are made (the form, the queue, review, detail)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from devservers.costs import prices as price_catalogue
from devservers.costs.estimates import estimate
from devservers.costs.money import Money, MoneySum
from devservers.costs.prices import FlavorPrices
from devservers.costs.spend import row_costs
from devservers.models import AWAITING_APPROVAL, DevServer, FlavorSpec
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, make_devserver

from .costs_world import CPU_FLAVOR, price_the_catalogue, set_prices, with_history

T0 = datetime.datetime(2026, 6, 10, 8, 0, tzinfo=datetime.UTC)


def at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


# Estimate arithmetic ------------------------------------------------------------------------------------

PRICED = FlavorPrices("x", "CNY", Decimal("0.45"), Decimal("230.00"), Decimal("2346.00"))
GPU = FlavorPrices("g", "CNY", Decimal("24.50"), Decimal("12250.00"), Decimal("124950.00"))
NO_HOURLY = FlavorPrices("p", "CNY", None, Decimal("185000.00"), None)


@pytest.mark.parametrize(
    ("prices", "count", "mode", "period_type", "period_num", "per_hour", "per_30_days", "total"),
    [
        # pay-per-use: per hour and per 30 days (720 hours) for the count
        (PRICED, 1, "POST_PAID", "", None, "0.45 CNY", "324.00 CNY", "price unknown"),
        (PRICED, 3, "POST_PAID", "", None, "1.35 CNY", "972.00 CNY", "price unknown"),
        (GPU, 2, "POST_PAID", "", None, "49.00 CNY", "35,280.00 CNY", "price unknown"),
        (GPU, 10, "POST_PAID", "", None, "245.00 CNY", "176,400.00 CNY", "price unknown"),
        # prepaid: the whole purchase, period price x periods x count
        (PRICED, 1, "PRE_PAID", "MONTH", 1, "0.3194 CNY", "price unknown", "230.00 CNY"),
        (PRICED, 2, "PRE_PAID", "MONTH", 3, "0.6389 CNY", "price unknown", "1,380.00 CNY"),
        (PRICED, 3, "PRE_PAID", "YEAR", 2, "0.8034 CNY", "price unknown", "14,076.00 CNY"),
        (GPU, 4, "PRE_PAID", "YEAR", 1, "57.05 CNY", "price unknown", "499,800.00 CNY"),
        (NO_HOURLY, 1, "PRE_PAID", "MONTH", 11, "256.94 CNY", "price unknown", "2,035,000.00 CNY"),
        # what the catalogue does not price is unknown, never 0
        (PRICED, 1, "PRE_PAID", "WEEK", 2, "price unknown", "price unknown", "price unknown"),
        (NO_HOURLY, 2, "POST_PAID", "", None, "price unknown", "price unknown", "price unknown"),
        (NO_HOURLY, 1, "PRE_PAID", "YEAR", 1, "price unknown", "price unknown", "price unknown"),
    ],
)
def test_estimate_arithmetic(prices, count, mode, period_type, period_num, per_hour, per_30_days, total):
    found = estimate(prices, count=count, charging_mode=mode, period_type=period_type, period_num=period_num)

    assert (found.per_hour.label, found.per_30_days.label, found.total.label) == (
        per_hour,
        per_30_days,
        total,
    )


def test_a_prepaid_estimate_covers_its_periods_hours():
    found = estimate(PRICED, count=2, charging_mode="PRE_PAID", period_type="MONTH", period_num=3)

    assert found.billed_hours == 3 * 720
    assert found.summary == "1,380.00 CNY for 2 servers, 3 months prepaid"
    # Spread over its hours, the purchase is what a month's budget counts.
    assert found.per_hour.amount * found.billed_hours == Decimal("1380.00")


@pytest.mark.parametrize(
    ("amounts", "label"),
    [
        ([Money(Decimal("1.5"), "CNY"), Money(Decimal("2"), "CNY")], "3.50 CNY"),
        ([Money(Decimal("1"), "CNY"), Money(None, "CNY")], "1.00 CNY (and 1 of unknown price)"),
        ([Money(None, "CNY")], "price unknown"),
        ([Money(Decimal("1"), "USD"), Money(Decimal("7"), "CNY")], "7.00 CNY + 1.00 USD"),
        ([Money(Decimal("0.0456"), "CNY")], "0.0456 CNY"),
    ],
)
def test_totals_never_count_an_unknown_price_as_zero(amounts, label):
    assert MoneySum.of(amounts).label == label


# Spend from the server's own events ---------------------------------------------------------------------

STOP_AND_START = [
    (0, "", "QUEUED"),
    (0.5, "QUEUED", "SUBMITTING"),
    (1, "SUBMITTING", "CREATING"),
    (1.25, "CREATING", "RUNNING"),
    (3, "RUNNING", "STOPPING"),
    (3.25, "STOPPING", "STOPPED"),
    (5, "STOPPED", "STARTING"),
    (5.25, "STARTING", "RUNNING"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "now", "hours", "spent", "billing_now"),
    [
        # from CREATING to STOPPED (2 h 15 min), then from STARTING on
        (0, 6, "3.25", "6.50 CNY", True),
        (0, 4.5, "2.25", "4.50 CNY", False),  # stopped: nothing since 3 h 15 min
        (2, 5.5, "1.75", "3.50 CNY", True),  # a window: 2 h to 3 h 15, 5 h to 5 h 30
        (3.5, 4.75, "0", "0.00 CNY", False),  # wholly stopped: a true 0, not an unknown
        (0, 0.75, "0", "0.00 CNY", False),  # queued and submitting bill nothing
    ],
)
def test_pay_per_use_spend_counts_billed_time_across_stop_and_start(
    owner, account, since, now, hours, spent, billing_now
):
    set_prices(CPU_FLAVOR, "2.00")
    row = with_history(make_devserver(owner, account, status="QUEUED"), T0, STOP_AND_START)
    # The row's status is what its last event up to `now` says.
    last = [status for offset, _, status in STOP_AND_START if offset <= now][-1]
    DevServer.objects.filter(pk=row.pk).update(status=last)
    row.refresh_from_db()

    cost = row_costs([row], since=at(since), now=at(now))[row.pk]

    assert cost.billed_hours == Decimal(hours)
    assert (cost.spent.label, cost.billing_now) == (spent, billing_now)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "hours", "billing_now"),
    [(10, "9", True), (100, "99", True), (1 + 720, "720", True), (2000, "720", False)],
)
def test_a_prepaid_server_bills_its_period_stopped_or_not(owner, account, now, hours, billing_now):
    set_prices(CPU_FLAVOR, None, "720.00")  # 1.00 an hour, spread over the month
    row = make_devserver(
        owner, account, status="STOPPED", charging_mode="PRE_PAID", period_type="MONTH", period_num=1
    )
    row = with_history(
        row,
        T0,
        [(0, "", "QUEUED"), (1, "QUEUED", "CREATING"), (2, "CREATING", "RUNNING"), (3, "RUNNING", "STOPPED")],
    )

    cost = row_costs([row], since=T0, now=at(now))[row.pk]

    assert cost.billed_hours == Decimal(hours)
    assert cost.spent == Money(Decimal(hours), "CNY")
    assert cost.billing_now is billing_now


@pytest.mark.django_db
def test_spend_at_an_unknown_price_is_unknown_but_no_billed_time_is_a_true_zero(owner, account):
    set_prices(CPU_FLAVOR, None)
    running = with_history(make_devserver(owner, account, name="up"), T0, [(0, "CREATING", "RUNNING")])
    stopped = with_history(
        make_devserver(owner, account, name="down", status="STOPPED"), T0, [(0, "", "STOPPED")]
    )

    costs = row_costs([running, stopped], since=T0, now=at(2))

    assert costs[running.pk].spent.label == "price unknown"
    assert costs[stopped.pk].spent.label == "0.00 CNY"


# The price list and the catalogue -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_emulators_flavors_are_priced_by_the_migration():
    priced = {spec.name: spec for spec in FlavorSpec.objects.all()}

    assert priced[CPU_FLAVOR].hourly_price == Decimal("0.45")
    assert priced[GPU_FLAVOR].monthly_price == Decimal("12250.00")
    # Sold prepaid only: no hourly price, which the pages say is unknown.
    assert priced["physical.kat2ne.48xlarge.8.313t"].hourly_price is None
    assert priced["physical.kat2ne.48xlarge.8.313t"].yearly_price == Decimal("1887000.00")
    assert len(priced) >= 13


@pytest.mark.django_db
def test_import_prices_reads_a_csv_price_list(tmp_path, capsys):
    set_prices(GPU_FLAVOR, "24.50", "12250.00", "124950.00")
    price_list = tmp_path / "prices.csv"
    price_list.write_text(
        "flavor,hourly,monthly\n"
        f"{GPU_FLAVOR},26.00,\n"  # an empty cell: that price becomes unknown
        'new.flavor.1,"1,200.50",300\n'
    )

    call_command("import_prices", str(price_list))

    gpu = FlavorSpec.objects.get(name=GPU_FLAVOR)
    assert (gpu.hourly_price, gpu.monthly_price) == (Decimal("26.00"), None)
    assert gpu.yearly_price == Decimal("124950.00")  # not a column of the list: kept
    assert gpu.prices_source == "CSV prices.csv" and gpu.prices_updated_at is not None
    assert FlavorSpec.objects.get(name="new.flavor.1").hourly_price == Decimal("1200.50")
    assert "Priced 2 flavors" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,hourly\nx,1\n", "the header must name 'flavor'"),
        (
            "flavor,hourly\nx,cheap\ny,-1\n",
            "line 2, hourly: 'cheap' is not a number; line 3, hourly: a price is a number of 0 or more",
        ),
        ("flavor,hourly\nx,1\nx,2\n", "line 3: x is listed twice"),
        ("flavor,yearly\n,1\n", "line 2: no flavor name"),
    ],
)
def test_a_bad_price_list_stores_nothing_and_says_which_lines(tmp_path, text, problem):
    set_prices(CPU_FLAVOR, "0.45")
    price_list = tmp_path / "bad.csv"
    price_list.write_text(text)

    with pytest.raises(CommandError, match=problem):
        call_command("import_prices", str(price_list))

    assert FlavorSpec.objects.get(name=CPU_FLAVOR).hourly_price == Decimal("0.45")
    assert not FlavorSpec.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_the_price_inquiry_seam_is_keyed_by_each_flavor_rows_sku_code(account):
    codes = price_catalogue.sku_codes(account)

    assert codes[(CPU_FLAVOR, "POST_PAID")]
    assert codes[(CPU_FLAVOR, "PRE_PAID")] != codes[(CPU_FLAVOR, "POST_PAID")]
    assert ("physical.kat2ne.48xlarge.8.313t", "POST_PAID") not in codes  # sold prepaid only


@pytest.mark.django_db
def test_prices_are_in_the_accounts_currency(account):
    account.currency = "USD"
    account.save()
    set_prices(CPU_FLAVOR, "0.07")

    assert price_catalogue.prices_of(account, CPU_FLAVOR).per_hour.label == "0.07 USD"


# Where decisions are made -------------------------------------------------------------------------------


def flavor_row(page: str, flavor: str) -> str:
    return page.split(f'value="{flavor}"')[1].split("</tr>")[0]


@pytest.mark.django_db
def test_alices_form_shows_each_flavors_price_and_an_estimate(team, owner, account):
    price_the_catalogue()
    set_prices("Si2.xlarge.4", None)

    page = logged_in(owner).get(reverse("devservers:create")).content.decode()

    assert "0.45 CNY" in flavor_row(page, CPU_FLAVOR)
    assert "price unknown" in flavor_row(page, "Si2.xlarge.4")
    assert "0.00" not in flavor_row(page, "Si2.xlarge.4")
    estimate_box = page.split('id="estimate"')[1].split("</div>")[0]
    assert 'hx-get="/devservers/new/estimate/"' in estimate_box
    assert "Choose a flavor to see what it costs." in estimate_box


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "shown"),
    [
        (
            {"flavor": CPU_FLAVOR, "count": "1"},
            ["0.45 CNY", "per hour", "324.00 CNY", "per 30 days", "1 server,"],
        ),
        ({"flavor": CPU_FLAVOR, "count": "4"}, ["1.80 CNY", "1,296.00 CNY", "4 servers"]),
        ({"flavor": GPU_FLAVOR, "count": "2"}, ["49.00 CNY", "35,280.00 CNY", "2 servers"]),
        (
            {
                "flavor": GPU_FLAVOR,
                "count": "2",
                "charging_mode": "PRE_PAID",
                "period_type": "YEAR",
                "period_num": "1",
            },
            ["249,900.00 CNY", "2 servers, 1 year prepaid"],
        ),
        ({"flavor": CPU_FLAVOR, "charging_mode": "PRE_PAID", "period_type": ""}, ["Choose a period"]),
        ({"flavor": "Si2.xlarge.4"}, ["Price unknown", "for Si2.xlarge.4"]),
        ({"flavor": CPU_FLAVOR, "arch": "ARM"}, ["Choose a flavor"]),  # not of the chosen architecture
        ({"flavor": "no-such-flavor"}, ["Choose a flavor"]),
        ({"flavor": CPU_FLAVOR, "count": "many"}, ["0.45 CNY", "1 server,"]),
        # A digit str.isdigit() takes and int() does not (found by the generated bodies' test).
        ({"flavor": CPU_FLAVOR, "count": "²"}, ["0.45 CNY", "1 server,"]),
        ({"flavor": CPU_FLAVOR, "charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": "³"}, ["Choose a period"]),
    ],
)
def test_the_estimate_follows_flavor_count_and_billing(team, owner, account, params, shown):
    price_the_catalogue()
    set_prices("Si2.xlarge.4", None)

    response = logged_in(owner).get(
        reverse("devservers:create-estimate"),
        {"server_type": "ECS", "arch": "X86", **params},
        HTTP_HX_REQUEST="true",
    )

    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    for part in shown:
        assert part in text


@pytest.mark.django_db
def test_the_estimate_asks_for_a_login(client):
    response = client.get(reverse("devservers:create-estimate"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_bobs_queue_shows_the_requests_cost_and_what_alice_already_runs(team, owner, teammate, account):
    price_the_catalogue()
    running = make_devserver(
        owner, account, team=team, name="alice-gpu", flavor=GPU_FLAVOR, accelerator_count=1
    )
    with_history(running, timezone.now() - datetime.timedelta(hours=3), [(0, "CREATING", "RUNNING")])
    make_devserver(owner, account, team=team, name="alice-stopped", status="STOPPED")
    make_devserver(
        owner, account, team=team, name="alice-wants", status=AWAITING_APPROVAL, flavor=GPU_FLAVOR,
        accelerator_count=1, approval_reasons=["accelerator flavor"],
    )  # fmt: skip

    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()

    queued = page.split('id="pending-queue"')[1].split("</section>")[0]
    assert "24.50 CNY per hour, 17,640.00 CNY per 30 days" in queued
    assert "1 server, 24.50 CNY per hour" in queued


@pytest.mark.django_db
def test_review_totals_cost_per_hour_by_team_owner_and_flavor_and_this_months_spend(
    team, owner, teammate, account
):
    price_the_catalogue()
    now = timezone.now()
    started = max(
        now - datetime.timedelta(hours=2),
        timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    )
    hours = Decimal(round((now - started).total_seconds())) / 3600
    for name, who, flavor in [
        ("a-gpu", owner, GPU_FLAVOR),
        ("a-cpu", owner, CPU_FLAVOR),
        ("b-cpu", teammate, CPU_FLAVOR),
    ]:
        with_history(
            make_devserver(who, account, team=team, name=name, flavor=flavor),
            started,
            [(0, "CREATING", "RUNNING")],
        )
    with_history(
        make_devserver(owner, account, team=team, name="a-off", status="STOPPED"),
        started,
        [(0, "", "STOPPED")],
    )

    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()

    box = page.split('id="review-costs"')[1].split("</div>")[0]
    assert '<strong data-total="per-hour">25.40 CNY</strong> per hour for the 3 billing now' in box
    by = {part.split('"')[1]: part for part in box.split("data-by=")[1:]}
    assert 'data-cost="ml-platform">ml-platform <strong>25.40 CNY</strong>' in by["team"]
    assert 'data-cost="alice">alice <strong>24.95 CNY</strong>' in by["owner"]
    assert 'data-cost="bob">bob <strong>0.45 CNY</strong>' in by["owner"]
    assert f'data-cost="{CPU_FLAVOR}">{CPU_FLAVOR} <strong>0.90 CNY</strong>' in by["flavor"]
    # The page's clock ran on while it answered: any cent between the test's clock then and now.
    answered = Decimal(round((timezone.now() - started).total_seconds())) / 3600
    low, high = ((Decimal("25.40") * h).quantize(Decimal("0.01")) for h in (hours, answered))
    shown = Decimal(box.split('data-total="spend-month">')[1].split(" CNY")[0].replace(",", ""))
    assert low <= shown <= high
    assert "spent this month so far" in box


def _row_cost_cell(page: str, name: str) -> str:
    row = page.split(f">{name}</a>")[1].split("</tr>")[0]
    return row.split('data-testid="row-cost">')[1].split("</td>")[0]


@pytest.mark.django_db
def test_each_review_row_shows_what_it_bills_now(team, owner, teammate, account):
    """A pay-per-use row bills by its status alone; a prepaid one, stopped or not, while the period
    that began when the cloud first held it lasts, which only its history tells."""
    price_the_catalogue()
    now = timezone.now()
    set_prices(CPU_FLAVOR, "0.45", "720.00")
    prepaid = {"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1}
    make_devserver(owner, account, team=team, name="running")
    make_devserver(owner, account, team=team, name="stopped", status="STOPPED")
    # Asked for 40 days ago, approved and made 2 days ago: its month began then, not when it was asked.
    waited = 38 * 24
    for name, days_ago in [("in-period", 40), ("period-over", 78)]:
        with_history(
            make_devserver(owner, account, team=team, name=name, status="STOPPED", **prepaid),
            now - datetime.timedelta(days=days_ago),
            [
                (0, "", "AWAITING_APPROVAL"),
                (waited, "AWAITING_APPROVAL", "CREATING"),
                (waited + 0.1, "CREATING", "RUNNING"),
                (waited + 1, "RUNNING", "STOPPED"),
            ],
        )
    make_devserver(owner, account, team=team, name="never-made", status="QUEUED", **prepaid)

    page = logged_in(teammate).get(reverse("devservers:review")).content.decode()

    names = ("running", "stopped", "in-period", "period-over", "never-made")
    cells = {name: _row_cost_cell(page, name) for name in names}
    assert cells == {
        "running": "0.45 CNY",
        "stopped": '<span class="muted">not billing</span>',
        "in-period": "1.00 CNY",
        "period-over": '<span class="muted">not billing</span>',
        "never-made": '<span class="muted">not billing</span>',
    }


@pytest.mark.django_db
def test_the_csv_carries_each_rows_cost_per_hour_and_spend_this_month(team, owner, teammate, account):
    price_the_catalogue()
    set_prices("Si2.xlarge.4", None)
    started = timezone.now() - datetime.timedelta(minutes=1)
    with_history(
        make_devserver(owner, account, team=team, name="gpu", flavor=GPU_FLAVOR),
        started,
        [(0, "CREATING", "RUNNING")],
    )
    with_history(
        make_devserver(owner, account, team=team, name="off", status="STOPPED"), started, [(0, "", "STOPPED")]
    )
    with_history(
        make_devserver(owner, account, team=team, name="unpriced", flavor="Si2.xlarge.4"),
        started,
        [(0, "CREATING", "RUNNING")],
    )

    response = logged_in(teammate).get(reverse("devservers:review-csv"), {"sort": "name"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0][-3:] == ["cost per hour", "spend this month", "currency"]
    cells = {row[0]: row[-3:] for row in rows[1:]}
    assert cells["gpu"][0] == "24.50" and cells["gpu"][2] == "CNY"
    assert Decimal(cells["gpu"][1]) > 0
    assert cells["off"][:2] == ["0.00", "0.00"]
    assert cells["unpriced"][:2] == ["price unknown", "price unknown"]


@pytest.mark.django_db
def test_the_detail_page_shows_cost_so_far_and_cost_per_hour(owner, account):
    price_the_catalogue()
    now = timezone.now()
    row = with_history(
        make_devserver(owner, account, name="costly", flavor=GPU_FLAVOR),
        now - datetime.timedelta(hours=4),
        [(0, "", "CREATING"), (2, "CREATING", "RUNNING")],
    )

    page = logged_in(owner).get(reverse("devservers:detail", args=[row.pk])).content.decode()

    assert '<dd data-testid="cost-per-hour">24.50 CNY</dd>' in page
    so_far = page.split('data-testid="cost-so-far">')[1].split("<small")[0].strip()
    assert so_far in {"98.00 CNY", "98.01 CNY"}  # 4 hours from CREATING, give or take the test's second


@pytest.mark.django_db
def test_an_admin_types_prices_in_the_flavor_catalogue(django_user_model):
    set_prices(CPU_FLAVOR, "0.45", "230.00", "2346.00")
    spec = FlavorSpec.objects.get(name=CPU_FLAVOR)
    admin = django_user_model.objects.create_superuser("root-admin", password="x")
    url = reverse("admin:devservers_flavorspec_change", args=[spec.pk])

    logged_in(admin).post(
        url,
        {
            "name": CPU_FLAVOR, "accelerator_type": "", "accelerator_name": "", "accelerator_count": "0",
            "accelerator_memory_gib": "", "hourly_price": "0.50", "monthly_price": "", "yearly_price": "2346.00",
        },
    )  # fmt: skip

    spec.refresh_from_db()
    assert (spec.hourly_price, spec.monthly_price) == (Decimal("0.50"), None)
    assert spec.prices_source == "admin" and spec.prices_updated_at is not None
