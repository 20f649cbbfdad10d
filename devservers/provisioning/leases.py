"""The submit lease: one worker at a time drives a row's create flow, and a fencing token makes sure
a worker whose lease passed to another (stalled, frozen, or just slow) changes nothing at all.

A lease is taken with a conditional update that writes a fresh token; every later write of the
flow first locks the row and checks that the token is still this worker's and that the row holds
no cloud id yet. A POST may be sent only after a conditional update that finds the lease still
valid, records on the row that a POST is going out (committed before it is sent), and stretches
the lease over the longest the POST can take, so no other worker can take the row while that POST
may still be in flight.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from devservers.models import QUEUED, SUBMITTING, DevServer, status_events_written_by_caller
from modelarts_client import CloudConfig, IamCredentials

# Slack for the worker's own work between calls (database writes, scheduling) and clock skew.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class LeaseBudget:
    """How long the calls a lease covers can take at the most, from the client's own settings."""

    lookup: timedelta
    post: timedelta

    @property
    def whole_flow(self) -> timedelta:
        return self.lookup + self.post + LEASE_MARGIN


def _one_call_seconds(config: CloudConfig) -> float:
    return config.connect_timeout + config.read_timeout


def lease_budget(config: CloudConfig) -> LeaseBudget:
    """A read is retried (each try a full connect and read timeout, with back-off between); a POST
    never is. With IAM credentials each may first ask for a token: one more call."""
    call = _one_call_seconds(config)
    token = call if isinstance(config.credentials, IamCredentials) else 0.0
    read_tries = config.read_retries + 1
    lookup = token + read_tries * call + config.read_retries * config.retry_backoff_max
    return LeaseBudget(lookup=timedelta(seconds=lookup), post=timedelta(seconds=token + call))


@dataclass(frozen=True)
class Lease:
    devserver: DevServer
    token: uuid.UUID
    budget: LeaseBudget


def take(devserver_id: int, budget: LeaseBudget) -> Lease | None:
    """One winner: a queued row, or one whose holder's lease has run out, gets a fresh token."""
    now = timezone.now()
    token = uuid.uuid4()
    with status_events_written_by_caller():  # the submit writes QUEUED → SUBMITTING once it holds the row
        taken = (
            DevServer.objects.filter(pk=devserver_id, cloud_id="")
            .filter(Q(status=QUEUED) | Q(status=SUBMITTING, lease_expires_at__lt=now))
            .update(
                status=SUBMITTING,
                lease_token=token,
                lease_expires_at=now + budget.whole_flow,
                next_attempt_at=None,
                updated_at=now,
            )
        )
    if not taken:
        return None
    devserver = DevServer.objects.select_related("account").get(pk=devserver_id)
    return Lease(devserver=devserver, token=token, budget=budget)


def holds(lease: Lease) -> bool:
    """Inside a transaction: lock the row and say whether this worker may still write to it."""
    return (
        DevServer.objects.select_for_update()
        .filter(pk=lease.devserver.pk, lease_token=lease.token, cloud_id="")
        .exists()
    )


def claim_post(lease: Lease, *, now: datetime | None = None) -> bool:
    """Count the POST about to go out, only while the lease is valid, and stretch it over that POST."""
    now = now or timezone.now()
    claimed = DevServer.objects.filter(
        pk=lease.devserver.pk, lease_token=lease.token, cloud_id="", lease_expires_at__gt=now
    ).update(
        submit_attempts=F("submit_attempts") + 1,
        create_posted_at=now,
        lease_expires_at=now + lease.budget.post + LEASE_MARGIN,
        updated_at=now,
    )
    if claimed:
        lease.devserver.refresh_from_db(fields=["submit_attempts", "create_posted_at", "lease_expires_at"])
    return bool(claimed)


def unclaim_post(lease: Lease) -> None:
    """Nothing reached the cloud's backend: the POST does not count towards the limit, and the next
    try needs no look-up for it."""
    DevServer.objects.filter(pk=lease.devserver.pk, lease_token=lease.token, cloud_id="").update(
        submit_attempts=F("submit_attempts") - 1, create_posted_at=None
    )
