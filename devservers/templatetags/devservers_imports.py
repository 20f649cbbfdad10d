from django import template

from devservers import selectors
from devservers.models import DevServer

register = template.Library()


@register.simple_tag(takes_context=True)
def owner_choices(context: template.Context, devserver: DevServer) -> list | None:
    """The users the viewer may give this imported server to; None when the viewer may not assign one."""
    user = context["request"].user
    if not devserver.is_imported or not selectors.is_team_admin(user, devserver.team):
        return None
    return list(selectors.owner_candidates(devserver))
