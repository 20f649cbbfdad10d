"""A delete asked while the server ran: the claim stopped it and kept the wish on the row
(`DevServer.delete_when_stopped`). Once the worker sees the server STOPPED (the follow, or else the
next reconcile), the delete is claimed here and the task layer queues its call. The wish lives in
the database, so a worker restart loses nothing. A stop that ends anywhere else drops the wish."""

from dataclasses import dataclass

from django.db import transaction

from devservers.history import record_event, set_status
from devservers.models import CHANGING_STATUSES, DevServer, DevServerEvent
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS
from modelarts_client import statuses as cloud_statuses


@dataclass(frozen=True)
class ClaimedDelete:
    previous_status: str
    actor_id: int | None


def rows_waiting(*, account_id: int) -> list[int]:
    """Rows of the account whose stop has ended and whose delete is still to be asked."""
    waiting = DevServer.objects.filter(account_id=account_id, delete_when_stopped=True)
    return list(waiting.exclude(status__in=CHANGING_STATUSES).values_list("pk", flat=True))


def claim_delete(*, devserver_id: int) -> ClaimedDelete | None:
    """STOPPED → DELETING for a row that waits for it (one winner); None when there is nothing to do."""
    delete = LIFECYCLE_ACTIONS["delete"]
    with transaction.atomic():
        devserver = (
            DevServer.objects.select_for_update().filter(pk=devserver_id, delete_when_stopped=True).first()
        )
        if devserver is None or devserver.status in CHANGING_STATUSES:
            return None
        if devserver.status != cloud_statuses.STOPPED:
            devserver.delete_when_stopped = False
            devserver.save(update_fields=["delete_when_stopped", "updated_at"])
            record_event(
                devserver,
                kind=DevServerEvent.Kind.NOTE,
                operation=delete.name,
                message=f"The stop ended {devserver.status}, not stopped: the delete asked is not sent.",
            )
            return None
        actor_id = devserver.delete_asked_by_id
        set_status(
            devserver,
            delete.transitional_status,
            message="Stopped: the delete asked while it ran goes out now.",
            delete_when_stopped=False,
        )
    return ClaimedDelete(previous_status=cloud_statuses.STOPPED, actor_id=actor_id)
