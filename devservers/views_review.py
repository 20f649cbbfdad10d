"""The team admin's review page, its CSV export, and the audit trail."""

import csv
from collections.abc import Iterator

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, push_url

from devservers import live, review_filters, selectors


def _fragment_wanted(request: HttpRequest) -> bool:
    # A history restore after a cache miss needs the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _fragment(request: HttpRequest, template_name: str, context: dict) -> HttpResponse:
    response = render(request, template_name, {**context, "fragment": True})
    if "v" not in request.GET:
        # The address bar shows the filters that apply, without the empty fields the form sent.
        page = context["page"]
        query = context["query"].copy()
        if page.number > 1:
            query["page"] = str(page.number)
        push_url(response, f"{request.path}?{query.urlencode()}" if query else request.path)
    return response


def _page_notice(requested: str | None, page: Page) -> list[str]:
    if not requested or requested == str(page.number):
        return []
    return [f"There is no page {requested}; showing page {page.number} of {page.paginator.num_pages}."]


def _hidden_field_notices(form: forms.Form) -> list[str]:
    """Errors of fields the page shows no input for (the sort key), which have no place of their own."""
    return [
        f"Ignored {field.name} “{form.data.get(field.name)}”: {' '.join(field.errors)}"
        for field in form.hidden_fields()
        if field.errors
    ]


# The review page ---------------------------------------------------------------------------------------


def _review_scopes(request: HttpRequest) -> list[str]:
    if request.user.is_superuser:
        return ["all"]
    teams = review_filters.review_teams(request.user).values_list("pk", flat=True)
    return [live.team_scope(team_id) for team_id in teams]


def _review_context(request: HttpRequest) -> dict:
    live_token = live.view_token(user_id=request.user.pk, scopes=_review_scopes(request))
    teams = review_filters.review_teams(request.user)
    scope = review_filters.review_scope(request.user)
    form = review_filters.ReviewFilterForm(request.GET, scope=scope, teams=teams)
    filters = review_filters.valid_filters(form)
    rows = review_filters.filtered_devservers(scope, filters)
    requested_page = request.GET.get("page")
    page = review_filters.page_of(rows, requested_page, per_page=review_filters.REVIEW_PAGE_SIZE)
    current_sort = str(filters.get("sort", review_filters.DEFAULT_SORT))
    return {
        "form": form,
        "query": review_filters.filter_query(filters),
        "page": page,
        "totals": review_filters.review_totals(rows),
        "sort": current_sort,
        "sort_headers": review_filters.sort_headers(current_sort),
        "notices": _hidden_field_notices(form) + _page_notice(requested_page, page),
        "show_team": form.has_several_teams or request.user.is_superuser,
        "live_token": live_token,
    }


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
        return redirect_to_login(request.get_full_path())
    if not review_filters.may_review(request.user):
        return HttpResponse(status=404)
    context = {**_review_context(request), "pending": selectors.pending_approvals(request.user)}
    if _fragment_wanted(request):
        return _fragment(request, "devservers/review.html#results", context)
    return render(request, "devservers/review.html", context)


class _Echo:
    """A file-like object whose write hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


@login_required
@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    if not review_filters.may_review(request.user):
        return HttpResponse(status=404)
    scope = review_filters.review_scope(request.user)
    form = review_filters.ReviewFilterForm(
        request.GET, scope=scope, teams=review_filters.review_teams(request.user)
    )
    rows = review_filters.filtered_devservers(scope, review_filters.valid_filters(form))
    filename = f"devservers-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _csv_lines(review_filters.csv_rows(rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# The audit trail -----------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    if not review_filters.may_review(request.user):
        return HttpResponse(status=404)
    entries = selectors.audit_entries_for(request.user)
    form = review_filters.AuditFilterForm(request.GET, entries=entries)
    filters = review_filters.valid_filters(form)
    requested_page = request.GET.get("page")
    page = review_filters.page_of(
        review_filters.filtered_audit_entries(entries, filters),
        requested_page,
        per_page=review_filters.AUDIT_PAGE_SIZE,
    )
    context = {
        "form": form,
        "query": review_filters.filter_query(filters),
        "page": page,
        "notices": _page_notice(requested_page, page),
        "show_team": request.user.is_superuser or review_filters.review_teams(request.user).count() > 1,
    }
    if _fragment_wanted(request):
        return _fragment(request, "devservers/audit.html#results", context)
    return render(request, "devservers/audit.html", context)
