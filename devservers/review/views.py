"""The team admin's review page, its CSV export, and the audit trail: who may ask, which filters
apply, and the whole page or, for HTMX, only the results."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, push_url

from devservers import live, selectors
from devservers.costs.prices import PriceBook
from devservers.costs.selectors import cost_totals
from devservers.review import exports, kept
from devservers.review.access import ReviewAccess, review_access
from devservers.review.filtersets import AuditFilterSet, ReviewFilterSet, valid_query
from devservers.review.paging import filtered_address, page_of
from devservers.review.queue import queue_context
from devservers.review.rows import shown_rows
from devservers.review.sorting import sort_headers
from devservers.review.totals import review_totals

REVIEW_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _fragment_wanted(request: HttpRequest) -> bool:
    # A history restore after a cache miss needs the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_or_fragment(request: HttpRequest, template_name: str, context: dict) -> HttpResponse:
    if not _fragment_wanted(request):
        return render(request, template_name, context)
    response = render(request, f"{template_name}#results", {**context, "fragment": True})
    if "v" not in request.GET:
        # The address bar shows the filters that apply, without the empty fields the form sent.
        push_url(response, filtered_address(request.path, context["query"], page=context["page"].number))
    return response


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


# The review page ---------------------------------------------------------------------------------------


def _asks_for_the_queue(request: HttpRequest) -> bool:
    """The whole page, and the live poll, show the approval queue and the alerts; a fragment that
    answers a filter, a sort or a page of rows leaves them as they are, since none of those changes them."""
    return not _fragment_wanted(request) or "v" in request.GET


def _review_context(request: HttpRequest, reviewer: ReviewAccess) -> dict:
    # The token is taken before the rows are read, so a change in between makes the next poll answer.
    live_token = live.view_token(user_id=request.user.pk, scopes=reviewer.live_scopes())
    filterset = ReviewFilterSet(request.GET, access=reviewer)
    rows = filterset.qs
    totals = review_totals(rows, kept.status_tally_rows(filterset, reviewer))
    requested_page = request.GET.get("page")
    page = page_of(
        shown_rows(rows),
        requested_page,
        per_page=REVIEW_PAGE_SIZE,
        count=totals.total,
    )
    now = timezone.now()
    book = PriceBook()  # the queue, the totals, the shown rows and the budgets read the catalogue once
    query = valid_query(filterset)
    queue = (
        queue_context(reviewer, request.GET, filters=query, now=now, book=book)
        if _asks_for_the_queue(request)
        else {}
    )
    return {
        **queue,
        "form": filterset.form,
        "query": query,
        "page": page,
        "totals": totals,
        "sort": filterset.current_sort,
        "sort_headers": sort_headers(filterset.current_sort),
        "notices": _hidden_field_notices(filterset.form) + _page_notice(requested_page, page),
        "show_team": filterset.has_several_teams or reviewer.every_row,
        "live_token": live_token,
        "costs": cost_totals(
            rows,
            now=now,
            shown=page.object_list,
            kept=kept.billing_ledger_rows(filterset, reviewer),
            book=book,
        ),
        "now": now,
        # The context processor would ask the database again for what the access already says.
        "nav_is_team_admin": reviewer.is_team_admin,
    }


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    if live.poll_unchanged(request):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
        return redirect_to_login(request.get_full_path())
    reviewer = review_access(request.user)
    if not reviewer.may_review:
        return HttpResponse(status=404)
    return _page_or_fragment(request, "devservers/review.html", _review_context(request, reviewer))


@login_required
@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    reviewer = review_access(request.user)
    if not reviewer.may_review:
        return HttpResponse(status=404)
    rows = ReviewFilterSet(request.GET, access=reviewer).qs
    return exports.devservers_csv_response(rows, now=timezone.now())


# The audit trail -----------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    reviewer = review_access(request.user)
    if not reviewer.may_review:
        return HttpResponse(status=404)
    filterset = AuditFilterSet(request.GET, entries=selectors.audit_entries_for(request.user))
    requested_page = request.GET.get("page")
    page = page_of(filterset.qs, requested_page, per_page=AUDIT_PAGE_SIZE)
    context = {
        "form": filterset.form,
        "query": valid_query(filterset),
        "page": page,
        "notices": _page_notice(requested_page, page),
        "show_team": reviewer.every_row or len(reviewer.team_ids) > 1,
        "nav_is_team_admin": reviewer.is_team_admin,
    }
    return _page_or_fragment(request, "devservers/audit.html", context)
