"""Servers found in the cloud that the dashboard did not create: a team admin assigns their owner."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from devservers import selectors, services


@login_required
@require_POST
def assign_owner(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.is_team_admin(request.user, devserver.team):
        return HttpResponse("Only a team admin can assign an owner.", status=403)
    detail_url = reverse("devservers:detail", args=[devserver.pk])
    if not devserver.is_imported:
        messages.error(request, f"{devserver.name} was requested here: its owner is the requester.")
        return redirect(detail_url)
    owner_id = request.POST.get("owner", "")
    owner = (
        selectors.owner_candidates(devserver).filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    )
    if owner is None:
        messages.error(request, "Owner: choose a member of the server's team.")
        return redirect(detail_url)
    services.assign_owner(devserver_id=devserver.pk, owner=owner, actor=request.user)
    messages.success(request, f"{devserver.name} now belongs to {owner.get_username()}.")
    return redirect(detail_url)
