"""Writes of a server's schedule by a person: its settings, and extending its lifetime."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from devservers import live
from devservers.history import audit
from devservers.models import DevServer
from devservers.schedules.clock import delete_due_at
from devservers.schedules.rules import LIFETIME_DAYS_MAX, ScheduleBounds


@dataclass(frozen=True)
class ScheduleSettings:
    stop_after_hours: int | None
    daily_stop_time: datetime.time | None
    schedule_time_zone: str
    lifetime_days: int | None

    def describe(self) -> str:
        parts = [
            f"stop after {self.stop_after_hours} h" if self.stop_after_hours else "",
            f"stop daily at {self.daily_stop_time:%H:%M} {self.schedule_time_zone}"
            if self.daily_stop_time
            else "",
            f"delete after {self.lifetime_days} days" if self.lifetime_days else "",
        ]
        return ", ".join(part for part in parts if part) or "no schedule"


def set_schedule(
    *, actor: AbstractBaseUser, devserver: DevServer, schedule: ScheduleSettings, now: datetime.datetime
) -> None:
    """Store new settings; a run's stop counts from now on, and an earlier refusal is forgotten."""
    fields: dict[str, object] = {
        "stop_after_hours": schedule.stop_after_hours,
        "daily_stop_time": schedule.daily_stop_time,
        "schedule_time_zone": schedule.schedule_time_zone,
        "lifetime_days": schedule.lifetime_days,
        "schedule_set_at": now,
        "schedule_error": "",
    }
    if schedule.lifetime_days != devserver.lifetime_days:
        fields["lifetime_warned_hours"] = None
    with transaction.atomic():
        DevServer.objects.filter(pk=devserver.pk).update(**fields)
        audit(actor=actor, action="schedule", devserver=devserver, outcome="set", detail=schedule.describe())
        live.bump_after_commit(live.scopes_of(devserver))
    for name, value in fields.items():
        setattr(devserver, name, value)


@dataclass(frozen=True)
class Extension:
    done: bool
    message: str


def extend_lifetime(
    *,
    actor: AbstractBaseUser,
    devserver: DevServer,
    days: int,
    bounds: ScheduleBounds,
) -> Extension:
    """Push the delete back by `days`, as far as the team's maximum lifetime allows."""
    deadline = delete_due_at(devserver)
    if deadline is None:
        return Extension(False, f"{devserver.name} has no lifetime to extend.")
    if devserver.is_final or devserver.status == "DELETING":
        return Extension(False, f"{devserver.name} is already being deleted.")
    most = min(bounds.max_lifetime_days or LIFETIME_DAYS_MAX, LIFETIME_DAYS_MAX)
    wanted = devserver.lifetime_days + days
    if days < 1 or wanted > most:
        room = most - devserver.lifetime_days
        allowed = f"at most {room} more day{'s' if room != 1 else ''}" if room > 0 else "no more days"
        return Extension(False, f"Its lifetime may be at most {most} days: {allowed}.")
    with transaction.atomic():
        extended = DevServer.objects.filter(pk=devserver.pk, lifetime_days=devserver.lifetime_days).update(
            lifetime_days=wanted, lifetime_warned_hours=None, schedule_error=""
        )
        if not extended:
            return Extension(False, f"{devserver.name}'s lifetime changed meanwhile; look again.")
        devserver.lifetime_days, devserver.lifetime_warned_hours = wanted, None
        new_deadline = delete_due_at(devserver)
        audit(
            actor=actor, action="extend_lifetime", devserver=devserver, outcome="extended",
            detail=f"{days} more day(s): {wanted} days in all, deleted at {new_deadline:%Y-%m-%d %H:%M %Z}",
        )  # fmt: skip
        live.bump_after_commit(live.scopes_of(devserver))
    return Extension(True, f"{devserver.name} now lives until {new_deadline:%Y-%m-%d %H:%M %Z}.")
