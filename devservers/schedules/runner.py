"""What beat runs: the schedules that are due, each through the lifecycle action path.

Each stop and delete is claimed with `instances.claims.request_action` (actor "schedule"), so it
has its claim, its event, its audit entry, its live update and the worker's call like a click.
The worker's answer lands in the audit trail; the next run reads it there, and a refusal leaves
the server listed as "schedule failed" with the cloud's message until someone changes its
schedule, instead of being asked again every minute.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from devservers import live
from devservers.history import audit, record_event
from devservers.instances.claims import request_action
from devservers.models import FINAL_STATUSES, AuditEntry, DevServer, DevServerEvent
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS
from devservers.schedules.clock import delete_due_at, running_since, stop_due_at
from devservers.schedules.rules import LIFETIME_WARNING_HOURS, SCHEDULE_ACTOR
from modelarts_client import statuses as cloud_statuses

ANSWER_WAIT = datetime.timedelta(hours=1)


@dataclass
class ScheduleRun:
    """What one run did, by server name."""

    stopped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def scheduled_rows():
    has_schedule = (
        Q(stop_after_hours__isnull=False) | Q(daily_stop_time__isnull=False) | Q(lifetime_days__isnull=False)
    )
    return DevServer.objects.filter(has_schedule).exclude(status__in=FINAL_STATUSES).exclude(cloud_id="")


def run_due_schedules(*, now: datetime.datetime) -> ScheduleRun:
    run = ScheduleRun()
    for devserver in scheduled_rows().select_related("team", "owner"):
        answered = devserver.schedule_claimed_at is None or _read_answer(devserver, run, now=now)
        if answered and not devserver.schedule_error:
            _act_if_due(devserver, run, now=now)
    return run


def _read_answer(devserver: DevServer, run: ScheduleRun, *, now: datetime.datetime) -> bool:
    """The worker's answer to the schedule's last claim, from the audit trail; False while it has none.
    A claim unanswered for an hour (its task lost) is given up, so the schedule asks again."""
    answer = (
        AuditEntry.objects.filter(
            devserver=devserver, actor_label=SCHEDULE_ACTOR, action__in=LIFECYCLE_ACTIONS
        )
        .order_by("-id")
        .first()
    )
    if answer is None or answer.outcome == "requested":
        if now - devserver.schedule_claimed_at < ANSWER_WAIT:
            return False
        answer = None
    error = "" if answer is None or answer.outcome == "ok" else answer.detail
    with transaction.atomic():
        DevServer.objects.filter(pk=devserver.pk).update(schedule_claimed_at=None, schedule_error=error)
        if error:
            record_event(
                devserver,
                kind=DevServerEvent.Kind.NOTE,
                operation=answer.action,
                outcome=answer.outcome,
                message=f"Schedule failed: the cloud refused to {answer.action}: {error}",
            )
            run.failed.append(devserver.name)
        live.bump_after_commit(live.scopes_of(devserver))
    devserver.schedule_claimed_at, devserver.schedule_error = None, error
    devserver.refresh_from_db(fields=["status"])
    return True


def _act_if_due(devserver: DevServer, run: ScheduleRun, *, now: datetime.datetime) -> None:
    deadline = delete_due_at(devserver)
    if deadline is not None and _lifetime(devserver, run, deadline=deadline, now=now):
        return
    if devserver.status != cloud_statuses.RUNNING:
        return
    due = stop_due_at(devserver, since=running_since(devserver))
    if due is not None and due <= now and _claim(devserver, "stop", now=now):
        run.stopped.append(devserver.name)


def _lifetime(
    devserver: DevServer, run: ScheduleRun, *, deadline: datetime.datetime, now: datetime.datetime
) -> bool:
    """Warn at 24 h and 1 h; once the last warning was given and the time is up, stop, then delete.
    True when the lifetime is up and holds the server (nothing else may act on it then)."""
    left = deadline - now
    if left > datetime.timedelta(hours=LIFETIME_WARNING_HOURS[0]):
        return False
    due_warning = min(hours for hours in LIFETIME_WARNING_HOURS if left <= datetime.timedelta(hours=hours))
    warned = devserver.lifetime_warned_hours
    if warned is None or warned > due_warning:
        _warn(devserver, hours=due_warning, deadline=deadline)
        run.warned.append(devserver.name)
        return False
    if left > datetime.timedelta(0) or warned != LIFETIME_WARNING_HOURS[-1]:
        return False
    if LIFECYCLE_ACTIONS["delete"].allowed_in(devserver.status):
        if _claim(devserver, "delete", now=now):
            run.deleted.append(devserver.name)
    elif LIFECYCLE_ACTIONS["stop"].allowed_in(devserver.status) and _claim(devserver, "stop", now=now):
        run.stopped.append(devserver.name)
    return True


def _warn(devserver: DevServer, *, hours: int, deadline: datetime.datetime) -> None:
    when = f"{deadline:%Y-%m-%d %H:%M %Z}"
    plural = "s" if hours != 1 else ""
    message = f"Reaches its maximum lifetime in {hours} hour{plural}: deleted at {when} unless extended."
    with transaction.atomic():
        DevServer.objects.filter(pk=devserver.pk).update(lifetime_warned_hours=hours)
        record_event(devserver, kind=DevServerEvent.Kind.NOTE, message=message)
        audit(
            actor=None, actor_label=SCHEDULE_ACTOR, action="lifetime_warning", devserver=devserver,
            outcome=f"{hours}h", detail=message,
        )  # fmt: skip
        live.bump_after_commit(live.scopes_of(devserver))
    devserver.lifetime_warned_hours = hours


def _claim(devserver: DevServer, action_name: str, *, now: datetime.datetime) -> bool:
    asked = request_action(
        actor=None, actor_label=SCHEDULE_ACTOR, devserver=devserver, action_name=action_name
    )
    if asked.accepted:
        DevServer.objects.filter(pk=devserver.pk).update(schedule_claimed_at=now)
    return asked.accepted
