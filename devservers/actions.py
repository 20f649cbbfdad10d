"""Start, stop, reboot and delete: asked for by a user, carried out by the worker.

Asking moves the row at once to the action's transitional status with a conditional
update, so a second click (or a second admin) cannot send the same call twice and the
page shows progress immediately; the worker then calls the cloud and either applies
its answer or puts the previous status back with the cloud's reason.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from devservers import live, selectors
from devservers.cloud import client_for
from devservers.models import DevServer, DevServerEvent
from devservers.rules import LIFECYCLE_ACTIONS, LifecycleAction
from devservers.services import (
    FOLLOW_FIRST_DELAY,
    NextStep,
    Step,
    _live_scopes,
    apply_snapshot,
    audit,
    record_call,
    record_event,
)
from modelarts_client import CloudError


@dataclass(frozen=True)
class ActionRequest:
    devserver: DevServer
    accepted: bool
    reason: str = ""


def _cloud_call(action: LifecycleAction, client, cloud_id: str):
    calls = {
        "start": client.start_dev_server,
        "stop": client.stop_dev_server,
        "reboot": client.reboot_dev_server,
        "delete": client.delete_dev_server,
    }
    return calls[action.name](cloud_id)


def request_action(*, actor: AbstractBaseUser, devserver: DevServer, action_name: str) -> ActionRequest:
    """Check and claim the action for one row the actor can see; the worker does the call after commit."""
    from devservers import tasks

    action = LIFECYCLE_ACTIONS.get(action_name)
    if action is None:
        return ActionRequest(devserver, False, f"Unknown action {action_name!r}.")
    if not selectors.can_act_on(actor, devserver):
        return ActionRequest(devserver, False, f"You can view {devserver.name} but not act on it.")
    if not devserver.cloud_id:
        return ActionRequest(devserver, False, f"{devserver.name} has no server in the cloud.")
    previous = devserver.status
    if not action.allowed_in(previous):
        return ActionRequest(
            devserver,
            False,
            f"{action.label} is possible when {devserver.name} is {action.allowed_labels}; it is {devserver.status_label.lower()}.",
        )
    with transaction.atomic():
        claimed = DevServer.objects.filter(pk=devserver.pk, status=previous).update(
            status=action.transitional_status, updated_at=timezone.now()
        )
        if not claimed:
            return ActionRequest(devserver, False, f"{devserver.name} changed meanwhile; look again.")
        record_event(
            devserver,
            kind=DevServerEvent.Kind.STATUS,
            status_from=previous,
            status_to=action.transitional_status,
            operation=action.name,
            message=f"{action.label} asked by {actor.get_username()}.",
        )
        audit(actor=actor, action=action.name, devserver=devserver, outcome="requested")
        transaction.on_commit(lambda: tasks.run_action.delay(devserver.pk, action.name, previous, actor.pk))
        live.bump_after_commit(_live_scopes(devserver))
    devserver.status = action.transitional_status
    return ActionRequest(devserver, True)


def perform_action(
    *, devserver_id: int, action_name: str, previous_status: str, actor_id: int | None
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
            actor=actor, action=action.name, devserver=devserver, outcome=error.kind.value,
            detail=f"{error.error_code}: {error.error_msg}", request_id=error.request_id or "",
        )  # fmt: skip
        _restore(devserver, action, previous_status, error)
        # What the cloud really holds now is the follow task's to find out.
        return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)
    record_call(devserver, operation=action.name, request_id=server.request_id or "")
    audit(
        actor=actor, action=action.name, devserver=devserver, outcome="ok", request_id=server.request_id or ""
    )
    apply_snapshot(devserver_id=devserver.pk, server=server)
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _restore(devserver: DevServer, action: LifecycleAction, previous_status: str, error: CloudError) -> None:
    with transaction.atomic():
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
            live.bump_after_commit(_live_scopes(devserver))
