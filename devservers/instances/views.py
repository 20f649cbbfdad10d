"""The instance list and detail pages, their live fragments, lifecycle actions and owner assignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from devservers import live, selectors
from devservers.costs.selectors import devserver_cost
from devservers.instances import listing
from devservers.instances.claims import request_action
from devservers.instances.connect import connect_info, dev_services
from devservers.instances.names import network_names
from devservers.models import AWAITING_APPROVAL
from devservers.navigation import safe_next
from devservers.provisioning import imports


def _list_context(request: HttpRequest) -> dict:
    user = request.user
    filters = listing.filters_from(request.GET)
    team_ids = listing.team_ids_of(user)
    # The token is taken before the rows are read, so a change in between makes the next poll answer.
    token = live.view_token(user_id=user.pk, scopes=listing.live_scopes(user, filters.scope, team_ids))
    scoped = listing.scoped_rows(user, filters.scope, team_ids)
    page = listing.keyset_page(listing.filtered(scoped, filters), request.GET)
    return {
        "page": page,
        "devservers": page.rows,
        "filters": filters,
        "query": filters.query(),
        "scope_choices": listing.SCOPES.items(),
        "status_choices": listing.STATUS_CHOICES,
        # Totals count the scope, not the search: the page head says what the user holds.
        "totals": selectors.status_totals(scoped),
        "actionable_ids": listing.actionable_ids(user, page.rows),
        "live_token": token,
        "show_team": len(team_ids) > 1 or user.is_superuser,
    }


@login_required
@require_GET
def devserver_list(request: HttpRequest) -> HttpResponse:
    return render(request, "devservers/list.html", _list_context(request))


@require_GET
def devserver_rows(request: HttpRequest) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(reverse("login"))
    return render(request, "devservers/list.html#rows", _list_context(request))


def _detail_context(request: HttpRequest, devserver_id: int) -> dict:
    token = live.view_token(user_id=request.user.pk, scopes=[live.devserver_scope(devserver_id)])
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    return {
        "devserver": devserver,
        "events": selectors.events_for(devserver),
        "live_token": token,
        "can_decide": devserver.status == AWAITING_APPROVAL
        and selectors.is_team_admin(request.user, devserver.team),
        "can_act": selectors.can_act_on(request.user, devserver),
        "cost": devserver_cost(devserver, now=timezone.now()),
        "connect": connect_info(devserver),
        "dev_services": dev_services(devserver),
        "network_names": network_names(devserver),
    }


@login_required
@require_GET
def devserver_detail(request: HttpRequest, devserver_id: int) -> HttpResponse:
    return render(request, "devservers/detail.html", _detail_context(request, devserver_id))


@require_GET
def devserver_panel(request: HttpRequest, devserver_id: int) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(reverse("login"))
    return render(request, "devservers/detail.html#panel", _detail_context(request, devserver_id))


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request) or fallback)


@login_required
@require_http_methods(["POST"])
def devserver_action(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    action_name = request.POST.get("action", "")
    if action_name == "delete" and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "devservers/confirm_delete.html",
            {"devservers": [devserver], "next_url": safe_next(request)},
        )
    outcome = request_action(actor=request.user, devserver=devserver, action_name=action_name)
    if outcome.accepted:
        messages.success(
            request, f"{action_name.capitalize()} of {devserver.name} asked; progress shows below."
        )
    else:
        messages.error(request, outcome.reason)
    return _back(request, reverse("devservers:detail", args=[devserver.pk]))


@login_required
@require_http_methods(["POST"])
def batch_action(request: HttpRequest) -> HttpResponse:
    selected_ids = [value for value in request.POST.getlist("selected") if value.isdigit()]
    chosen = list(selectors.devservers_visible_to(request.user).filter(pk__in=selected_ids).order_by("name"))
    action_name = request.POST.get("action", "")
    if not chosen:
        messages.error(request, "Select at least one server first.")
        return _back(request, reverse("devservers:list"))
    if action_name == "delete" and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "devservers/confirm_delete.html",
            {"devservers": chosen, "next_url": safe_next(request), "batch": True},
        )
    outcomes = [request_action(actor=request.user, devserver=row, action_name=action_name) for row in chosen]
    accepted = [outcome.devserver.name for outcome in outcomes if outcome.accepted]
    if accepted:
        messages.success(
            request, f"{action_name.capitalize()} asked for {len(accepted)}: {', '.join(accepted)}."
        )
    for outcome in outcomes:
        if not outcome.accepted:
            messages.error(request, outcome.reason)
    return _back(request, reverse("devservers:list"))


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
    imports.assign_owner(devserver_id=devserver.pk, owner=owner, actor=request.user)
    messages.success(request, f"{devserver.name} now belongs to {owner.get_username()}.")
    return redirect(detail_url)
