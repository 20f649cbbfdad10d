"""The create flow, made safe: the create call has no idempotency token and buys a billable server.

A task takes the row with a lease and a fencing token (`leases`) and records on the row that a POST
is going out before it sends one, so a fresh row's create is one call. Only a row whose earlier POST
may have reached the cloud looks for a server with its name first. A 2xx's id is stored at once, a
4xx rejects, and a timeout or 5xx is an unknown outcome: look again, adopt if found, and once the
look-ups find nothing, post again (up to `DEVSERVER_MAX_CREATE_POSTS`). The cloud refuses a name
already in use, so a later POST refused that way means an earlier one landed: it is looked up and
adopted, never rejected. Every write is fenced: a worker whose lease passed to another, or whose
row already holds a cloud id, writes nothing, not even an audit entry. A cloud that does not answer
is waited out with back-off, for hours (`DEVSERVER_PENDING_LIMIT`), not given up on after a minute.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from devservers import live
from devservers.cloud import client_for, cloud_config
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
from devservers.provisioning import leases
from devservers.provisioning.create_request import create_request_for
from devservers.provisioning.follow import snapshot_fields
from devservers.provisioning.steps import FOLLOW_FIRST_DELAY, NextStep, Step, backoff_seconds
from modelarts_client import CloudError, ErrorKind
from modelarts_client import DevServer as CloudServer
from modelarts_client import statuses as cloud_statuses
from modelarts_client.errors import NAME_TAKEN_CODE

UNKNOWN_OUTCOME_CHECKS = 3
# Back-off while the cloud does not answer: from a few seconds up to this, until the pending limit.
WAIT_MOST_SECONDS = 300.0
NOT_ANSWERING = "The cloud is not answering ({code}); we keep trying."
# A fence says, inside a transaction with the row locked, whether this worker may still write to it.
Fence = Callable[[], bool]


def find_cloud_server_by_name(account: CloudAccount, name: str) -> CloudServer | None:
    for server in client_for(account).iter_dev_servers(all_users=True):
        if server.name == name and server.status != cloud_statuses.DELETED:
            return server
    return None


def submit_devserver(*, devserver_id: int) -> NextStep:
    row = DevServer.objects.select_related("account").filter(pk=devserver_id).first()
    if row is None:
        return NextStep.nothing()
    lease = leases.take(devserver_id, leases.lease_budget(cloud_config(row.account)))
    if lease is None:
        return NextStep.nothing()
    devserver = lease.devserver
    fence = _lease_fence(lease)
    with transaction.atomic():
        if fence():
            record_event(devserver, kind=DevServerEvent.Kind.STATUS, status_from=QUEUED, status_to=SUBMITTING)
            live.bump_after_commit(live.scopes_of(devserver))
    if devserver.create_posted_at is None:
        return _post_create(lease)
    # An earlier POST may have bought the server: find it before posting again.
    try:
        existing = find_cloud_server_by_name(devserver.account, devserver.name)
    except CloudError as error:
        return _wait_for_the_cloud(fence, devserver, error, operation="list")
    if existing is not None:
        return _adopt(fence, devserver, existing)
    return _post_create(lease)


def _lease_fence(lease: leases.Lease) -> Fence:
    return lambda: leases.holds(lease)


def _unknown_outcome_fence(devserver: DevServer) -> Fence:
    """Checks hold no lease: the row's own status is the fence (one transition out of it wins)."""
    return lambda: (
        DevServer.objects.select_for_update()
        .filter(pk=devserver.pk, status=OUTCOME_UNKNOWN, cloud_id="")
        .exists()
    )


def _post_create(lease: leases.Lease) -> NextStep:
    devserver, fence = lease.devserver, _lease_fence(lease)
    if not leases.claim_post(lease):
        # The lease ran out or passed on: whoever holds the row now decides what happens next.
        return NextStep.nothing()
    try:
        server = client_for(devserver.account).create_dev_server(create_request_for(devserver))
    except CloudError as error:
        if error.kind is ErrorKind.TRANSIENT:
            # Nothing reached the cloud's backend: submitting again cannot buy a second server.
            leases.unclaim_post(lease)
        elif error.error_code == NAME_TAKEN_CODE and devserver.submit_attempts > 1:
            return _adopt_after_name_clash(fence, devserver, error)
        return _after_create_failure(fence, devserver, error)
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        record_call(devserver, operation="create", request_id=server.request_id or "")
        audit(
            actor=None, action="create", devserver=devserver, outcome="ok", request_id=server.request_id or ""
        )
        _store_cloud_server(devserver, server, message="The cloud accepted the request.")
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _after_create_failure(fence: Fence, devserver: DevServer, error: CloudError) -> NextStep:
    if error.kind is ErrorKind.TRANSIENT:
        return _wait_for_the_cloud(fence, devserver, error, operation="create")
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        record_call(devserver, operation="create", error=error)
        audit(
            actor=None, action="create", devserver=devserver, outcome=error.kind.value,
            detail=f"{error.error_code}: {error.error_msg}", request_id=error.request_id or "",
        )  # fmt: skip
        if error.error_code == NAME_TAKEN_CODE:
            reject(devserver, **_name_taken_by_another(devserver))
            return NextStep.nothing()
        if error.kind is ErrorKind.PERMANENT:
            reject(devserver, error_of=error)
            return NextStep.nothing()
        return _look_for_it_later(devserver, error)


def _look_for_it_later(devserver: DevServer, error: CloudError) -> NextStep:
    """The create's outcome is unknown: check by name with back-off. The caller holds the fence."""
    countdown = backoff_seconds(0, first=4.0, most=30.0)
    set_status(
        devserver,
        OUTCOME_UNKNOWN,
        message="The create call's answer was lost; looking for the server before trying again.",
        error_code=error.error_code,
        error_msg=error.error_msg,
        error_request_id=error.request_id or "",
        lease_token=None,
        lease_expires_at=None,
        next_attempt_at=_after(countdown),
    )
    return NextStep(Step.CHECK_OUTCOME, countdown=countdown)


def _adopt_after_name_clash(fence: Fence, devserver: DevServer, error: CloudError) -> NextStep:
    """A POST after one whose outcome was unknown was refused for its name: that earlier POST bought
    the server. Find it and adopt it; if the look-up cannot yet show it, keep checking."""
    try:
        existing = find_cloud_server_by_name(devserver.account, devserver.name)
    except CloudError:
        existing = None
    if existing is not None:
        return _adopt(fence, devserver, existing, call_error=error)
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        record_call(devserver, operation="create", error=error)
        return _look_for_it_later(devserver, error)


def _name_taken_by_another(devserver: DevServer) -> dict[str, str]:
    return {
        "message": "Another server in the cloud already has this name.",
        "error_code": NAME_TAKEN_CODE,
        "error_msg": f"The name {devserver.name} is already used by another server in this project.",
    }


def _after(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def pending_since(devserver: DevServer) -> datetime:
    """When the request was last handed to the worker: its approval, else its creation."""
    return devserver.decided_at or devserver.created_at


def _waited_too_long(devserver: DevServer) -> bool:
    return timezone.now() - pending_since(devserver) > settings.DEVSERVER_PENDING_LIMIT


def _failed_calls(devserver: DevServer) -> int:
    return devserver.events.filter(kind=DevServerEvent.Kind.CALL).exclude(outcome="ok").count()


def _wait_for_the_cloud(fence: Fence, devserver: DevServer, error: CloudError, *, operation: str) -> NextStep:
    """The cloud did not answer, or asked us to slow down: the request stays pending and is tried
    again with back-off, until it has waited longer than the pending limit."""
    countdown = max(
        error.retry_after or 0.0, backoff_seconds(_failed_calls(devserver), first=2.0, most=WAIT_MOST_SECONDS)
    )
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        record_call(devserver, operation=operation, error=error)
        if _waited_too_long(devserver):
            limit_hours = settings.DEVSERVER_PENDING_LIMIT.total_seconds() / 3600
            reject(
                devserver,
                message=f"The cloud did not answer for {limit_hours:g} hours; giving up.",
                error_of=error,
            )
            return NextStep.nothing()
        set_status(
            devserver,
            QUEUED,
            message=NOT_ANSWERING.format(code=error.error_code),
            lease_token=None,
            lease_expires_at=None,
            next_attempt_at=_after(countdown),
        )
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
    """The one way a request ends refused: REJECTED, with the reason, the lease let go, the password
    erased. The caller holds the row's fence."""
    if error_of is not None:
        error_code, error_msg, request_id = error_of.error_code, error_of.error_msg, error_of.request_id or ""
    set_status(
        devserver,
        REJECTED,
        message=message or error_msg,
        error_code=error_code,
        error_msg=error_msg,
        error_request_id=request_id,
        lease_token=None,
        lease_expires_at=None,
        next_attempt_at=None,
        **erased_password(),
    )


def _adopt(
    fence: Fence, devserver: DevServer, server: CloudServer, *, call_error: CloudError | None = None
) -> NextStep:
    """Take the server found under the row's name as its own, unless it is plainly another one.
    `call_error` is the create call's refusal that led here, kept in the row's events."""
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        if call_error is not None:
            record_call(devserver, operation="create", error=call_error)
        if server.flavor != devserver.flavor or (
            server.image and server.image.image_id != devserver.image_id
        ):
            reject(devserver, **_name_taken_by_another(devserver))
            return NextStep.nothing()
        _store_cloud_server(devserver, server, message="Found the server in the cloud and adopted it.")
    return NextStep(Step.FOLLOW, countdown=FOLLOW_FIRST_DELAY)


def _store_cloud_server(devserver: DevServer, server: CloudServer, *, message: str) -> None:
    """The create has been answered: keep the id at once and erase the password. The caller holds the fence."""
    set_status(
        devserver,
        server.status or cloud_statuses.CREATING,
        message=message,
        cloud_id=server.id or "",
        create_posted_at=None,
        submitted_at=timezone.now(),
        lease_token=None,
        lease_expires_at=None,
        next_attempt_at=None,
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
    fence = _unknown_outcome_fence(devserver)
    try:
        existing = find_cloud_server_by_name(devserver.account, devserver.name)
    except CloudError as error:
        return _keep_checking(fence, devserver, check_number, error=error)
    if existing is not None:
        return _adopt(fence, devserver, existing)
    if check_number < UNKNOWN_OUTCOME_CHECKS:
        return _keep_checking(fence, devserver, check_number)
    return _post_again(fence, devserver)


def _post_again(fence: Fence, devserver: DevServer) -> NextStep:
    """Look-ups found no server after a POST whose outcome was unknown: it bought nothing, so the
    row may POST again, with no look-up first, after a back-off that grows with every POST."""
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        if devserver.submit_attempts >= settings.DEVSERVER_MAX_CREATE_POSTS:
            # The lost answer's error stays on the row: it is the last thing the cloud said.
            reject(
                devserver,
                message=f"The cloud confirmed none of {devserver.submit_attempts} create calls "
                "and the server did not appear.",
                error_code=devserver.error_code,
                error_msg=devserver.error_msg,
                request_id=devserver.error_request_id,
            )
            return NextStep.nothing()
        countdown = backoff_seconds(devserver.submit_attempts - 1, first=1.0, most=WAIT_MOST_SECONDS)
        set_status(
            devserver,
            QUEUED,
            message="The server did not appear in the cloud; submitting once more.",
            create_posted_at=None,
            next_attempt_at=_after(countdown),
        )
    return NextStep(Step.RETRY_SUBMIT, countdown=countdown)


def _keep_checking(
    fence: Fence, devserver: DevServer, check_number: int, *, error: CloudError | None = None
) -> NextStep:
    """Look again later; a look-up the cloud did not answer is waited out, up to the pending limit."""
    most = WAIT_MOST_SECONDS if error is not None else 30.0
    retry_after = (error.retry_after or 0.0) if error is not None else 0.0
    countdown = max(retry_after, backoff_seconds(check_number, first=4.0, most=most))
    with transaction.atomic():
        if not fence():
            return NextStep.nothing()
        if error is not None:
            record_call(devserver, operation="list", error=error)
            if _waited_too_long(devserver):
                reject(
                    devserver,
                    message="The cloud did not answer while we looked for the server; giving up.",
                    error_of=error,
                )
                return NextStep.nothing()
        DevServer.objects.filter(pk=devserver.pk).update(next_attempt_at=_after(countdown))
        live.bump_after_commit(live.scopes_of(devserver))
    return NextStep(Step.CHECK_OUTCOME, countdown=countdown)
