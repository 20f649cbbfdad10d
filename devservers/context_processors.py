from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest

from devservers import selectors


def navigation(request: HttpRequest) -> dict[str, object]:
    """Whether the top bar offers the team admin's pages (evaluated only by templates that ask), how
    often live pages poll, and whether changes are pushed to them (only an ASGI server holds a stream)."""
    user = getattr(request, "user", None)

    def is_admin() -> bool:
        return bool(user and user.is_authenticated and selectors.admin_teams_of(user).exists())

    return {
        "nav_is_team_admin": is_admin,
        "live_poll_seconds": settings.DEVSERVER_LIVE_POLL_SECONDS,
        "live_push": settings.DEVSERVER_LIVE_PUSH and isinstance(request, ASGIRequest),
    }
