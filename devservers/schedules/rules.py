"""A team's schedule defaults and maxima, as they apply to one server."""

import datetime
from dataclasses import dataclass

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
            parts.append(f"stop after {self.default_stop_after_hours} h unless you choose")
        if self.max_stop_after_hours:
            parts.append(f"stop after at most {self.max_stop_after_hours} h")
        if self.default_daily_stop_time:
            parts.append(f"stop daily at {self.default_daily_stop_time:%H:%M} unless you choose")
        if self.default_lifetime_days:
            parts.append(f"deleted after {self.default_lifetime_days} days unless you choose")
        if self.max_lifetime_days:
            parts.append(f"a lifetime of at most {self.max_lifetime_days} days")
        return "; ".join(parts)


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
