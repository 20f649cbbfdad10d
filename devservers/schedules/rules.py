"""A team's schedule defaults and maxima, as they apply to one server."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from devservers.models import TeamPolicy

# Every schedule action is done by the dashboard itself: the audit trail names this actor.
SCHEDULE_ACTOR = "schedule"
STOP_AFTER_HOURS_MAX = 24 * 30
LIFETIME_DAYS_MAX = 366
# Warnings before a server's lifetime ends, largest first; the delete waits for the last one.
LIFETIME_WARNING_HOURS = (24, 1)


@dataclass(frozen=True)
class ScheduleBounds:
    default_stop_after_hours: int | None = None
    max_stop_after_hours: int | None = None
    default_daily_stop_time: datetime.time | None = None
    default_lifetime_days: int | None = None
    max_lifetime_days: int | None = None

    @property
    def has_defaults(self) -> bool:
        return any(
            value is not None
            for value in (
                self.default_stop_after_hours,
                self.default_daily_stop_time,
                self.default_lifetime_days,
            )
        )

    @property
    def description(self) -> str:
        """The team's rules, for a help text."""
        parts = []
        if self.default_stop_after_hours:
            parts.append(_("stop after %(hours)s h unless you choose") % {"hours": self.default_stop_after_hours})
        if self.max_stop_after_hours:
            parts.append(_("stop after at most %(hours)s h") % {"hours": self.max_stop_after_hours})
        if self.default_daily_stop_time:
            parts.append(_("stop daily at %(time)s unless you choose") % {"time": f"{self.default_daily_stop_time:%H:%M}"})
        if self.default_lifetime_days:
            parts.append(_("deleted after %(days)s days unless you choose") % {"days": self.default_lifetime_days})
        if self.max_lifetime_days:
            parts.append(_("a lifetime of at most %(days)s days") % {"days": self.max_lifetime_days})
        return _("; ").join(parts)


def bounds_for(policy: TeamPolicy | None, *, accelerator_count: int) -> ScheduleBounds:
    """The policy's defaults and maxima for a server with this many accelerator cards."""
    if policy is None or (policy.schedules_for_accelerators_only and not accelerator_count):
        return ScheduleBounds()
    return ScheduleBounds(
        default_stop_after_hours=policy.default_stop_after_hours,
        max_stop_after_hours=policy.max_stop_after_hours,
        default_daily_stop_time=policy.default_daily_stop_time,
        default_lifetime_days=policy.default_lifetime_days,
        max_lifetime_days=policy.max_lifetime_days,
    )


def policy_of_team(team_id: int | None) -> TeamPolicy | None:
    return TeamPolicy.objects.filter(team_id=team_id).first() if team_id else None
