"""The team admin's review page, its CSV export, and the audit trail: who may ask, which filters
apply, and the whole page or, for HTMX, only the results."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, push_url

from devservers import live, selectors
from devservers.costs.budgets import budget_alerts
from devservers.costs.selectors import cost_totals, pending_costs
from devservers.instances import progress
from devservers.review import access, exports
from devservers.review.filtersets import AuditFilterSet, ReviewFilterSet, valid_query
from devservers.review.sorting import sort_headers
from devservers.review.totals import review_totals
from devservers.schedules.selectors import failed_schedules, lifetime_ending

REVIEW_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
PENDING_PAGE_SIZE = 20


def _fragment_wanted(request: HttpRequest) -> bool:
    # A history restore after a cache miss needs the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_or_fragment(request: HttpRequest, template_name: str, context: dict) -> HttpResponse:
    if not _fragment_wanted(request):
        return render(request, template_name, context)
    response = render(request, f"{template_name}#results", {**context, "fragment": True})
    if "v" not in request.GET:
        # The address bar shows the filters that apply, without the empty fields the form sent.
        _push_filters(response, request.path, context["query"], context["page"])
    return response


def _push_filters(response: HttpResponse, path: str, query: QueryDict, page: Page) -> None:
    query = query.copy()
    if page.number > 1:
        query["page"] = str(page.number)
    push_url(response, f"{path}?{query.urlencode()}" if query else path)


def _page_of(rows: QuerySet, requested: str | None, *, per_page: int) -> Page:
    """A page of rows; a page number that is not one gives the first page, one past the end the last."""
    return Paginator(rows, per_page).get_page(requested)


def _page_notice(requested: str | None, page: Page) -> list[str]:
    if not requested or requested == str(page.number):
        return []
    return [
        _("There is no page %(requested)s; showing page %(number)s of %(count)s.")
        % {"requested": requested, "number": page.number, "count": page.paginator.num_pages}
    ]


def _hidden_field_notices(form: forms.Form) -> list[str]:
    """Errors of fields the page shows no input for (the sort key), which have no place of their own."""
    return [
        _("Ignored %(field)s “%(value)s”: %(errors)s")
        % {"field": field.name, "value": form.data.get(field.name), "errors": " ".join(field.errors)}
        for field in form.hidden_fields()
        if field.errors
    ]


def _review_filterset(request: HttpRequest) -> ReviewFilterSet:
    return ReviewFilterSet(
        request.GET,
        scope=access.review_scope(request.user),
        teams=access.review_teams(request.user),
        every_team=request.user.is_superuser,
    )


# The review page ---------------------------------------------------------------------------------------


def _review_context(request: HttpRequest) -> dict:
    # The token is taken before the rows are read, so a change in between makes the next poll answer.
    live_token = live.view_token(user_id=request.user.pk, scopes=access.review_live_scopes(request.user))
    filterset = _review_filterset(request)
    rows = filterset.qs
    requested_page = request.GET.get("page")
    # When each shown row entered its status, for its progress note: in the page's own query.
    page = _page_of(progress.with_status_since(rows), requested_page, per_page=REVIEW_PAGE_SIZE)
    now = timezone.now()
    pending = _page_of(
        selectors.pending_approvals(request.user).select_related("account"),
        request.GET.get("pending_page"),
        per_page=PENDING_PAGE_SIZE,
    )
    scope = access.review_scope(request.user)
    return {
        "form": filterset.form,
        "query": valid_query(filterset),
        "page": page,
        "totals": review_totals(rows),
        "sort": filterset.current_sort,
        "sort_headers": sort_headers(filterset.current_sort),
        "notices": _hidden_field_notices(filterset.form) + _page_notice(requested_page, page),
        "show_team": filterset.has_several_teams or request.user.is_superuser,
        "live_token": live_token,
        "pending": pending,
        "pending_costs": pending_costs(pending.object_list, now=now),
        "costs": cost_totals(rows, now=now, shown=page.object_list),
        # No email or notification system yet: the team's admins are told here.
        "budget_alerts": budget_alerts(access.review_teams(request.user), now=now),
        "lifetime_ending": lifetime_ending(scope, now=now),
        "failed_schedules": failed_schedules(scope),
        "now": now,
    }


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
        return redirect_to_login(request.get_full_path())
    if not access.may_review(request.user):
        return HttpResponse(status=404)
    return _page_or_fragment(request, "devservers/review.html", _review_context(request))


@login_required
@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    if not access.may_review(request.user):
        return HttpResponse(status=404)
    return exports.devservers_csv_response(_review_filterset(request).qs, now=timezone.now())


# The audit trail -----------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    if not access.may_review(request.user):
        return HttpResponse(status=404)
    filterset = AuditFilterSet(request.GET, entries=selectors.audit_entries_for(request.user))
    requested_page = request.GET.get("page")
    page = _page_of(filterset.qs, requested_page, per_page=AUDIT_PAGE_SIZE)
    context = {
        "form": filterset.form,
        "query": valid_query(filterset),
        "page": page,
        "notices": _page_notice(requested_page, page),
        "show_team": request.user.is_superuser or access.review_teams(request.user).count() > 1,
    }
    return _page_or_fragment(request, "devservers/audit.html", context)
