"""Writes of a server's schedule by a person: its settings, and extending its lifetime."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            _("stop after %(hours)s h") % {"hours": self.stop_after_hours} if self.stop_after_hours else "",
            _("stop daily at %(time)s %(zone)s") % {"time": f"{self.daily_stop_time:%H:%M}", "zone": self.schedule_time_zone}
            if self.daily_stop_time
            else "",
            _("delete after %(days)s days") % {"days": self.lifetime_days} if self.lifetime_days else "",
        ]
        return _(", ").join(part for part in parts if part) or _("no schedule")


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
        with translation.override("en"):  # the audit trail is kept in one language
            detail = schedule.describe()
        audit(actor=actor, action="schedule", devserver=devserver, outcome="set", detail=detail)
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
        return Extension(False, _("%(name)s has no lifetime to extend.") % {"name": devserver.name})
    if devserver.is_final or devserver.status == "DELETING":
        return Extension(False, _("%(name)s is already being deleted.") % {"name": devserver.name})
    most = min(bounds.max_lifetime_days or LIFETIME_DAYS_MAX, LIFETIME_DAYS_MAX)
    wanted = devserver.lifetime_days + days
    if days < 1 or wanted > most:
        room = most - devserver.lifetime_days
        allowed = (
            ngettext("at most %(room)s more day", "at most %(room)s more days", room) % {"room": room}
            if room > 0
            else _("no more days")
        )
        return Extension(False, _("Its lifetime may be at most %(most)s days: %(allowed)s.") % {"most": most, "allowed": allowed})
    with transaction.atomic():
        extended = DevServer.objects.filter(pk=devserver.pk, lifetime_days=devserver.lifetime_days).update(
            lifetime_days=wanted, lifetime_warned_hours=None, schedule_error=""
        )
        if not extended:
            return Extension(False, _("%(name)s's lifetime changed meanwhile; look again.") % {"name": devserver.name})
        devserver.lifetime_days, devserver.lifetime_warned_hours = wanted, None
        new_deadline = delete_due_at(devserver)
        audit(
            actor=actor, action="extend_lifetime", devserver=devserver, outcome="extended",
            detail=f"{days} more day(s): {wanted} days in all, deleted at {new_deadline:%Y-%m-%d %H:%M %Z}",
        )  # fmt: skip
        live.bump_after_commit(live.scopes_of(devserver))
    return Extension(True, _("%(name)s now lives until %(deadline)s.") % {"name": devserver.name, "deadline": f"{new_deadline:%Y-%m-%d %H:%M %Z}"})
