"""Every write the dashboard makes: requesting servers, the create flow, following status.

Services never enqueue work themselves, except through `transaction.on_commit` when a
request is saved; the tasks read what a service returns and schedule the next step.
"""

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from devservers import catalog, live, rules
from devservers.cloud import client_for
from devservers.crypto import decrypt_secret, encrypt_secret
from devservers.forms import DevServerSpec
from devservers.models import (
    AWAITING_APPROVAL,
    CHANGING_STATUSES,
    DECLINED,
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    SUBMITTING,
    AuditEntry,
    CloudAccount,
    DevServer,
    DevServerEvent,
    Team,
)
from modelarts_client import (
    ChargingInfo,
    CloudError,
    CreateServerRequest,
    DataVolume,
    ErrorKind,
    RootVolume,
    ServerNetwork,
)
from modelarts_client import DevServer as CloudServer
from modelarts_client import statuses as cloud_statuses

logger = logging.getLogger(__name__)

SUBMIT_LEASE = timedelta(minutes=2)
MAX_TRANSIENT_SUBMITS = 5
MAX_CREATE_POSTS = 2
UNKNOWN_OUTCOME_CHECKS = 3
FOLLOW_FIRST_DELAY = 2.0
FOLLOW_MAX_DELAY = 15.0
NAME_TAKEN_CODE = "ModelArts.6301"
NOT_FOUND_CODE = "ModelArts.6309"


class Step(Enum):
    NOTHING = "nothing"
    FOLLOW = "follow"
    RETRY_SUBMIT = "retry_submit"
    CHECK_OUTCOME = "check_outcome"


@dataclass(frozen=True)
class NextStep:
    step: Step
    countdown: float = 0.0

    @classmethod
    def nothing(cls) -> "NextStep":
        return cls(Step.NOTHING)


def backoff_seconds(attempt: int, *, first: float, most: float) -> float:
    """Exponential back-off with full jitter on the upper half, so retries spread out."""
    ceiling = min(most, first * (1.5**attempt))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# Events and live updates ----------------------------------------------------------------------------


def record_event(devserver: DevServer, *, kind: str, **fields: object) -> DevServerEvent:
    return DevServerEvent.objects.create(devserver=devserver, kind=kind, **fields)


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


def _live_scopes(devserver: DevServer) -> list[str]:
    scopes = [live.devserver_scope(devserver.pk), "all"]
    if devserver.owner_id is not None:
        scopes.append(live.owner_scope(devserver.owner_id))
    if devserver.team_id is not None:
        scopes.append(live.team_scope(devserver.team_id))
    return scopes


def audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    devserver: DevServer | None = None,
    team: Team | None = None,
    outcome: str = "",
    detail: str = "",
    request_id: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        devserver=devserver,
        team=team if team is not None else (devserver.team if devserver is not None else None),
        outcome=outcome,
        detail=detail,
        request_id=request_id,
    )


def _set_status(devserver: DevServer, status: str, *, message: str = "", **fields: object) -> None:
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
    live.bump_after_commit(_live_scopes(devserver))


# Requesting ------------------------------------------------------------------------------------------


def devserver_request(
    *,
    owner: AbstractBaseUser,
    account: CloudAccount,
    spec: DevServerSpec,
    admin_password: str,
    team: Team | None = None,
    approval_reasons: list[str] | None = None,
) -> list[DevServer]:
    """Save the intent (one row per server); queue each submission once committed, unless it awaits approval."""
    from devservers import tasks

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
                admin_pass_encrypted=encrypt_secret(admin_password)
                if spec.login_method == "password"
                else "",
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
            live.bump_after_commit(_live_scopes(row))
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
    live.bump_after_commit(_live_scopes(devserver))
    return devserver


def approve_request(*, devserver_id: int, actor: AbstractBaseUser) -> bool:
    """Release a held-back request to the worker; False when it was no longer waiting."""
    from devservers import tasks

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
            admin_pass_encrypted="",
        )
    return devserver is not None


def _spec_fields(spec: DevServerSpec) -> dict[str, object]:
    fields = {name: getattr(spec, name) for name in DevServerSpec.__dataclass_fields__}
    del fields["name"], fields["count"]
    return fields


def create_request_for(devserver: DevServer) -> CreateServerRequest:
    charging_info = None
    if devserver.charging_mode == "PRE_PAID":
        charging_info = ChargingInfo(
            charging_mode="PRE_PAID",
            period_type=devserver.period_type,
            period_num=devserver.period_num,
            is_auto_pay=devserver.is_auto_pay,
            is_auto_renew=devserver.is_auto_renew,
        )
    root_volume = None
    if devserver.root_volume_type or devserver.root_volume_size:
        root_volume = RootVolume(size=devserver.root_volume_size, type=devserver.root_volume_type or None)
    data_volume = None
    if devserver.data_volume_type and devserver.data_volume_size:
        data_volume = DataVolume(
            size=devserver.data_volume_size,
            type=devserver.data_volume_type,
            count=devserver.data_volume_count or 1,
        )
    return CreateServerRequest(
        name=devserver.name,
        flavor=devserver.flavor,
        image_id=devserver.image_id,
        network=ServerNetwork(
            vpc_id=devserver.vpc_id,
            subnet_id=devserver.subnet_id,
            security_group_id=devserver.security_group_id,
            ipv6_enable=devserver.ipv6_enable or None,
            roce_id=devserver.roce_id or None,
        ),
        admin_pass=decrypt_secret(devserver.admin_pass_encrypted) or None,
        key_pair_name=devserver.key_pair_name or None,
        arch=devserver.arch or None,
        availability_zone=devserver.availability_zone or None,
        charging_info=charging_info,
        enterprise_project_id=devserver.enterprise_project_id or None,
        root_volume=root_volume,
        data_volume=data_volume,
        server_type=devserver.server_type or None,
        userdata=devserver.userdata or None,
    )


# The create flow ---------------------------------------------------------------------------------------


def _take_submit_lease(devserver_id: int) -> DevServer | None:
    """One winner: only the task whose conditional update matched a row goes on."""
    now = timezone.now()
    taken = (
        DevServer.objects.filter(pk=devserver_id)
        .filter(Q(status=QUEUED) | Q(status=SUBMITTING, lease_expires_at__lt=now))
        .update(status=SUBMITTING, lease_expires_at=now + SUBMIT_LEASE, updated_at=now)
    )
    if not taken:
        return None
    devserver = DevServer.objects.select_related("account").get(pk=devserver_id)
    record_event(devserver, kind=DevServerEvent.Kind.STATUS, status_from=QUEUED, status_to=SUBMITTING)
    live.bump_after_commit(_live_scopes(devserver))
    return devserver


def find_cloud_server_by_name(account: CloudAccount, name: str) -> CloudServer | None:
    for server in client_for(account).iter_dev_servers(all_users=True):
        if server.name == name and server.status != cloud_statuses.DELETED:
            return server
    return None


def submit_devserver(*, devserver_id: int) -> NextStep:
    devserver = _take_submit_lease(devserver_id)
    if devserver is None:
        return NextStep.nothing()
    try:
        existing = find_cloud_server_by_name(devserver.account, devserver.name)
    except CloudError as error:
        record_call(devserver, operation="list", error=error)
        return _after_transient_submit_failure(devserver, error)
    if existing is not None:
        return _adopt(devserver, existing)
    return _post_create(devserver)


def _post_create(devserver: DevServer) -> NextStep:
    DevServer.objects.filter(pk=devserver.pk).update(submit_attempts=F("submit_attempts") + 1)
    devserver.refresh_from_db(fields=["submit_attempts"])
    try:
        server = client_for(devserver.account).create_dev_server(create_request_for(devserver))
    except CloudError as error:
        record_call(devserver, operation="create", error=error)
        audit(
            actor=None, action="create", devserver=devserver, outcome=error.kind.value,
            detail=f"{error.error_code}: {error.error_msg}", request_id=error.request_id or "",
        )  # fmt: skip
        if error.kind is ErrorKind.PERMANENT:
            _reject(devserver, error)
            return NextStep.nothing()
        if error.kind is ErrorKind.OUTCOME_UNKNOWN:
            _set_status(
                devserver,
                OUTCOME_UNKNOWN,
                message="The create call's answer was lost; looking for the server before trying again.",
                error_code=error.error_code,
                error_msg=error.error_msg,
                error_request_id=error.request_id or "",
            )
            return NextStep(Step.CHECK_OUTCOME, countdown=backoff_seconds(0, first=4.0, most=30.0))
        # Nothing reached the cloud's backend: submitting again cannot buy a second server.
        DevServer.objects.filter(pk=devserver.pk).update(submit_attempts=F("submit_attempts") - 1)
        return _after_transient_submit_failure(devserver, error)
    record_call(devserver, operation="create", request_id=server.request_id or "")
    audit(actor=None, action="create", devserver=devserver, outcome="ok", request_id=server.request_id or "")
    _store_cloud_server(devserver, server, message="The cloud accepted the request.")
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _after_transient_submit_failure(devserver: DevServer, error: CloudError) -> NextStep:
    failures = devserver.events.filter(kind=DevServerEvent.Kind.CALL).exclude(outcome="ok").count()
    if failures >= MAX_TRANSIENT_SUBMITS:
        _reject(devserver, error, message="The cloud kept failing; giving up. Try again later.")
        return NextStep.nothing()
    _set_status(devserver, QUEUED, message=f"The cloud is unavailable ({error.error_code}); retrying.")
    countdown = max(error.retry_after or 0.0, backoff_seconds(failures, first=2.0, most=60.0))
    return NextStep(Step.RETRY_SUBMIT, countdown=countdown)


def _reject(devserver: DevServer, error: CloudError, *, message: str = "") -> None:
    _set_status(
        devserver,
        REJECTED,
        message=message or error.error_msg,
        error_code=error.error_code,
        error_msg=error.error_msg,
        error_request_id=error.request_id or "",
        admin_pass_encrypted="",
        lease_expires_at=None,
    )


def _adopt(devserver: DevServer, server: CloudServer) -> NextStep:
    if server.flavor != devserver.flavor or (server.image and server.image.image_id != devserver.image_id):
        _set_status(
            devserver,
            REJECTED,
            message="Another server in the cloud already has this name.",
            error_code=NAME_TAKEN_CODE,
            error_msg=f"The name {devserver.name} is already used by another server in this project.",
            admin_pass_encrypted="",
            lease_expires_at=None,
        )
        return NextStep.nothing()
    _store_cloud_server(devserver, server, message="Found the server in the cloud and adopted it.")
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _store_cloud_server(devserver: DevServer, server: CloudServer, *, message: str) -> None:
    """The create has been answered: keep the id at once and erase the password."""
    _set_status(
        devserver,
        server.status or cloud_statuses.CREATING,
        message=message,
        cloud_id=server.id or "",
        submitted_at=timezone.now(),
        admin_pass_encrypted="",
        lease_expires_at=None,
        error_code="",
        error_msg="",
        error_request_id="",
        **_snapshot_fields(devserver, server),
    )


def check_unknown_outcome(*, devserver_id: int, check_number: int) -> NextStep:
    devserver = (
        DevServer.objects.select_related("account").filter(pk=devserver_id, status=OUTCOME_UNKNOWN).first()
    )
    if devserver is None:
        return NextStep.nothing()
    try:
        existing = find_cloud_server_by_name(devserver.account, devserver.name)
    except CloudError as error:
        record_call(devserver, operation="list", error=error)
        return NextStep(Step.CHECK_OUTCOME, countdown=backoff_seconds(check_number, first=4.0, most=60.0))
    if existing is not None:
        return _adopt(devserver, existing)
    if check_number < UNKNOWN_OUTCOME_CHECKS:
        return NextStep(Step.CHECK_OUTCOME, countdown=backoff_seconds(check_number, first=4.0, most=30.0))
    if devserver.submit_attempts >= MAX_CREATE_POSTS:
        _set_status(
            devserver,
            REJECTED,
            message="The cloud never confirmed the request and the server did not appear.",
            admin_pass_encrypted="",
        )
        return NextStep.nothing()
    requeued = DevServer.objects.filter(pk=devserver_id, status=OUTCOME_UNKNOWN).update(status=QUEUED)
    if requeued:
        record_event(
            devserver,
            kind=DevServerEvent.Kind.STATUS,
            status_from=OUTCOME_UNKNOWN,
            status_to=QUEUED,
            message="The server did not appear in the cloud; submitting once more.",
        )
        live.bump_after_commit(_live_scopes(devserver))
    return NextStep(Step.RETRY_SUBMIT) if requeued else NextStep.nothing()


# Following status ----------------------------------------------------------------------------------------


def _snapshot_fields(devserver: DevServer, server: CloudServer) -> dict[str, object]:
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
        fields = _snapshot_fields(devserver, server)
        if status == devserver.status and fields["cloud_update_at"] == devserver.cloud_update_at:
            return False
        _set_status(devserver, status, **fields)
        return True


def _undoes_claimed_action(current_status: str, incoming_status: str) -> bool:
    return any(
        action.transitional_status == current_status and action.allowed_in(incoming_status)
        for action in rules.LIFECYCLE_ACTIONS.values()
    )


def mark_gone(*, devserver_id: int, message: str) -> None:
    with transaction.atomic():
        devserver = DevServer.objects.select_for_update().filter(pk=devserver_id).first()
        if devserver is not None and devserver.status != cloud_statuses.DELETED:
            _set_status(devserver, cloud_statuses.DELETED, message=message)


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
    devserver.refresh_from_db(fields=["status"])
    if devserver.status in CHANGING_STATUSES:
        return NextStep(Step.FOLLOW, countdown=_follow_delay(attempt))
    return NextStep.nothing()


def _follow_delay(attempt: int) -> float:
    return backoff_seconds(attempt, first=FOLLOW_FIRST_DELAY * 2, most=FOLLOW_MAX_DELAY)


# Reconciling --------------------------------------------------------------------------------------------

IMPORTED_NOTE = "Imported: found in the cloud, not created here"
# A server the cloud lists without a status; the next snapshot replaces it.
UNKNOWN_CLOUD_STATUS = "UNKNOWN"
# A row in one of these no longer holds its name (the live-name constraint's own condition).
NAME_RELEASING_STATUSES = (REJECTED, DECLINED, cloud_statuses.DELETED)


def reconcile_account(*, account_id: int) -> list[int]:
    """Apply the cloud's whole list to the account's rows and import the servers no row holds;
    return the rows whose submission needs a new task."""
    account = CloudAccount.objects.get(pk=account_id)
    listed_from = timezone.now()
    servers_by_id = {
        server.id: server for server in client_for(account).iter_dev_servers(all_users=True) if server.id
    }
    tracked = (
        DevServer.objects.filter(account=account).exclude(cloud_id="").exclude(status=cloud_statuses.DELETED)
    )
    rows = tracked.values_list("pk", "cloud_id", "submitted_at", "status", "cloud_update_at")
    unlisted: list[int] = []
    for devserver_id, cloud_id, id_known_since, status, update_at in rows:
        server = servers_by_id.get(cloud_id)
        if server is not None:
            # Most rows have not changed; skip the row lock and transaction apply_snapshot would take.
            if server.status != status or server.update_at != update_at:
                apply_snapshot(devserver_id=devserver_id, server=server)
        elif id_known_since is None or id_known_since < listed_from:
            # A row that learnt its id while the list was being read may hold a server the list predates.
            unlisted.append(devserver_id)
    for devserver_id in unlisted:
        confirm_gone(devserver_id=devserver_id)
    import_unknown_servers(account=account, servers=list(servers_by_id.values()))
    flag_slow_devservers(account_id=account_id)
    return _abandoned_submissions(account)


def import_unknown_servers(*, account: CloudAccount, servers: list[CloudServer]) -> list[DevServer]:
    """Servers of the account that no row holds (made in the console, by a script, by another user)
    become rows marked imported, owned by nobody until a team admin assigns an owner."""
    live_servers = [server for server in servers if server.id and server.status != cloud_statuses.DELETED]
    known_ids = set(
        DevServer.objects.filter(
            account=account, cloud_id__in=[server.id for server in live_servers]
        ).values_list("cloud_id", flat=True)
    )
    unknown = [server for server in live_servers if server.id not in known_ids]
    if not unknown:
        return []
    try:
        flavors_by_name = {flavor.name: flavor for flavor in catalog.flavors(account)}
    except CloudError as error:
        # Imported without the catalogue, a server would count no accelerators; the next reconcile tries again.
        logger.warning(
            "Import of servers of account %s waits for the flavor catalogue: %s", account.pk, error
        )
        return []
    team = _sole_team(account)
    imported = []
    for server in unknown:
        flavor = flavors_by_name.get(server.flavor)
        devserver = _import_server(
            account=account, team=team, server=server, accelerator_count=flavor.accelerator_count if flavor else 0
        )
        if devserver is not None:
            imported.append(devserver)
    return imported


def _sole_team(account: CloudAccount) -> Team | None:
    """With several teams on one account nobody can tell whose a server is: only superusers see it."""
    teams = list(account.teams.all()[:2])
    return teams[0] if len(teams) == 1 else None


def _held_by_a_row(account: CloudAccount, *, cloud_id: str, name: str) -> bool:
    """A row holds the id, or a live row holds the name: a request before the cloud answered, or
    whose answer was lost, which the create flow adopts itself. One query, so a row storing its id
    between two reads cannot slip through."""
    return (
        DevServer.objects.filter(account=account)
        .filter(Q(cloud_id=cloud_id) | (Q(name=name) & ~Q(status__in=NAME_RELEASING_STATUSES)))
        .exists()
    )


def _import_server(
    *, account: CloudAccount, team: Team | None, server: CloudServer, accelerator_count: int
) -> DevServer | None:
    fields = _imported_fields(server)
    try:
        with transaction.atomic():
            if _held_by_a_row(account, cloud_id=fields["cloud_id"], name=fields["name"]):
                return None
            devserver = DevServer(
                account=account, team=team, owner=None, is_imported=True, accelerator_count=accelerator_count
            )
            for name, value in fields.items():
                setattr(devserver, name, value)
            for name, value in _snapshot_fields(devserver, server).items():
                setattr(devserver, name, value)
            devserver.save()
            record_event(devserver, kind=DevServerEvent.Kind.NOTE, message=IMPORTED_NOTE)
            audit(
                actor=None,
                action="import",
                devserver=devserver,
                outcome="ok",
                detail=f"{devserver.name} ({devserver.cloud_id}), {devserver.status} in the cloud; owner unknown",
            )
            live.bump_after_commit(_live_scopes(devserver))
    except IntegrityError:
        # A concurrent reconcile imported it, or a request took the name, after the look-up:
        # the live-name constraint refused this copy.
        if _held_by_a_row(account, cloud_id=fields["cloud_id"], name=fields["name"]):
            return None
        raise
    return devserver


def _imported_fields(server: CloudServer) -> dict[str, object]:
    """What the cloud tells about a server; the security group and the password it does not tell."""
    image = server.image
    root_volume = next((volume for volume in server.volumes if (volume.type or "").upper() == "ROOT"), None)
    texts = {
        "cloud_id": server.id,
        "name": server.name or server.id,
        "status": server.status or UNKNOWN_CLOUD_STATUS,
        "flavor": server.flavor,
        "image_id": image.image_id if image else None,
        "image_name": image.name if image else None,
        "arch": server.arch,
        "server_type": server.server_type,
        "vpc_id": server.vpc_id,
        "subnet_id": server.subnet_id,
        "key_pair_name": server.key_pair_name,
        "charging_mode": server.charging_mode or "POST_PAID",
        "root_volume_type": root_volume.evs_type if root_volume else None,
    }
    fields: dict[str, object] = {name: _fitted(name, value) for name, value in texts.items()}
    fields["security_group_id"] = ""
    fields["login_method"] = (
        DevServer.LoginMethod.KEY_PAIR if server.key_pair_name else DevServer.LoginMethod.PASSWORD
    )
    fields["root_volume_size"] = root_volume.size if root_volume else None
    fields["created_at"] = _cloud_time(server.create_at) or timezone.now()
    # When the row learnt the cloud id, as for a create; a reconcile that listed earlier must not mark it gone.
    fields["submitted_at"] = timezone.now()
    return fields


def _fitted(field_name: str, value: str | None) -> str:
    """The cloud's text cut to its column, so one odd value cannot stop every later reconcile."""
    return (value or "")[: DevServer._meta.get_field(field_name).max_length]


def _cloud_time(milliseconds: int | None) -> datetime | None:
    if milliseconds is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def assign_owner(*, devserver_id: int, owner: AbstractBaseUser, actor: AbstractBaseUser) -> DevServer:
    """Give an imported server its owner; the caller has checked the actor's right and the owner's team."""
    with transaction.atomic():
        devserver = DevServer.objects.select_for_update().get(pk=devserver_id)
        previous_owner_id = devserver.owner_id
        devserver.owner = owner
        devserver.save(update_fields=["owner", "updated_at"])
        record_event(
            devserver,
            kind=DevServerEvent.Kind.NOTE,
            message=f"Owner set to {owner.get_username()} by {actor.get_username()}.",
        )
        audit(
            actor=actor,
            action="assign_owner",
            devserver=devserver,
            outcome="ok",
            detail=f"assigned to {owner.get_username()}",
        )
        scopes = _live_scopes(devserver)
        if previous_owner_id is not None and previous_owner_id != owner.pk:
            scopes.append(live.owner_scope(previous_owner_id))
        live.bump_after_commit(scopes)
    return devserver


def _abandoned_submissions(account: CloudAccount) -> list[int]:
    """Rows whose submit task was lost (worker died holding the lease, or the queue was flushed)."""
    now = timezone.now()
    stale_queued = now - SUBMIT_LEASE
    return list(
        DevServer.objects.filter(account=account)
        .filter(
            Q(status=SUBMITTING, lease_expires_at__lt=now) | Q(status=QUEUED, updated_at__lt=stale_queued)
        )
        .values_list("pk", flat=True)
    )


def flag_slow_devservers(*, account_id: int) -> int:
    """Flag the dashboard's own creates that are not running within the limit (not imported servers,
    whose request time nobody knows)."""
    limit = settings.DEVSERVER_RUNNING_LIMIT
    now = timezone.now()
    slow = DevServer.objects.filter(
        account_id=account_id,
        is_imported=False,
        running_at__isnull=True,
        flagged_slow_at__isnull=True,
        created_at__lt=now - limit,
        status__in=list(CHANGING_STATUSES),
    )
    flagged = 0
    for devserver in slow:
        DevServer.objects.filter(pk=devserver.pk).update(flagged_slow_at=now)
        record_event(
            devserver,
            kind=DevServerEvent.Kind.NOTE,
            message=f"Not running {int(limit.total_seconds() // 60)} minutes after the request.",
        )
        live.bump_after_commit(_live_scopes(devserver))
        flagged += 1
    return flagged
