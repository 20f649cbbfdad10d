"""The create flow, made safe: the create call has no idempotency token and buys a billable server.

A task takes the row with a conditional update (one winner, holding a lease), looks for a server
with the row's name before any POST, stores the id of a 2xx at once, rejects on a 4xx, and treats a
timeout or 5xx as an unknown outcome: look again, adopt if found, and only then post once more.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from devservers import live
from devservers.cloud import client_for
from devservers.crypto import decrypt_secret
from devservers.history import audit, record_call, record_event, set_status
from devservers.models import (
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    SUBMITTING,
    CloudAccount,
    DevServer,
    DevServerEvent,
    erased_password,
)
from devservers.provisioning.follow import snapshot_fields
from devservers.provisioning.steps import FOLLOW_FIRST_DELAY, NextStep, Step, backoff_seconds
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
from modelarts_client.errors import NAME_TAKEN_CODE

SUBMIT_LEASE = timedelta(minutes=2)
MAX_TRANSIENT_SUBMITS = 5
MAX_CREATE_POSTS = 2
UNKNOWN_OUTCOME_CHECKS = 3


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
    live.bump_after_commit(live.scopes_of(devserver))
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
            reject(devserver, error_of=error)
            return NextStep.nothing()
        if error.kind is ErrorKind.OUTCOME_UNKNOWN:
            set_status(
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
        reject(devserver, message="The cloud kept failing; giving up. Try again later.", error_of=error)
        return NextStep.nothing()
    set_status(devserver, QUEUED, message=f"The cloud is unavailable ({error.error_code}); retrying.")
    countdown = max(error.retry_after or 0.0, backoff_seconds(failures, first=2.0, most=60.0))
    return NextStep(Step.RETRY_SUBMIT, countdown=countdown)


def reject(
    devserver: DevServer,
    *,
    message: str = "",
    error_of: CloudError | None = None,
    error_code: str = "",
    error_msg: str = "",
    request_id: str = "",
) -> None:
    """The one way a request ends refused: REJECTED, with the reason, the lease let go, the password erased."""
    if error_of is not None:
        error_code, error_msg, request_id = error_of.error_code, error_of.error_msg, error_of.request_id or ""
    set_status(
        devserver,
        REJECTED,
        message=message or error_msg,
        error_code=error_code,
        error_msg=error_msg,
        error_request_id=request_id,
        lease_expires_at=None,
        **erased_password(),
    )


def _adopt(devserver: DevServer, server: CloudServer) -> NextStep:
    if server.flavor != devserver.flavor or (server.image and server.image.image_id != devserver.image_id):
        reject(
            devserver,
            message="Another server in the cloud already has this name.",
            error_code=NAME_TAKEN_CODE,
            error_msg=f"The name {devserver.name} is already used by another server in this project.",
        )
        return NextStep.nothing()
    _store_cloud_server(devserver, server, message="Found the server in the cloud and adopted it.")
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _store_cloud_server(devserver: DevServer, server: CloudServer, *, message: str) -> None:
    """The create has been answered: keep the id at once and erase the password."""
    set_status(
        devserver,
        server.status or cloud_statuses.CREATING,
        message=message,
        cloud_id=server.id or "",
        submitted_at=timezone.now(),
        lease_expires_at=None,
        error_code="",
        error_msg="",
        error_request_id="",
        **erased_password(),
        **snapshot_fields(devserver, server),
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
        # The lost answer's error stays on the row: it is the last thing the cloud said.
        reject(
            devserver,
            message="The cloud never confirmed the request and the server did not appear.",
            error_code=devserver.error_code,
            error_msg=devserver.error_msg,
            request_id=devserver.error_request_id,
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
        live.bump_after_commit(live.scopes_of(devserver))
    return NextStep(Step.RETRY_SUBMIT) if requeued else NextStep.nothing()
