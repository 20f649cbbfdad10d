"""What happened to a row, for people: its events (the timeline) and the audit trail (who did what).

Every status change of the flow goes through `set_status` or writes its event beside its own update,
so it always leaves an event and reaches open pages; a status changed elsewhere gets its event from the
Django admin's save or the queryset's update (`models/servers.py`).
"""

from django.contrib.auth.models import AbstractBaseUser

from devservers import live
from devservers.models import AuditEntry, DevServer, DevServerEvent, Team
from devservers.notifications import tasks as notices
from modelarts_client import CloudError


def record_event(devserver: DevServer, *, kind: str, **fields: object) -> DevServerEvent:
    event = DevServerEvent.objects.create(devserver=devserver, kind=kind, **fields)
    # Every status change leaves an event, so this is the one place that tells people about it.
    if event.status_to:
        notices.status_changed(devserver, status_from=event.status_from, status_to=event.status_to)
    return event


def record_call(
    devserver: DevServer, *, operation: str, error: CloudError | None = None, request_id: str = ""
) -> None:
    if error is None:
        record_event(
            devserver, kind=DevServerEvent.Kind.CALL, operation=operation, outcome="ok", request_id=request_id
        )
        return
    record_event(
        devserver,
        kind=DevServerEvent.Kind.CALL,
        operation=operation,
        outcome=error.kind.value,
        http_status=error.status,
        error_code=error.error_code,
        message=error.error_msg,
        request_id=error.request_id or "",
    )


def audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    devserver: DevServer | None = None,
    team: Team | None = None,
    outcome: str = "",
    detail: str = "",
    request_id: str = "",
    actor_label: str = "",
) -> AuditEntry:
    """`actor_label` names who acted when no user did, such as "schedule"."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label,
        action=action,
        devserver=devserver,
        team=team if team is not None else (devserver.team if devserver is not None else None),
        outcome=outcome,
        detail=detail,
        request_id=request_id,
    )


def set_status(devserver: DevServer, status: str, *, message: str = "", **fields: object) -> None:
    """Write a new status with an event; the caller holds the row (lease or lock)."""
    previous = devserver.status
    devserver.status = status
    for name, value in fields.items():
        setattr(devserver, name, value)
    devserver.save(update_fields=["status", "updated_at", *fields])
    if previous != status:
        record_event(
            devserver,
            kind=DevServerEvent.Kind.STATUS,
            status_from=previous,
            status_to=status,
            message=message,
        )
    live.bump_after_commit(live.scopes_of(devserver))
