from django.conf import settings
from django.http import HttpRequest

from devservers import selectors


def navigation(request: HttpRequest) -> dict[str, object]:
    """Whether the top bar offers the team admin's pages (evaluated only by templates that ask), and how
    often live pages poll."""
    user = getattr(request, "user", None)

    def is_admin() -> bool:
        return bool(user and user.is_authenticated and selectors.admin_teams_of(user).exists())

    return {"nav_is_team_admin": is_admin, "live_poll_seconds": settings.DEVSERVER_LIVE_POLL_SECONDS}
