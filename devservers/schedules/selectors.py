"""Schedules as the pages show them: a server's next stop and delete, and what needs an admin's eye."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from devservers import selectors
from devservers.models import FINAL_STATUSES, DevServer
from devservers.schedules.clock import delete_due_at, running_since, stop_due_at, time_zone
from devservers.schedules.forms import ScheduleForm, initial_for
from devservers.schedules.rules import (
    LIFETIME_DAYS_MAX,
    LIFETIME_WARNING_HOURS,
    ScheduleBounds,
    bounds_for,
    policy_of_team,
)
from modelarts_client import statuses as cloud_statuses


def time_zone_of(user: AbstractBaseUser) -> str:
    """The owner's time zone: the one they chose last, else the site's."""
    chosen = (
        DevServer.objects.filter(owner=user)
        .exclude(schedule_time_zone="")
        .order_by("-created_at")
        .values_list("schedule_time_zone", flat=True)
        .first()
    )
    return chosen or settings.TIME_ZONE


def bounds_of(devserver: DevServer) -> ScheduleBounds:
    return bounds_for(policy_of_team(devserver.team_id), accelerator_count=devserver.accelerator_count)


@dataclass(frozen=True)
class ServerSchedule:
    devserver: DevServer
    next_stop_at: datetime.datetime | None
    delete_at: datetime.datetime | None
    hours_left: float | None  # until the delete
    zone: zoneinfo.ZoneInfo  # the owner's, which the page shows the times in
    can_edit: bool
    form: ScheduleForm | None
    extend_room_days: int  # how many days "extend" may add; 0: none

    @property
    def delete_soon(self) -> bool:
        """Within the first warning's reach: the page says so as loudly as the warning did."""
        return self.hours_left is not None and self.hours_left <= LIFETIME_WARNING_HOURS[0]


def schedule_of(
    devserver: DevServer, *, user: AbstractBaseUser, now: datetime.datetime, form: ScheduleForm | None = None
) -> ServerSchedule:
    can_edit = selectors.can_act_on(user, devserver) and not devserver.is_final
    bounds = bounds_of(devserver)
    if can_edit and form is None:
        form = ScheduleForm(initial=initial_for(devserver), bounds=bounds, devserver=devserver, now=now)
    running = devserver.status == cloud_statuses.RUNNING
    delete_at = delete_due_at(devserver)
    most = min(bounds.max_lifetime_days or LIFETIME_DAYS_MAX, LIFETIME_DAYS_MAX)
    return ServerSchedule(
        devserver=devserver,
        next_stop_at=stop_due_at(devserver, since=running_since(devserver)) if running else None,
        delete_at=delete_at,
        hours_left=max(0.0, (delete_at - now).total_seconds() / 3600) if delete_at else None,
        zone=time_zone(devserver),
        can_edit=can_edit,
        form=form if can_edit else None,
        extend_room_days=max(0, most - (devserver.lifetime_days or 0)) if delete_at and can_edit else 0,
    )


@dataclass(frozen=True)
class ScheduleAlerts:
    """What the review page warns of: servers deleted by their lifetime within the first warning's
    reach, soonest first; servers whose scheduled stop or delete the cloud refused (listed until their
    schedule changes), by name."""

    lifetime_ending: list[tuple[DevServer, datetime.datetime]]
    failed: list[DevServer]


_ALERT_FIELDS = ("name", "created_at", "running_at", "lifetime_days", "schedule_error", "owner__username")


def _newest_first(devserver: DevServer) -> tuple[float, int]:
    # DevServer's default order (newest first): the one the deadlines' ties keep.
    return (-devserver.created_at.timestamp(), -devserver.pk)


def schedule_alerts(rows: QuerySet[DevServer], *, now: datetime.datetime) -> ScheduleAlerts:
    """Both lists from one query over the rows that have a lifetime or a failed schedule."""
    soon = now + datetime.timedelta(hours=LIFETIME_WARNING_HOURS[0])
    candidates = list(
        rows.select_related(None)
        .select_related("owner")
        # Only what the alerts show and the deadline needs: a server row has some 80 columns.
        .only(*_ALERT_FIELDS)
        .filter(Q(lifetime_days__isnull=False) | ~Q(schedule_error=""))
        .exclude(status__in=FINAL_STATUSES)
        .order_by("name")
    )
    ending = []
    for devserver in sorted(candidates, key=_newest_first):
        deadline = delete_due_at(devserver)
        if deadline is not None and deadline <= soon:
            ending.append((devserver, deadline))
    return ScheduleAlerts(
        lifetime_ending=sorted(ending, key=lambda pair: pair[1]),
        failed=[devserver for devserver in candidates if devserver.schedule_error],
    )
