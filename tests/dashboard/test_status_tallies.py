"""The status tally: rows per team, owner and status kept by PostgreSQL triggers, equal to a count of
the rows after every kind of write, folded by compaction without losing a change, and read by the
Instances page instead of the rows."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devservers import tallies
from devservers.models import CloudAccount, DevServer, Membership, StatusTally, Team
from tests.fixtures.dashboard import logged_in, stock_user
from tests.fixtures.world import make_devserver


def _account() -> CloudAccount:
    # No page or write here calls the cloud.
    return CloudAccount.objects.create(
        name="Tally (unreachable)", project_id="0" * 32, modelarts_endpoint="http://127.0.0.1:9"
    )


def _tally() -> dict[tuple, int]:
    found = StatusTally.objects.values_list("team_id", "owner_id", "status").annotate(rows=Sum("rows"))
    return {(team, owner, status): rows for team, owner, status, rows in found if rows}


def _counted() -> dict[tuple, int]:
    found = DevServer.objects.order_by().values_list("team_id", "owner_id", "status").annotate(rows=Count("pk"))
    return dict(((team, owner, status), rows) for team, owner, status, rows in found)


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_tally_equal_to_a_count_of_the_rows():
    account = _account()
    red, blue = Team.objects.create(name="red"), Team.objects.create(name="blue")
    alice, bob = stock_user("alice"), stock_user("bob")
    steps = []

    def check(step: str) -> None:
        steps.append(step)
        assert _tally() == _counted(), f"after {step}"
        assert tallies.drift() == 0, f"flavors or accelerators after {step}"

    first = make_devserver(alice, account, team=red, name="one")
    check("create")
    DevServer.objects.bulk_create(
        DevServer(owner=bob, account=account, team=blue, name=f"bulk-{index}", status=status, flavor="Si2.large.4")
        for index, status in enumerate(["QUEUED", "RUNNING", "RUNNING", "STOPPED"])
    )
    check("bulk_create")
    first.status = "STOPPING"
    first.save()
    check("save (as the Django admin does)")
    first.save()
    check("a save that moves nothing")
    assert DevServer.objects.filter(team=blue, status="RUNNING").update(status="STOPPED") == 2
    check("QuerySet.update of a status")
    DevServer.objects.filter(name__startswith="bulk-").update(team=red)
    check("QuerySet.update of a team")
    DevServer.objects.filter(name="bulk-0").update(owner=alice, status="CREATING")
    check("QuerySet.update of an owner and a status")
    DevServer.objects.filter(name="bulk-2").update(flavor="p2s.2xlarge.8", accelerator_count=1)
    check("QuerySet.update of a flavor and its accelerators")
    bob.delete()
    check("an owner deleted (SET NULL)")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE devservers_devserver SET status = 'ERROR' WHERE name = %s", ["bulk-1"])
    check("raw SQL")
    first.delete()
    check("delete")
    DevServer.objects.filter(team=red).delete()
    check("QuerySet.delete")
    assert _tally() == {}
    make_devserver(alice, account, team=blue, name="left")
    with connection.cursor() as cursor:
        # As Django's flush does between tests (the tally itself is left out of the flush); the
        # deferred foreign key checks first, as a TRUNCATE must not leave them pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {DevServer._meta.db_table} CASCADE")
    check("TRUNCATE")
    assert _tally() == {} and len(steps) == 13


@pytest.mark.django_db
def test_compacting_folds_the_changes_into_one_row_per_key_and_drops_the_keys_that_sum_to_nothing():
    account = _account()
    team = Team.objects.create(name="red")
    alice = stock_user("alice")
    rows = [make_devserver(alice, account, team=team, name=f"row-{index}", status="QUEUED") for index in range(6)]
    for status in ("CREATING", "RUNNING", "STOPPING", "STOPPED"):
        DevServer.objects.filter(pk__in=[row.pk for row in rows]).update(status=status)
    rows[0].delete()
    expected = _counted()
    assert StatusTally.objects.count() > len(expected)

    assert tallies.compact() == len(expected) == 1
    assert _tally() == expected == {(team.pk, alice.pk, "STOPPED"): 5}
    assert StatusTally.objects.count() == 1
    assert not StatusTally.objects.filter(rows=0).exists()


@pytest.mark.django_db(transaction=True)
def test_a_compaction_keeps_a_change_another_transaction_commits_while_it_runs():
    account = _account()
    team = Team.objects.create(name="red")
    alice = stock_user("alice")
    row = make_devserver(alice, account, team=team, name="moving", status="CREATING")
    written, compacted = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                DevServer.objects.filter(pk=row.pk).update(status="RUNNING")
                make_devserver(alice, account, team=team, name="new", status="QUEUED")
                written.set()
                assert compacted.wait(10)
        except BaseException as error:  # shown by the main thread's assert
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    tallies.compact()  # the writer's rows are not committed yet: this compaction cannot see them
    compacted.set()
    thread.join(10)

    assert not failures
    assert _tally() == _counted() == {(team.pk, alice.pk, "RUNNING"): 1, (team.pk, alice.pk, "QUEUED"): 1}
    tallies.compact()
    assert _tally() == _counted() and StatusTally.objects.count() == 2


@pytest.mark.django_db
def test_the_instance_list_counts_its_totals_from_the_tally_not_from_the_rows():
    account = _account()
    team = Team.objects.create(name="red")
    alice, bob = stock_user("alice"), stock_user("bob")
    Membership.objects.create(team=team, user=alice, role=Membership.Role.MEMBER)
    for index, status in enumerate(["RUNNING", "RUNNING", "CREATING", "AWAITING_APPROVAL", "STOPPED"]):
        make_devserver(bob, account, team=team, name=f"team-{index}", status=status)
    make_devserver(alice, account, name="own, no team", status="RUNNING")
    make_devserver(bob, account, name="someone else's", status="RUNNING")

    with CaptureQueriesContext(connection) as captured:
        response = logged_in(alice).get(reverse("devservers:list"))

    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals == {"total": 6, "running": 3, "changing": 1, "awaiting": 1}
    counting = [
        query["sql"]
        for query in captured
        if "COUNT(" in query["sql"] and f'FROM "{DevServer._meta.db_table}"' in query["sql"]
    ]
    assert counting == [], "the totals must not count the rows"
    assert any(StatusTally._meta.db_table in query["sql"] for query in captured)
    mine = logged_in(alice).get(reverse("devservers:list"), {"scope": "mine"})
    assert mine.context["totals"] == {"total": 1, "running": 1, "changing": 0, "awaiting": 0}



@pytest.mark.django_db
def test_the_command_finds_a_tally_that_drifted_and_counts_it_again():
    account = _account()
    team = Team.objects.create(name="red")
    alice = stock_user("alice")
    for index in range(3):
        make_devserver(alice, account, team=team, name=f"row-{index}")
    call_command("status_tally", stdout=io.StringIO())  # matches: no error
    StatusTally.objects.create(team=team, owner=alice, status="RUNNING", rows=5)  # as a lost trigger would leave it

    with pytest.raises(CommandError, match="differs from the rows for 1 keys"):
        call_command("status_tally", stdout=io.StringIO())
    out = io.StringIO()
    call_command("status_tally", "--rebuild", stdout=out)

    assert "matches" in out.getvalue()
    assert _tally() == _counted() == {(team.pk, alice.pk, "RUNNING"): 3}
