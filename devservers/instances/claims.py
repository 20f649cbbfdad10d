"""Asking for start, stop, reboot or delete: check the right, then claim the row at once.

The claim moves the row to the action's transitional status with a conditional update, so a
second click (or a second admin) cannot send the same call twice and the page shows progress at
once; the worker's half (`provisioning.actions.perform_action`) runs after the commit.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from devservers import live, selectors, tasks
from devservers.history import audit, record_event
from devservers.models import DevServer, DevServerEvent
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS


@dataclass(frozen=True)
class ActionRequest:
    devserver: DevServer
    accepted: bool
    reason: str = ""


def request_action(
    *, actor: AbstractBaseUser | None, devserver: DevServer, action_name: str, actor_label: str = ""
) -> ActionRequest:
    """Check and claim the action for one row the actor can see; the worker does the call after commit.

    With no user, the dashboard acts on its own (a schedule): `actor_label` names it in the event
    and the audit trail, and there is no user's right to check."""

    action = LIFECYCLE_ACTIONS.get(action_name)
    if action is None:
        return ActionRequest(devserver, False, f"Unknown action {action_name!r}.")
    if actor is None and not actor_label:
        raise ValueError("An action with no user needs an actor_label naming who asks.")
    if actor is not None and not selectors.can_act_on(actor, devserver):
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
            message=f"{action.label} asked by {actor.get_username() if actor else actor_label}.",
        )
        audit(actor=actor, actor_label=actor_label, action=action.name, devserver=devserver, outcome="requested")
        actor_id = actor.pk if actor else None
        transaction.on_commit(
            lambda: tasks.run_action.delay(devserver.pk, action.name, previous, actor_id, actor_label)
        )
        live.bump_after_commit(live.scopes_of(devserver))
    devserver.status = action.transitional_status
    return ActionRequest(devserver, True)
