"""The billing month: the calendar month in the site's time zone."""

from datetime import datetime

from django.utils import timezone


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month `now` is in, in the site's time zone: its first instant and the next month's."""
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)
