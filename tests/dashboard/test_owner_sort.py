"""The owner sort reads its page from an index: each row keeps its owner's username, copied by the
database's triggers whatever writes the row or renames the user (migration 0020), and every sort
key of the review page, either way round, has an index that gives its order without sorting."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from devservers.models import DevServer
from devservers.review.sorting import SORT_COLUMNS, sort_ordering
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db


def _owner_name(row: DevServer) -> str | None:
    return DevServer.objects.values_list("owner_name", flat=True).get(pk=row.pk)


def test_a_row_takes_its_owners_name_however_it_is_written(owner, teammate, account, team):
    created = make_devserver(owner, account, team=team, name="made")
    assert _owner_name(created) == "alice"

    created.owner = teammate
    created.save()
    assert _owner_name(created) == "bob"

    DevServer.objects.filter(pk=created.pk).update(owner=owner)
    assert _owner_name(created) == "alice"

    (bulk,) = DevServer.objects.bulk_create(
        [DevServer(owner=teammate, account=account, team=team, name="bulk")]
    )
    assert _owner_name(bulk) == "bob"


def test_a_written_name_that_is_not_the_owners_is_put_right(owner, account, team):
    row = make_devserver(owner, account, team=team, name="made")
    DevServer.objects.filter(pk=row.pk).update(owner_name="mallory")
    assert _owner_name(row) == "alice"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE devservers_devserver SET owner_name = 'mallory' WHERE id = %s", [row.pk])
    assert _owner_name(row) == "alice"


def test_a_renamed_user_renames_their_rows_and_a_deleted_one_leaves_none(owner, teammate, account, team):
    kept = make_devserver(teammate, account, team=team, name="bobs")
    renamed = make_devserver(owner, account, team=team, name="alices")
    owner.username = "alice-smith"
    owner.save()
    assert _owner_name(renamed) == "alice-smith"
    assert _owner_name(kept) == "bob"

    User.objects.filter(pk=owner.pk).delete()
    assert _owner_name(renamed) is None
    assert _owner_name(kept) == "bob"


def test_the_owner_sort_follows_a_rename_and_puts_rows_without_an_owner_last(owner, teammate, account, team):
    make_devserver(owner, account, team=team, name="of-alice")
    make_devserver(teammate, account, team=team, name="of-bob")
    make_devserver(None, account, team=team, name="of-nobody", is_imported=True)
    client = logged_in(teammate)

    def names_in_order(sort: str) -> list[str]:
        page = client.get(reverse("devservers:review"), {"sort": sort}).content.decode()
        return sorted(("of-alice", "of-bob", "of-nobody"), key=page.index)

    assert names_in_order("owner") == ["of-alice", "of-bob", "of-nobody"]
    assert names_in_order("-owner") == ["of-bob", "of-alice", "of-nobody"]
    owner.username = "zoe"
    owner.save()
    assert names_in_order("owner") == ["of-bob", "of-alice", "of-nobody"]


def _plan(rows) -> str:
    with connection.cursor() as cursor:
        # Sorting, in full or by its later keys, costs the planner so much that it takes any index
        # that gives the whole order instead.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        try:
            return rows.explain()
        finally:
            cursor.execute("SET LOCAL enable_sort = on")
            cursor.execute("SET LOCAL enable_incremental_sort = on")


SORT_KEYS = [key for name in SORT_COLUMNS for key in (name, f"-{name}")]


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_sort_has_an_index_that_gives_its_order(owner, teammate, account, team, key):
    for index in range(40):
        make_devserver(owner if index % 2 else teammate, account, team=team, name=f"row-{index}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE devservers_devserver")  # plans from the table as it is, not an empty one
    ordering = sort_ordering([key])
    for page in (
        DevServer.objects.order_by(*ordering)[:25],
        DevServer.objects.filter(team=team).order_by(*ordering)[:25],
    ):
        plan = _plan(page)
        assert "Index" in plan and "Sort" not in plan, plan
