"""The schedule's fields, on the request form and later on the detail page, within the team's bounds."""

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devservers.models import DevServer
from devservers.schedules.clock import lifetime_start
from devservers.schedules.rules import LIFETIME_DAYS_MAX, STOP_AFTER_HOURS_MAX, ScheduleBounds
from devservers.schedules.services import ScheduleSettings

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]
# A lifetime changed on a running server must leave time for its warnings.
LEAST_LIFETIME_LEFT = datetime.timedelta(hours=24)


class ScheduleForm(forms.Form):
    stop_after_hours = forms.IntegerField(
        required=False, min_value=1, max_value=STOP_AFTER_HOURS_MAX, label=gettext_lazy("Stop after (hours)"),
        help_text=gettext_lazy("Counted from each start."),
    )  # fmt: skip
    daily_stop_time = forms.TimeField(
        required=False, label=gettext_lazy("Stop daily at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    # Not required: a request that does not say keeps the owner's zone (the form's initial value).
    schedule_time_zone = forms.ChoiceField(required=False, choices=TIME_ZONE_CHOICES, label=gettext_lazy("Your time zone"))
    lifetime_days = forms.IntegerField(
        required=False, min_value=1, max_value=LIFETIME_DAYS_MAX, label=gettext_lazy("Delete after (days)"),
        help_text=gettext_lazy("Warnings 24 h and 1 h before; you can extend it."),
    )  # fmt: skip

    def __init__(
        self,
        *args,
        bounds: ScheduleBounds,
        devserver: DevServer | None = None,
        now: datetime.datetime | None = None,
        **kwargs,
    ) -> None:
        """Without a server (the request form) an empty field takes the team's default."""
        super().__init__(*args, **kwargs)
        self.bounds = bounds
        self.devserver = devserver
        self.now = now
        self.fields["schedule_time_zone"].initial = settings.TIME_ZONE
        if bounds.max_stop_after_hours:
            self.fields["stop_after_hours"].widget.attrs["max"] = bounds.max_stop_after_hours
            self.fields["stop_after_hours"].help_text += " " + _("Your team's most: %(hours)s.") % {"hours": bounds.max_stop_after_hours}
        if bounds.max_lifetime_days:
            self.fields["lifetime_days"].help_text += " " + _("Your team's most: %(days)s days.") % {"days": bounds.max_lifetime_days}

    def field_errors(self, name: str) -> list[str]:
        return list(self.errors.get(name, []))

    def clean(self) -> dict:
        cleaned = super().clean()
        bounds = self.bounds
        if self.devserver is None:
            for name, default in (
                ("stop_after_hours", bounds.default_stop_after_hours),
                ("daily_stop_time", bounds.default_daily_stop_time),
                ("lifetime_days", bounds.default_lifetime_days),
            ):
                if cleaned.get(name) is None and name not in self.errors:
                    cleaned[name] = default
        hours, days = cleaned.get("stop_after_hours"), cleaned.get("lifetime_days")
        most_hours = bounds.max_stop_after_hours
        if most_hours and "stop_after_hours" not in self.errors:
            if hours is None:
                self.add_error(
                    "stop_after_hours", _("Your team stops servers after at most %(hours)s hours; say when.") % {"hours": most_hours}
                )
            elif hours > most_hours:
                self.add_error(
                    "stop_after_hours", _("Your team stops servers after at most %(hours)s hours.") % {"hours": most_hours}
                )
        if bounds.max_lifetime_days and "lifetime_days" not in self.errors:
            if days is None:
                self.add_error(
                    "lifetime_days",
                    _("Your team deletes servers after at most %(days)s days; say when.") % {"days": bounds.max_lifetime_days},
                )
            elif days > bounds.max_lifetime_days:
                self.add_error(
                    "lifetime_days",
                    _("Your team allows a lifetime of at most %(days)s days.") % {"days": bounds.max_lifetime_days},
                )
        if (
            days
            and self.devserver is not None
            and self.now is not None
            and "lifetime_days" not in self.errors
        ):
            ends = lifetime_start(self.devserver) + datetime.timedelta(days=days)
            if ends - self.now < LEAST_LIFETIME_LEFT:
                self.add_error(
                    "lifetime_days",
                    _("That lifetime would end %(ends)s; leave it at least 24 hours more.") % {"ends": f"{ends:%Y-%m-%d %H:%M %Z}"},
                )
        return cleaned

    def schedule(self) -> ScheduleSettings:
        data = self.cleaned_data
        return ScheduleSettings(
            stop_after_hours=data.get("stop_after_hours"),
            daily_stop_time=data.get("daily_stop_time"),
            schedule_time_zone=data.get("schedule_time_zone")
            or self.initial.get("schedule_time_zone")
            or settings.TIME_ZONE,
            lifetime_days=data.get("lifetime_days"),
        )


def initial_for(devserver: DevServer) -> dict:
    return {
        "stop_after_hours": devserver.stop_after_hours,
        "daily_stop_time": devserver.daily_stop_time,
        "schedule_time_zone": devserver.schedule_time_zone or settings.TIME_ZONE,
        "lifetime_days": devserver.lifetime_days,
    }
