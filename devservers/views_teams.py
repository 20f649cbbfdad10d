"""Team admins manage their teams' members and roles in the app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    return HttpResponse(status=404)
