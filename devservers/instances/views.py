"""The instance list and detail pages, their live fragments, lifecycle actions and owner assignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from devservers import live, selectors
from devservers.costs.selectors import devserver_cost
from devservers.instances import listing, progress
from devservers.instances.claims import request_action
from devservers.instances.connect import connect_info, dev_services
from devservers.instances.names import network_names
from devservers.models import AWAITING_APPROVAL
from devservers.navigation import safe_next
from devservers.provisioning import imports
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS

# Actions that lose unsaved work on the server: asked again before they go out (in the page with
# JavaScript, else on the confirmation page). Delete has its own page, naming what is lost.
CONFIRMED_ACTIONS = ("stop", "reboot")


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
        "totals": listing.scope_totals(user, filters.scope, team_ids),
        "actionable_ids": listing.actionable_ids(user, page.rows),
        "back_url": listing.page_address(request.GET),
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


def detail_context(request: HttpRequest, devserver_id: int) -> dict:
    token = live.view_token(user_id=request.user.pk, scopes=[live.devserver_scope(devserver_id)])
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    events = list(selectors.events_for(devserver))
    progress.note_status_since(devserver, events)
    return {
        "devserver": devserver,
        "events": events,
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
    return render(request, "devservers/detail.html", detail_context(request, devserver_id))


@require_GET
def devserver_panel(request: HttpRequest, devserver_id: int) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(reverse("login"))
    return render(request, "devservers/detail.html#panel", detail_context(request, devserver_id))


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request) or fallback)


def _action_label(action_name: str) -> str:
    action = LIFECYCLE_ACTIONS.get(action_name)
    return str(action.label) if action else action_name.capitalize()


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
    if action_name in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "yes":
        # Without JavaScript nothing asked yet: the confirmation page asks, then posts again.
        confirm_url = reverse("devservers:confirm-action", args=[devserver.pk, action_name])
        next_url = safe_next(request)
        return redirect(f"{confirm_url}?{urlencode({'next': next_url})}" if next_url else confirm_url)
    outcome = request_action(actor=request.user, devserver=devserver, action_name=action_name)
    if outcome.accepted:
        messages.success(
            request,
            _("%(action)s of %(name)s asked; progress shows below.")
            % {"action": _action_label(action_name), "name": devserver.name},
        )
    else:
        messages.error(request, outcome.reason)
    return _back(request, reverse("devservers:detail", args=[devserver.pk]))


@login_required
@require_GET
def confirm_action(request: HttpRequest, devserver_id: int, action_name: str) -> HttpResponse:
    """The confirmation a stop, reboot or delete asks for, as a page of its own (it works without
    JavaScript); its form posts the action confirmed, and Cancel goes back where the user came from."""
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if action_name not in CONFIRMED_ACTIONS and action_name != "delete":
        raise Http404(_("No such action."))
    context = {
        "devservers": [devserver],
        "action": LIFECYCLE_ACTIONS[action_name],
        "next_url": safe_next(request) or reverse("devservers:detail", args=[devserver.pk]),
    }
    page = "confirm_delete" if action_name == "delete" else "confirm_action"
    return render(request, f"devservers/{page}.html", context)


@login_required
@require_http_methods(["POST"])
def batch_action(request: HttpRequest) -> HttpResponse:
    selected_ids = [value for value in request.POST.getlist("selected") if value.isdigit()]
    chosen = list(selectors.devservers_visible_to(request.user).filter(pk__in=selected_ids).order_by("name"))
    action_name = request.POST.get("action", "")
    if not chosen:
        messages.error(request, _("Select at least one server first."))
        return _back(request, reverse("devservers:list"))
    if action_name == "delete" and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "devservers/confirm_delete.html",
            {"devservers": chosen, "next_url": safe_next(request), "batch": True},
        )
    if action_name in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "devservers/confirm_action.html",
            {
                "devservers": chosen,
                "action": LIFECYCLE_ACTIONS[action_name],
                "next_url": safe_next(request) or reverse("devservers:list"),
                "batch": True,
            },
        )
    outcomes = [request_action(actor=request.user, devserver=row, action_name=action_name) for row in chosen]
    accepted = [outcome.devserver.name for outcome in outcomes if outcome.accepted]
    if accepted:
        messages.success(
            request,
            _("%(action)s asked for %(count)s: %(names)s.")
            % {"action": _action_label(action_name), "count": len(accepted), "names": ", ".join(accepted)},
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
        return HttpResponse(_("Only a team admin can assign an owner."), status=403)
    detail_url = reverse("devservers:detail", args=[devserver.pk])
    if not devserver.is_imported:
        messages.error(request, _("%(name)s was requested here: its owner is the requester.") % {"name": devserver.name})
        return redirect(detail_url)
    owner_id = request.POST.get("owner", "")
    owner = (
        selectors.owner_candidates(devserver).filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    )
    if owner is None:
        messages.error(request, _("Owner: choose a member of the server's team."))
        return redirect(detail_url)
    imports.assign_owner(devserver_id=devserver.pk, owner=owner, actor=request.user)
    messages.success(request, _("%(name)s now belongs to %(owner)s.") % {"name": devserver.name, "owner": owner.get_username()})
    return redirect(detail_url)
