"""Honest progress: how long each changing status usually takes, measured from the servers' own
status events, and whether a row is taking longer than usual, with what it waits on.

The usual time is the median span of that status over the account's servers of the last two weeks
(the cloud's and the worker's speed are the account's), from a default until enough spans exist.
Medians are computed in one query per account and cached (in Redis, and for a few seconds in the
process), so a page of rows adds no query per row; the list annotates each row with the time it
entered its status (`with_status_since`), and the detail page takes it from the events it shows.
"""

from __future__ import annotations

import datetime
import itertools
import statistics
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from devservers.models import OUTCOME_UNKNOWN, QUEUED, SUBMITTING, DevServer, DevServerEvent
from modelarts_client import statuses as cloud_statuses

# Until an account has its own history: what the emulator and the reference's examples show.
DEFAULT_SECONDS = {
    QUEUED: 10.0,
    SUBMITTING: 10.0,
    OUTCOME_UNKNOWN: 120.0,
    cloud_statuses.CREATING: 180.0,
    cloud_statuses.STARTING: 60.0,
    cloud_statuses.STOPPING: 60.0,
    cloud_statuses.REBOOTING: 60.0,
    cloud_statuses.DELETING: 60.0,
}
OVERDUE_FACTOR = 2
# A status the worker passes in an instant still gets a moment before it is called late.
MIN_USUAL_SECONDS = 2.0
HISTORY = datetime.timedelta(days=14)
MIN_SPANS = 3
CACHE_SECONDS = 600
_PROCESS_MEMO_SECONDS = 10.0
_memo: dict[int, tuple[float, dict[str, float]]] = {}

_MEDIANS_SQL = """
SELECT status_to, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), count(*)
FROM (
    SELECT event.status_to,
           EXTRACT(EPOCH FROM LEAD(event.created_at) OVER (
               PARTITION BY event.devserver_id ORDER BY event.created_at, event.id
           ) - event.created_at) AS seconds
    FROM {events} AS event JOIN {servers} AS server ON server.id = event.devserver_id
    WHERE server.account_id = %s AND event.kind = %s AND event.status_to <> '' AND event.created_at >= %s
) AS spans
WHERE seconds IS NOT NULL AND status_to = ANY(%s)
GROUP BY status_to
"""


def _measured(account_id: int) -> dict[str, float]:
    since = timezone.now() - HISTORY
    if connection.vendor != "postgresql":
        return _measured_in_python(account_id, since)
    sql = _MEDIANS_SQL.format(events=DevServerEvent._meta.db_table, servers=DevServer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id, DevServerEvent.Kind.STATUS, since, list(DEFAULT_SECONDS)])
        return {status: float(median) for status, median, spans in cursor.fetchall() if spans >= MIN_SPANS}


def _measured_in_python(account_id: int, since: datetime.datetime) -> dict[str, float]:
    """The same medians for a database without percentile_cont (the demo's SQLite): its few events
    read and the spans measured here."""
    events = (
        DevServerEvent.objects.filter(
            devserver__account_id=account_id, kind=DevServerEvent.Kind.STATUS, created_at__gte=since
        )
        .exclude(status_to="")
        .order_by("devserver_id", "created_at", "id")
        .values_list("devserver_id", "created_at", "status_to")
    )
    spans: dict[str, list[float]] = {}
    for (row, entered, status), (next_row, left, _next) in itertools.pairwise(events):
        if row == next_row and status in DEFAULT_SECONDS:
            spans.setdefault(status, []).append((left - entered).total_seconds())
    return {status: statistics.median(found) for status, found in spans.items() if len(found) >= MIN_SPANS}


def usual_seconds(account_id: int) -> dict[str, float]:
    """Each changing status's median span for the account (only those with enough spans)."""
    now = time.monotonic()
    memo = _memo.get(account_id)
    if memo is not None and memo[0] > now:
        return memo[1]
    key = f"progress:medians:{account_id}"
    medians = cache.get(key)
    if medians is None:
        medians = _measured(account_id)
        cache.set(key, medians, CACHE_SECONDS)
    _memo[account_id] = (now + _PROCESS_MEMO_SECONDS, medians)
    return medians


def with_status_since(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    """Each row with `status_since`, when its last status event was written: in the rows' own query."""
    last_change = DevServerEvent.objects.filter(
        devserver=OuterRef("pk"), kind=DevServerEvent.Kind.STATUS
    ).order_by("-created_at", "-id")
    return rows.annotate(status_since=Subquery(last_change.values("created_at")[:1]))


def note_status_since(devserver: DevServer, events: list[DevServerEvent]) -> None:
    """For a single row whose events are read anyway (the detail page): when it entered its status."""
    changes = [event.created_at for event in events if event.kind == DevServerEvent.Kind.STATUS]
    devserver.status_since = max(changes, default=None)


def _waiting_on(devserver: DevServer) -> str:
    if devserver.status == QUEUED:
        if devserver.next_attempt_at is not None:
            return str(_("waiting for the cloud to answer"))
        return str(_("waiting for a worker"))
    if devserver.status == SUBMITTING:
        return str(_("waiting for the cloud to answer the create call"))
    if devserver.status == OUTCOME_UNKNOWN:
        return str(_("looking for the server the cloud may have made"))
    return str(_("waiting for the cloud to finish"))


def duration_label(seconds: float) -> str:
    if seconds < 90:
        count = max(1, round(seconds))
        return ngettext("%(count)d second", "%(count)d seconds", count) % {"count": count}
    count = round(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}


@dataclass(frozen=True)
class Progress:
    usual_seconds: float
    measured: bool  # from the account's own servers, else the default
    elapsed_seconds: float
    waiting_on: str
    next_attempt_at: datetime.datetime | None

    @property
    def is_overdue(self) -> bool:
        return self.elapsed_seconds > OVERDUE_FACTOR * self.usual_seconds

    @property
    def usual_label(self) -> str:
        return duration_label(self.usual_seconds)


def progress_of(devserver: DevServer, *, now: datetime.datetime | None = None) -> Progress | None:
    """How a changing row is doing against the usual; None for a row that is not changing, or whose
    time in its status was not read with it (`with_status_since`, `note_status_since`)."""
    if devserver.status not in DEFAULT_SECONDS or not hasattr(devserver, "status_since"):
        return None
    medians = usual_seconds(devserver.account_id)
    usual = medians.get(devserver.status)
    since = devserver.status_since or devserver.created_at
    elapsed = ((now or timezone.now()) - since).total_seconds()
    return Progress(
        usual_seconds=max(
            MIN_USUAL_SECONDS, usual if usual is not None else DEFAULT_SECONDS[devserver.status]
        ),
        measured=usual is not None,
        elapsed_seconds=max(0.0, elapsed),
        waiting_on=_waiting_on(devserver),
        next_attempt_at=devserver.next_attempt_at,
    )
