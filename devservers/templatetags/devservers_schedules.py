"""The detail page's schedule box. A tag, not the page's view, because the schedules claim their
stops through `instances.claims`: `instances` cannot import `schedules` without a cycle."""

from django import template
from django.utils import timezone

from devservers.models import DevServer
from devservers.schedules.selectors import ServerSchedule, schedule_of

register = template.Library()


@register.simple_tag(takes_context=True)
def server_schedule(context: template.Context, devserver: DevServer) -> ServerSchedule:
    return schedule_of(devserver, user=context["request"].user, now=timezone.now())
