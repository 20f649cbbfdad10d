"""Servers found in the cloud that the dashboard did not create: a team admin assigns their owner."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def assign_owner(request: HttpRequest, devserver_id: int) -> HttpResponse:
    return HttpResponse(status=404)
