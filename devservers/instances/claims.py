"""Asking for start, stop, reboot or delete: check the right, then claim the row at once.

The claim moves the row to the action's transitional status with a conditional update, so a
second click (or a second admin) cannot send the same call twice and the page shows progress at
once; the worker's half (`provisioning.actions.perform_action`) runs after the commit. A delete asked of
a running server is a stop claimed with the wish to delete kept on the row.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from devservers import live, selectors, tasks
from devservers.history import audit, record_event
from devservers.models import DevServer, DevServerEvent, status_events_written_by_caller
from devservers.models.audit import ASKED_OUTCOME
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS, LifecycleAction, delete_stops_first


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
        return ActionRequest(devserver, False, _("Unknown action %(action)r.") % {"action": action_name})
    if actor is None and not actor_label:
        raise ValueError("An action with no user needs an actor_label naming who asks.")
    if actor is not None and not selectors.can_act_on(actor, devserver):
        return ActionRequest(
            devserver, False, _("You can view %(name)s but not act on it.") % {"name": devserver.name}
        )
    if not devserver.cloud_id:
        return ActionRequest(
            devserver, False, _("%(name)s has no server in the cloud.") % {"name": devserver.name}
        )
    previous = devserver.status
    if action.name == "delete" and actor is not None and delete_stops_first(previous):
        return _claim(
            actor=actor, actor_label=actor_label, devserver=devserver, previous=previous,
            action=LIFECYCLE_ACTIONS["stop"], audited_as=action,
            message=f"Delete asked by {actor.get_username()}: stopping first, then deleting.",
            wish={"delete_when_stopped": True, "delete_asked_by": actor},
        )  # fmt: skip
    if not action.allowed_in(previous):
        return ActionRequest(
            devserver,
            False,
            _("%(action)s is possible when %(name)s is %(allowed)s; it is %(status)s.")
            % {
                "action": action.label,
                "name": devserver.name,
                "allowed": action.allowed_labels,
                "status": str(devserver.status_label).lower(),
            },
        )
    return _claim(
        actor=actor, actor_label=actor_label, devserver=devserver, previous=previous, action=action,
        audited_as=action, message=f"{action.label} asked by {actor.get_username() if actor else actor_label}.",
    )  # fmt: skip


def _claim(
    *,
    actor: AbstractBaseUser | None,
    actor_label: str,
    devserver: DevServer,
    previous: str,
    action: LifecycleAction,
    audited_as: LifecycleAction,
    message: str,
    wish: dict[str, object] | None = None,
) -> ActionRequest:
    """Move the row to the action's transitional status (one winner), and queue the call after commit.

    A delete asked of a running server claims a stop and keeps the wish on the row (`wish`), so the
    worker deletes it once stopped (`provisioning.after_stop`); the audit trail says what was asked."""
    fields = wish or {}
    with transaction.atomic():
        with status_events_written_by_caller():
            claimed = DevServer.objects.filter(pk=devserver.pk, status=previous).update(
                status=action.transitional_status, updated_at=timezone.now(), **fields
            )
        if not claimed:
            return ActionRequest(
                devserver, False, _("%(name)s changed meanwhile; look again.") % {"name": devserver.name}
            )
        record_event(
            devserver,
            kind=DevServerEvent.Kind.STATUS,
            status_from=previous,
            status_to=action.transitional_status,
            operation=action.name,
            message=message,
        )
        detail = "Stopping first; deleted once stopped." if audited_as is not action else ""
        audit(
            actor=actor, actor_label=actor_label, action=audited_as.name, devserver=devserver,
            outcome=ASKED_OUTCOME, detail=detail,
        )  # fmt: skip
        actor_id = actor.pk if actor else None
        transaction.on_commit(
            lambda: tasks.run_action.delay(devserver.pk, action.name, previous, actor_id, actor_label)
        )
        live.bump_after_commit(live.scopes_of(devserver))
    devserver.status = action.transitional_status
    for name, value in fields.items():
        setattr(devserver, name, value)
    return ActionRequest(devserver, True)
