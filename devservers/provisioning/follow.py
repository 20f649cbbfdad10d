"""Following a server: apply what the cloud says, never letting an older snapshot win."""

import logging

from django.db import transaction
from django.utils import timezone

from devservers.cloud import client_for
from devservers.history import record_call, set_status
from devservers.models import CHANGING_STATUSES, DevServer
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS
from devservers.provisioning.steps import (
    FOLLOW_FIRST_DELAY,
    FOLLOW_MAX_DELAY,
    NextStep,
    Step,
    backoff_seconds,
)
from modelarts_client import CloudError
from modelarts_client import DevServer as CloudServer
from modelarts_client import statuses as cloud_statuses
from modelarts_client.errors import NOT_FOUND_CODE

logger = logging.getLogger(__name__)


def snapshot_fields(devserver: DevServer, server: CloudServer) -> dict[str, object]:
    fields: dict[str, object] = {
        "cloud_create_at": server.create_at,
        "cloud_update_at": server.update_at,
        "last_response": {key: value for key, value in server.raw.items() if key != "admin_pass"},
        "volumes": [
            {"size": volume.size, "type": volume.type, "evs_type": volume.evs_type, "evs_id": volume.evs_id}
            for volume in server.volumes
        ],
    }
    if server.private_ip:
        fields["private_ip"] = server.private_ip
    if server.order_id:
        fields["order_id"] = server.order_id
    if server.status == cloud_statuses.RUNNING and devserver.running_at is None:
        fields["running_at"] = timezone.now()
    return fields


def apply_snapshot(*, devserver_id: int, server: CloudServer) -> bool:
    """Apply what the cloud said about a server, unless the row already holds something newer."""
    with transaction.atomic():
        devserver = DevServer.objects.select_for_update().filter(pk=devserver_id).first()
        if devserver is None:
            return False
        newer_known = (
            devserver.cloud_update_at is not None
            and server.update_at is not None
            and server.update_at < devserver.cloud_update_at
        )
        if newer_known or devserver.status == cloud_statuses.DELETED:
            return False
        status = server.status or devserver.status
        not_newer = (
            devserver.cloud_update_at is not None
            and server.update_at is not None
            and server.update_at <= devserver.cloud_update_at
        )
        if not_newer and _undoes_claimed_action(devserver.status, status):
            # A snapshot read before an action was asked for would put the old status back.
            return False
        fields = snapshot_fields(devserver, server)
        if status == devserver.status and fields["cloud_update_at"] == devserver.cloud_update_at:
            return False
        set_status(devserver, status, **fields)
        return True


def _undoes_claimed_action(current_status: str, incoming_status: str) -> bool:
    return any(
        action.transitional_status == current_status and action.allowed_in(incoming_status)
        for action in LIFECYCLE_ACTIONS.values()
    )


def mark_gone(*, devserver_id: int, message: str) -> None:
    with transaction.atomic():
        devserver = DevServer.objects.select_for_update().filter(pk=devserver_id).first()
        if devserver is not None and devserver.status != cloud_statuses.DELETED:
            set_status(devserver, cloud_statuses.DELETED, message=message)


def _is_not_found(error: CloudError) -> bool:
    """The service says the server does not exist; a gateway 404 (APIG.*: no such path) says nothing of it."""
    if error.error_code == NOT_FOUND_CODE:
        return True
    return error.status == 404 and not (error.error_code or "").startswith("APIG.")


def confirm_gone(*, devserver_id: int) -> None:
    """A list that leaves a server out proves nothing (a service may page it oddly): ask for the
    server itself, and mark the row gone only when the cloud answers that it does not exist."""
    devserver = DevServer.objects.select_related("account").filter(pk=devserver_id).first()
    if devserver is None or not devserver.cloud_id:
        return
    try:
        server = client_for(devserver.account).get_dev_server(devserver.cloud_id)
    except CloudError as error:
        if _is_not_found(error):
            mark_gone(devserver_id=devserver_id, message="The cloud no longer knows this server.")
        else:
            logger.warning("Could not confirm server %s is gone: %s", devserver_id, error.error_code)
        return
    apply_snapshot(devserver_id=devserver_id, server=server)


def refresh_devserver(*, devserver_id: int, attempt: int) -> NextStep:
    devserver = DevServer.objects.select_related("account").filter(pk=devserver_id).first()
    if devserver is None or not devserver.cloud_id or devserver.is_final:
        return NextStep.nothing()
    try:
        server = client_for(devserver.account).get_dev_server(devserver.cloud_id)
    except CloudError as error:
        if _is_not_found(error):
            mark_gone(devserver_id=devserver_id, message="The cloud no longer knows this server.")
            return NextStep.nothing()
        record_call(devserver, operation="show", error=error)
        return NextStep(Step.FOLLOW, countdown=max(error.retry_after or 0.0, _follow_delay(attempt)))
    apply_snapshot(devserver_id=devserver_id, server=server)
    devserver.refresh_from_db(fields=["status", "delete_when_stopped"])
    if devserver.status in CHANGING_STATUSES:
        return NextStep(Step.FOLLOW, countdown=_follow_delay(attempt))
    if devserver.delete_when_stopped:
        # A delete was asked while it ran: its stop has ended (provisioning/after_stop.py).
        return NextStep(Step.DELETE_WHEN_STOPPED)
    return NextStep.nothing()


def _follow_delay(attempt: int) -> float:
    return backoff_seconds(attempt, first=FOLLOW_FIRST_DELAY * 2, most=FOLLOW_MAX_DELAY)
