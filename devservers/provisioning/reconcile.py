"""Reconciling an account: its whole list applied to its rows, imports, lost submissions, slow creates.

The full walk's interval grows with its pages, so a steady account costs one list call a beat
(two a minute at the default 30 s) at any size; a changing server is followed on its own by its
show calls (follow.py), and a row is marked gone only when a show answers that it does not exist.
"""

import math
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from devservers import live
from devservers.cloud import client_for
from devservers.history import record_event
from devservers.models import (
    CHANGING_STATUSES,
    OUTCOME_UNKNOWN,
    QUEUED,
    SUBMITTING,
    CloudAccount,
    DevServer,
    DevServerEvent,
)
from devservers.provisioning.follow import apply_snapshot, confirm_gone
from devservers.provisioning.imports import import_unknown_servers
from modelarts_client import statuses as cloud_statuses
from modelarts_client.client import MAX_LIST_PAGE_SIZE


def list_pages(servers: int) -> int:
    """The list calls a walk of this many servers makes at most (a service may answer in one)."""
    return max(1, math.ceil(servers / MAX_LIST_PAGE_SIZE))


def beats_between_walks(pages: int) -> int:
    """A walk of N pages waits N beats for the next one: one list call a beat, whatever the size."""
    return max(1, pages)


def claim_walk(*, account_id: int) -> bool:
    """Count one beat down; when the walk is due, claim it, so that no other beat walks the account
    before as many beats as its last walk's pages have passed."""
    with transaction.atomic():
        account = (
            CloudAccount.objects.select_for_update().only("walk_pages", "beats_to_walk").get(pk=account_id)
        )
        due = account.beats_to_walk <= 1
        account.beats_to_walk = beats_between_walks(account.walk_pages) if due else account.beats_to_walk - 1
        account.save(update_fields=["beats_to_walk"])
    return due


def reconcile_on_beat(*, account_id: int) -> list[int]:
    """One beat for an account: the full walk when its turn has come, else only the checks that need
    no cloud call; return the rows whose submission needs a new task."""
    if claim_walk(account_id=account_id):
        return reconcile_account(account_id=account_id)
    flag_slow_devservers(account_id=account_id)
    return abandoned_submissions(account_id=account_id)


def reconcile_account(*, account_id: int) -> list[int]:
    """Apply the cloud's whole list to the account's rows and import the servers no row holds;
    return the rows whose submission needs a new task."""
    account = CloudAccount.objects.get(pk=account_id)
    listed_from = timezone.now()
    servers_by_id = {
        server.id: server for server in client_for(account).iter_dev_servers(all_users=True) if server.id
    }
    pages = list_pages(len(servers_by_id))
    CloudAccount.objects.filter(pk=account_id).update(
        walk_pages=pages, beats_to_walk=beats_between_walks(pages)
    )
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
    return abandoned_submissions(account_id=account_id)


def _overdue(now: datetime) -> Q:
    """A row whose next try is long past, or that never had one and has not moved for a while: its
    task was lost (the worker died, or Redis lost the queue)."""
    long_ago = now - settings.DEVSERVER_LOST_TASK_GRACE
    return Q(next_attempt_at__lt=long_ago) | Q(next_attempt_at__isnull=True, updated_at__lt=long_ago)


def abandoned_submissions(*, account_id: int) -> list[int]:
    """Rows to submit again: their holder's lease ran out, or their queued task was lost. Asked even
    when the cloud is down, so that nothing waits on a lost task once it is back."""
    now = timezone.now()
    return list(
        DevServer.objects.filter(account_id=account_id)
        .filter(Q(status=SUBMITTING, lease_expires_at__lt=now) | (Q(status=QUEUED) & _overdue(now)))
        .values_list("pk", flat=True)
    )


def lost_outcome_checks(*, account_id: int) -> list[int]:
    """Rows waiting to look for a server whose create answer was lost, whose check task was lost too."""
    return list(
        DevServer.objects.filter(account_id=account_id, status=OUTCOME_UNKNOWN)
        .filter(_overdue(timezone.now()))
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
        live.bump_after_commit(live.scopes_of(devserver))
        flagged += 1
    return flagged
