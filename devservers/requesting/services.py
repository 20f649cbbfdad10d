"""Writes of the requesting room: saving a request as its intent rows, and a team admin's decision."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from devservers import live, tasks
from devservers.crypto import encrypt_secret
from devservers.history import audit, record_event
from devservers.models import (
    AWAITING_APPROVAL,
    DECLINED,
    QUEUED,
    CloudAccount,
    DevServer,
    DevServerEvent,
    Team,
    erased_password,
    status_events_written_by_caller,
)
from devservers.requesting import rules
from devservers.requesting.spec import DevServerSpec


def devserver_request(
    *,
    owner: AbstractBaseUser,
    account: CloudAccount,
    spec: DevServerSpec,
    admin_pass: str,
    team: Team | None = None,
    approval_reasons: list[str] | None = None,
) -> list[DevServer]:
    """Save the intent (one row per server); queue each submission once committed, unless it awaits approval."""

    held_back = bool(approval_reasons)
    status = AWAITING_APPROVAL if held_back else QUEUED
    batch_id = uuid.uuid4() if spec.count > 1 else None
    with transaction.atomic():
        rows = [
            DevServer.objects.create(
                owner=owner,
                account=account,
                team=team,
                batch_id=batch_id,
                name=rules.name_with_suffix(spec.name, index, spec.count),
                admin_pass_encrypted=encrypt_secret(admin_pass) if spec.login_method == "password" else "",
                status=status,
                approval_reasons=approval_reasons or [],
                **_spec_fields(spec),
            )
            for index in range(1, spec.count + 1)
        ]
        for row in rows:
            why = f" Needs approval: {', '.join(approval_reasons)}." if held_back else ""
            record_event(
                row,
                kind=DevServerEvent.Kind.REQUESTED,
                status_to=status,
                message=f"Requested by {owner.get_username()}: {row.flavor}, {row.image_name or row.image_id}.{why}",
            )
            audit(actor=owner, action="request", devserver=row, outcome=status.lower(), detail=why.strip())
            if not held_back:
                transaction.on_commit(lambda row_id=row.pk: tasks.submit_devserver.delay(row_id))
            live.bump_after_commit(live.scopes_of(row))
    return rows


def _decide(
    *,
    devserver_id: int,
    actor: AbstractBaseUser,
    status: str,
    action: str,
    outcome: str,
    message: str,
    **fields: object,
) -> DevServer | None:
    """Move a request out of AWAITING_APPROVAL; None when another decision came first."""
    now = timezone.now()
    with status_events_written_by_caller():
        decided = DevServer.objects.filter(pk=devserver_id, status=AWAITING_APPROVAL).update(
            status=status, decided_by=actor, decided_at=now, updated_at=now, **fields
        )
    if not decided:
        return None
    devserver = DevServer.objects.get(pk=devserver_id)
    record_event(
        devserver,
        kind=DevServerEvent.Kind.STATUS,
        status_from=AWAITING_APPROVAL,
        status_to=status,
        message=message,
    )
    audit(actor=actor, action=action, devserver=devserver, outcome=outcome, detail=devserver.decline_reason)
    live.bump_after_commit(live.scopes_of(devserver))
    return devserver


def approve_request(*, devserver_id: int, actor: AbstractBaseUser) -> bool:
    """Release a held-back request to the worker; False when it was no longer waiting."""

    with transaction.atomic():
        devserver = _decide(
            devserver_id=devserver_id,
            actor=actor,
            status=QUEUED,
            action="approve",
            outcome="approved",
            message=f"Approved by {actor.get_username()}.",
        )
        if devserver is not None:
            transaction.on_commit(lambda: tasks.submit_devserver.delay(devserver_id))
    return devserver is not None


def decline_request(*, devserver_id: int, actor: AbstractBaseUser, reason: str) -> bool:
    with transaction.atomic():
        devserver = _decide(
            devserver_id=devserver_id,
            actor=actor,
            status=DECLINED,
            action="decline",
            outcome="declined",
            message=f"Declined by {actor.get_username()}: {reason}",
            decline_reason=reason,
            **erased_password(),
        )
    return devserver is not None


def _spec_fields(spec: DevServerSpec) -> dict[str, object]:
    fields = {name: getattr(spec, name) for name in DevServerSpec.__dataclass_fields__}
    del fields["name"], fields["count"]
    return fields
