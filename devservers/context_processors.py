from django.http import HttpRequest

from devservers import selectors


def navigation(request: HttpRequest) -> dict[str, object]:
    """Whether the top bar offers the team admin's pages; evaluated only by templates that ask."""
    user = getattr(request, "user", None)

    def is_admin() -> bool:
        return bool(user and user.is_authenticated and selectors.admin_teams_of(user).exists())

    return {"nav_is_team_admin": is_admin}
