"""The team admin's review page, its CSV export, and the audit trail."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from devservers import selectors


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    teams = selectors.admin_teams_of(request.user)
    if not teams.exists():
        return HttpResponse(status=404)
    team_devservers = selectors.devservers_visible_to(request.user).filter(team__in=teams)
    context = {
        "pending": selectors.pending_approvals(request.user),
        "devservers": team_devservers,
        "totals": selectors.status_totals(team_devservers),
        "audit_entries": selectors.audit_entries_for(request.user)[:50],
        "teams": teams,
    }
    return render(request, "devservers/review.html", context)


@login_required
@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)
