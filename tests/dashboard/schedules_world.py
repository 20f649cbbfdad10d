"""Servers for the schedule tests: real ones in the emulator, RUNNING on both sides."""

from __future__ import annotations

import datetime

from django.utils import timezone

from devservers.models import AuditEntry, DevServer
from devservers.schedules.runner import ScheduleRun, run_due_schedules
from tests.fixtures.dashboard import wait_for
from tests.fixtures.world import running_server  # noqa: F401  (the schedule tests import it from here)


def started_at(devserver: DevServer) -> datetime.datetime:
    """When its run began, as its own RUNNING event says."""
    return devserver.events.filter(status_to="RUNNING").latest("created_at").created_at


def run_at(when: datetime.datetime) -> ScheduleRun:
    """One beat of the schedules, with the clock at `when`."""
    return run_due_schedules(now=when)


def hours(count: float) -> datetime.timedelta:
    return datetime.timedelta(hours=count)


def schedule_entries(devserver: DevServer) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(devserver=devserver, actor_label="schedule")
        .order_by("id")
        .values_list("action", "outcome")
    )


def wait_for_answer(devserver: DevServer, action: str) -> str:
    """The worker's audited answer to the schedule's claim of `action`."""

    def answered() -> str | None:
        entry = (
            AuditEntry.objects.filter(devserver=devserver, actor_label="schedule", action=action)
            .order_by("-id")
            .first()
        )
        return entry.outcome if entry is not None and entry.outcome != "requested" else None

    return wait_for(answered)  # type: ignore[return-value]


def now() -> datetime.datetime:
    return timezone.now()
