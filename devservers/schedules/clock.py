"""When a server's schedule is due, from its settings and its own status events.

Every function takes the time it reasons about; none reads the clock, so tests move it freely.
"""

import datetime
import zoneinfo

from django.conf import settings

from devservers.models import DevServer, DevServerEvent
from modelarts_client import statuses as cloud_statuses

# A RUNNING reached from these is the same run going on (a reboot, a refused stop), not a start.
_SAME_RUN = frozenset(
    {
        cloud_statuses.REBOOTING,
        cloud_statuses.REBOOT_FAILED,
        cloud_statuses.STOPPING,
        cloud_statuses.STOP_FAILED,
    }
)


def time_zone(devserver: DevServer) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(devserver.schedule_time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def running_since(devserver: DevServer) -> datetime.datetime:
    """When its current run began: the last start its events show, else when it first ran, else its request."""
    started = (
        DevServerEvent.objects.filter(devserver=devserver, status_to=cloud_statuses.RUNNING)
        .exclude(status_from__in=_SAME_RUN)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return started or devserver.running_at or devserver.created_at


def next_daily_stop(
    after: datetime.datetime, at: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The first time the wall clock in `zone` shows `at` after the instant `after`."""
    local = after.astimezone(zone)
    for days in range(3):
        day = local.date() + datetime.timedelta(days=days)
        candidate = datetime.datetime.combine(day, at, tzinfo=zone)
        if candidate > after:
            return candidate
    raise AssertionError("a wall-clock time recurs within three days")


def stop_due_at(devserver: DevServer, *, since: datetime.datetime) -> datetime.datetime | None:
    """When the schedule stops a run that began at `since` (or when the schedule was set, if later)."""
    anchor = max(since, devserver.schedule_set_at or devserver.created_at)
    due = []
    if devserver.stop_after_hours:
        due.append(anchor + datetime.timedelta(hours=devserver.stop_after_hours))
    if devserver.daily_stop_time is not None:
        due.append(next_daily_stop(anchor, devserver.daily_stop_time, time_zone(devserver)))
    return min(due) if due else None


def lifetime_start(devserver: DevServer) -> datetime.datetime:
    return devserver.running_at or devserver.created_at


def delete_due_at(devserver: DevServer) -> datetime.datetime | None:
    if not devserver.lifetime_days:
        return None
    return lifetime_start(devserver) + datetime.timedelta(days=devserver.lifetime_days)
