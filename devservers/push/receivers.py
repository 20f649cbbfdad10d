"""The one place every write of a DevServer row is heard: `save()` (services, the worker, the Django
admin) through post_save, `delete()` through post_delete, and `QuerySet.update()` through the
queryset's own `rows_updated`. Each bumps the rows' poll counters and, once the transaction commits,
publishes the change to the open pages. Connected by `DevserversConfig.ready()`."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from devservers import live
from devservers.models import DevServer
from devservers.models.servers import rows_updated
from devservers.push.channel import Change, publish

RowIds = tuple[int, int | None, int | None]  # (pk, owner_id, team_id)
_OWNERSHIP_FIELDS = frozenset({"owner", "owner_id", "team", "team_id"})


def changed(
    rows: list[RowIds], *, created: bool = False, deleted: bool = False, totals_may_change: bool = True
) -> None:
    scopes: set[str] = set()
    for pk, owner_id, team_id in rows:
        scopes.update(live.scopes_for(pk, owner_id=owner_id, team_id=team_id))
    ids = frozenset(pk for pk, _, _ in rows)
    change = Change(
        ids=ids,
        scopes=frozenset(scopes),
        created=ids if created else frozenset(),
        deleted=ids if deleted else frozenset(),
        totals_may_change=totals_may_change,
    )
    live.bump_after_commit(sorted(scopes))
    transaction.on_commit(lambda: publish(change))


@receiver(post_save, sender=DevServer, dispatch_uid="devservers.push.saved")
def _saved(
    sender: type, instance: DevServer, created: bool, update_fields: frozenset | None, **_: object
) -> None:
    changed(
        [(instance.pk, instance.owner_id, instance.team_id)],
        created=created,
        totals_may_change=created or update_fields is None or "status" in update_fields,
    )


@receiver(post_delete, sender=DevServer, dispatch_uid="devservers.push.deleted")
def _deleted(sender: type, instance: DevServer, **_: object) -> None:
    changed([(instance.pk, instance.owner_id, instance.team_id)], deleted=True)


@receiver(rows_updated, sender=DevServer, dispatch_uid="devservers.push.updated")
def _updated(sender: type, rows: list[RowIds], fields: frozenset[str], **_: object) -> None:
    if fields & _OWNERSHIP_FIELDS:
        # The rows now show on their new owner's and team's pages too.
        rows = rows + list(
            DevServer._base_manager.filter(pk__in=[pk for pk, _, _ in rows]).values_list(
                "pk", "owner_id", "team_id"
            )
        )
    changed(rows, totals_may_change="status" in fields)
