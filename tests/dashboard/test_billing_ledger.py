"""The billing ledger: billed time kept by PostgreSQL triggers gives what the status events give when
summed row by row (`aggregates._sql_tally`, itself held to `spend.row_costs`), after every kind of
write, once folded, and while two transactions write one row's history at once."""

import datetime
import io
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from devservers.costs import aggregates, ledger, ledger_sql
from devservers.costs.aggregates import cost_groups
from devservers.costs.spend import row_costs
from devservers.models import (
    BilledStretch,
    BillingTally,
    DevServer,
    DevServerEvent,
    Team,
    status_events_written_by_caller,
)
from devservers.models.servers import STATUS_SET_BY_UPDATE
from tests.fixtures.dashboard import stock_user
from tests.fixtures.world import make_devserver

from .costs_world import CPU_FLAVOR, price_the_catalogue, with_history
from .test_costs_aggregates import T0, _hours, history_rows  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
# (since, now) in hours after T0; `now` after every event, as the present always is (what bills now is
# the row's present status; the last event is at 5.25 h). 720 h: the prepaid month's period has ended.
WINDOWS = [(0, 6), (2, 5.5), (3.5, 6), (5, 5.3), (-24, 200), (6, 6), (400, 400), (0, 1000)]


def _window(since: float, now: float) -> dict[str, datetime.datetime]:
    return {"since": _hours(since), "now": _hours(now), "until": _hours(now + 500)}


def _by_group(lines: list) -> dict[tuple, object]:
    return {
        (line.keys, line.flavor, line.charging_mode, line.period_type, line.currency): line for line in lines
    }


def _assert_same_figures(found: list[ledger.BilledLine], rows: list[ledger.BilledLine]) -> None:
    """Billing now equal; seconds equal but for the rows' own rounding to whole seconds (half a second
    a row at most: the ledger sums the exact time, the rows round each)."""
    summed = _by_group([row for row in rows if row.billing_now or row.billed_seconds or row.to_come_seconds])
    kept = _by_group(found)
    assert kept.keys() == summed.keys()
    for group, line in kept.items():
        row = summed[group]
        slack = Decimal("0.5") * row.billed_or_billing_rows
        assert line.billing_now == row.billing_now, group
        assert abs(line.billed_seconds - row.billed_seconds) <= slack, group
        assert abs(line.to_come_seconds - row.to_come_seconds) <= slack, group


@pytest.mark.parametrize(("since", "now"), WINDOWS)
@pytest.mark.parametrize("keys", [(), ("owner__username", "team__name"), ("owner_id",)])
def test_the_ledger_gives_what_the_status_events_give(history_rows, team, since, now, keys):  # noqa: F811
    found = ledger.ledger_lines(BillingTally.objects.filter(team=team), keys, **_window(since, now))

    assert found is not None
    _assert_same_figures(found, aggregates._sql_tally(history_rows, keys, **_window(since, now)))
    assert sum(line.billing_now for line in found) > 0 or now < 1


def test_a_fold_changes_no_figure_and_leaves_one_row_per_key_each_side_of_the_month(history_rows, team):  # noqa: F811
    # The histories run from T0 (10 June); fold as at 2 July, when they lie in the month before.
    july = datetime.datetime(2026, 7, 2, tzinfo=datetime.UTC)
    rows_before = BillingTally.objects.count()
    keys = BillingTally.objects.values_list(*ledger_sql.KEY_COLUMNS.split(", ")).distinct().count()

    written = ledger.fold(july)

    # Clocks after the fold's cut (the prepaid month's end on 10 July, the rows' own making today) stay.
    assert written <= 2 * keys < rows_before
    assert BillingTally.objects.filter(last_at__lte=july - datetime.timedelta(minutes=1)).count() == written
    # A window that starts inside the folded time cannot be answered (the rows answer instead); one
    # that holds all of it can.
    assert (
        ledger.ledger_lines(BillingTally.objects.filter(team=team), ("owner_id",), **_window(2, 5.5)) is None
    )
    _assert_same_figures(
        ledger.ledger_lines(BillingTally.objects.filter(team=team), ("owner_id",), **_window(-1, 6)),
        aggregates._sql_tally(history_rows, ("owner_id",), **_window(-1, 6)),
    )
    july_window = {"since": datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC), "now": july, "until": july}
    assert (
        ledger.ledger_lines(BillingTally.objects.filter(team=team), ("owner_id",), **july_window) is not None
    )
    _assert_same_figures(
        ledger.ledger_lines(BillingTally.objects.filter(team=team), ("owner_id",), **july_window),
        aggregates._sql_tally(history_rows, ("owner_id",), **july_window),
    )


def test_a_fold_in_the_month_keeps_every_window_from_its_start(history_rows, team):  # noqa: F811
    june_end = datetime.datetime(2026, 6, 30, tzinfo=datetime.UTC)
    june = {"since": datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), "now": june_end, "until": june_end}
    before = ledger.ledger_lines(BillingTally.objects.filter(team=team), (), **june)

    ledger.fold(june_end)

    assert ledger.ledger_lines(BillingTally.objects.filter(team=team), (), **june) == before
    _assert_same_figures(before, aggregates._sql_tally(history_rows, (), **june))


def _drifts() -> ledger.Drift:
    return ledger.drift()


def test_every_kind_of_write_keeps_the_ledger_equal_to_the_status_events(account):
    red, blue = Team.objects.create(name="red"), Team.objects.create(name="blue")
    alice, bob = stock_user("alice"), stock_user("bob")
    steps: list[str] = []

    def check(step: str) -> None:
        steps.append(step)
        assert not _drifts(), f"after {step}: {_drifts()}"
        now = datetime.datetime.now(datetime.UTC)
        window = {"since": now - datetime.timedelta(days=40), "now": now, "until": now}
        found = ledger.ledger_lines(BillingTally.objects.all(), ("team_id", "owner_id"), **window)
        _assert_same_figures(
            found, aggregates._sql_tally(DevServer.objects.all(), ("team_id", "owner_id"), **window)
        )

    first = make_devserver(alice, account, team=red, name="one", status="CREATING")
    check("create")
    DevServer.objects.bulk_create(
        DevServer(
            owner=bob, account=account, team=blue, name=f"bulk-{index}", status=status, flavor="Si2.large.4"
        )
        for index, status in enumerate(["QUEUED", "RUNNING", "RUNNING", "STOPPED"])
    )
    check("bulk_create")
    DevServerEvent.objects.create(devserver=first, kind="status", status_from="CREATING", status_to="RUNNING")
    first.status = "RUNNING"
    first.save()
    check("a status event and a save (as the services and the Django admin do)")
    DevServerEvent.objects.create(devserver=first, kind="call", operation="show", outcome="ok")
    check("an event that is not a status change")
    hour_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    DevServerEvent.objects.filter(devserver=first).update(created_at=hour_ago)
    check("QuerySet.update of the events' times")
    DevServer.objects.filter(name__startswith="bulk-").update(
        created_at=hour_ago - datetime.timedelta(days=3)
    )
    check("QuerySet.update of the rows' times")
    assert DevServer.objects.filter(team=blue, status="RUNNING").update(status="STOPPED") == 2
    check("QuerySet.update of a status, rows with no event")
    DevServer.objects.filter(name__startswith="bulk-").update(team=red, flavor="p2s.2xlarge.8")
    check("QuerySet.update of a team and a flavor (the keys)")
    DevServer.objects.filter(name="bulk-0").update(charging_mode="PRE_PAID", period_type="DAY", period_num=2)
    check("QuerySet.update to a prepaid period")
    bob.delete()
    check("an owner deleted (SET NULL)")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE devservers_devserver SET status = 'RUNNING' WHERE name = %s", ["bulk-3"])
    check("raw SQL")
    DevServerEvent.objects.filter(devserver=first, kind="status").delete()
    check("status events deleted")
    first.delete()
    check("delete")
    DevServer.objects.filter(team=red).delete()
    check("QuerySet.delete")
    assert BilledStretch.objects.count() == 0
    make_devserver(alice, account, team=blue, name="left")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {DevServer._meta.db_table} CASCADE")
    check("TRUNCATE")
    assert BilledStretch.objects.count() == BillingTally.objects.count() == 0 and len(steps) == 15


def test_the_pages_figures_from_the_ledger_equal_those_from_the_rows(history_rows, team):  # noqa: F811
    window = {"since": _hours(0), "now": _hours(6), "until": _hours(30)}
    keys = ("team__name", "owner__username")

    from_rows = cost_groups(history_rows, keys, **window)
    from_ledger = cost_groups(history_rows, keys, **window, kept=BillingTally.objects.filter(team=team))

    def figures(groups: list) -> dict[tuple, tuple]:
        return {
            (tuple(group.keys.values()), group.flavor, group.rate.label): (
                group.billing_now,
                group.spent.amount and group.spent.amount.quantize(Decimal("0.01")),
                group.to_come.amount and group.to_come.amount.quantize(Decimal("0.01")),
            )
            for group in groups
            if group.billing_now or group.billed_hours or group.to_come_hours
        }

    assert figures(from_ledger) == figures(from_rows)
    # Rows of unknown price (a flavor with none, a prepaid period of no known length) are counted from
    # the rows, so a page can say how many it left out; the ledger summed the others' time alone.
    unpriced = {group.flavor: group.billed_rows for group in from_ledger if group.rate.amount is None}
    assert unpriced == {"x9.unpriced": 1, CPU_FLAVOR: 1}
    assert all(group.billed_rows is None for group in from_ledger if group.rate.amount is not None)


def test_the_command_finds_a_ledger_that_drifted_and_works_it_out_again(account, team, owner):
    for index in range(3):
        make_devserver(owner, account, team=team, name=f"row-{index}")
    call_command("billing_ledger", stdout=io.StringIO())  # matches: no error
    BilledStretch.objects.filter(devserver_id=DevServer.objects.get(name="row-0").pk).delete()
    BillingTally.objects.create(
        team=team, owner=owner, account=account, flavor="Si2.large.4", charging_mode="POST_PAID", period_type="",
        first_at=T0, last_at=T0, clocks=1, epoch_sum=Decimal(int(T0.timestamp())),
    )  # fmt: skip

    with pytest.raises(CommandError, match="for 1 servers and 1 keys"):
        call_command("billing_ledger", stdout=io.StringIO())
    out = io.StringIO()
    call_command("billing_ledger", "--rebuild", stdout=out)

    assert "matches" in out.getvalue()
    assert not ledger.drift() and BilledStretch.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_one_rows_history_at_once_leave_it_counted_once(account, team, owner):
    row = make_devserver(owner, account, team=team, name="busy", status="CREATING")
    DevServerEvent.objects.create(devserver=row, kind="status", status_from="CREATING", status_to="RUNNING")
    written = threading.Event()
    failures: list[BaseException] = []

    def stopper() -> None:
        try:
            with transaction.atomic():
                DevServer.objects.filter(pk=row.pk).update(status="STOPPING")
                DevServerEvent.objects.create(
                    devserver_id=row.pk, kind="status", status_from="RUNNING", status_to="STOPPING"
                )
                written.set()
                time.sleep(0.5)  # the other writer's trigger starts meanwhile, and must wait for this commit
        except BaseException as error:  # shown by the main thread's assert
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=stopper)
    thread.start()
    assert written.wait(10)
    DevServerEvent.objects.create(devserver=row, kind="status", status_from="STOPPING", status_to="STOPPED")
    thread.join(10)

    assert not failures
    assert not ledger.drift()
    assert list(BilledStretch.objects.filter(devserver_id=row.pk).values_list("ends", flat=True)) != [None]
    now = datetime.datetime.now(datetime.UTC)
    hour = {"since": now - datetime.timedelta(hours=1), "now": now, "until": now}
    found = ledger.ledger_lines(BillingTally.objects.filter(team=team), (), **hour)
    assert [line.billing_now for line in found] == [0]


def test_a_status_set_by_an_update_outside_the_services_leaves_its_event_so_billing_stops_there(
    account, team, owner
):
    """A management command or a shell stopping servers with QuerySet.update: each row whose status
    moved gets its event (from what it was), so it bills until then and no longer; the services' own
    updates, which write their events themselves, get no second one."""
    price_the_catalogue()
    made_at = timezone.now() - datetime.timedelta(hours=4)
    running = [
        with_history(
            make_devserver(owner, account, team=team, name=f"run-{index}", status="RUNNING"),
            made_at,
            [(0, "CREATING", "RUNNING")],
        )
        for index in range(2)
    ]
    already = make_devserver(owner, account, team=team, name="already", status="STOPPED")

    assert DevServer.objects.filter(team=team).update(status="STOPPED") == 3
    stopped_at = timezone.now()

    for row in running:
        event = DevServerEvent.objects.filter(devserver=row, kind="status").latest("created_at")
        assert (event.status_from, event.status_to) == ("RUNNING", "STOPPED")
        assert event.message == STATUS_SET_BY_UPDATE
        row.refresh_from_db()
        billed = row_costs([row], since=made_at, now=stopped_at + datetime.timedelta(hours=3))[row.pk]
        assert Decimal("3.99") < billed.billed_hours < Decimal("4.01") and not billed.billing_now
    assert not DevServerEvent.objects.filter(devserver=already).exists()  # its status did not move
    assert not _drifts()

    with status_events_written_by_caller():  # as a service does, writing its own event after
        DevServer.objects.filter(pk=already.pk).update(status="STARTING")
    assert not DevServerEvent.objects.filter(devserver=already).exists()


def test_an_update_of_the_status_through_a_filter_on_a_joined_table_locks_only_the_servers(
    account, team, owner
):
    """FOR UPDATE may not lock the nullable side of an outer join: only the servers' rows are locked."""
    make_devserver(owner, account, team=team, name="joined", status="RUNNING")
    make_devserver(None, account, name="ownerless", status="RUNNING")

    moved = (
        DevServer.objects.exclude(owner__username="nobody")
        .exclude(team__name="other")
        .update(status="STOPPED")
    )

    assert moved == 2
    assert DevServerEvent.objects.filter(kind="status", status_to="STOPPED").count() == 2
