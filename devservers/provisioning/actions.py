"""The worker's half of start, stop, reboot and delete: call the cloud, apply its answer, or put
the previous status back with the cloud's reason. The asking half is `instances.claims`."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from devservers import live
from devservers.cloud import client_for
from devservers.history import audit, record_call, record_event
from devservers.models import DevServer, DevServerEvent, status_events_written_by_caller
from devservers.provisioning.follow import apply_snapshot
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS, LifecycleAction
from devservers.provisioning.steps import FOLLOW_FIRST_DELAY, NextStep, Step
from modelarts_client import CloudError, ErrorKind


def _cloud_call(action: LifecycleAction, client, cloud_id: str):
    calls = {
        "start": client.start_dev_server,
        "stop": client.stop_dev_server,
        "reboot": client.reboot_dev_server,
        "delete": client.delete_dev_server,
    }
    return calls[action.name](cloud_id)


def perform_action(
    *, devserver_id: int, action_name: str, previous_status: str, actor_id: int | None, actor_label: str = ""
) -> NextStep:
    action = LIFECYCLE_ACTIONS[action_name]
    devserver = DevServer.objects.select_related("account", "team").filter(pk=devserver_id).first()
    if devserver is None or devserver.status != action.transitional_status:
        return NextStep.nothing()
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        server = _cloud_call(action, client_for(devserver.account), devserver.cloud_id)
    except CloudError as error:
        record_call(devserver, operation=action.name, error=error)
        audit(
            actor=actor, actor_label=actor_label, action=action.name, devserver=devserver,
            outcome=error.kind.value, detail=f"{error.error_code}: {error.error_msg}",
            request_id=error.request_id or "",
        )  # fmt: skip
        if not (error.kind is ErrorKind.PERMANENT and _already_past(devserver, action, error)):
            _restore(devserver, action, previous_status, error)
        # What the cloud really holds now is the follow task's to find out.
        return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)
    record_call(devserver, operation=action.name, request_id=server.request_id or "")
    audit(
        actor=actor, actor_label=actor_label, action=action.name, devserver=devserver, outcome="ok",
        request_id=server.request_id or "",
    )  # fmt: skip
    apply_snapshot(devserver_id=devserver.pk, server=server)
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _already_past(devserver: DevServer, action: LifecycleAction, error: CloudError) -> bool:
    """A refusal because the server is already past the action: the task was delivered again after
    its first worker was lost mid-call, and that call went through. Then the cloud's state is taken,
    not the status the action started from."""
    try:
        server = client_for(devserver.account).get_dev_server(devserver.cloud_id)
    except CloudError:
        return False
    if action.allowed_in(server.status or ""):
        return False
    record_event(
        devserver,
        kind=DevServerEvent.Kind.NOTE,
        operation=action.name,
        message=f"The cloud refused to {action.name}: {error.error_msg}; the server is already {server.status}.",
    )
    apply_snapshot(devserver_id=devserver.pk, server=server)
    return True


def _restore(devserver: DevServer, action: LifecycleAction, previous_status: str, error: CloudError) -> None:
    with transaction.atomic():
        with status_events_written_by_caller():
            restored = DevServer.objects.filter(pk=devserver.pk, status=action.transitional_status).update(
                status=previous_status,
                error_code=error.error_code,
                error_msg=error.error_msg,
                error_request_id=error.request_id or "",
                updated_at=timezone.now(),
            )
        if restored:
            record_event(
                devserver,
                kind=DevServerEvent.Kind.STATUS,
                status_from=action.transitional_status,
                status_to=previous_status,
                operation=action.name,
                message=f"The cloud refused to {action.name}: {error.error_msg}",
            )
            live.bump_after_commit(live.scopes_of(devserver))
