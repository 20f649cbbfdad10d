"""What a change sends to each kind of open page: only the rows it touched that the user may see and
the page shows, swapped out of band by their ids, plus the totals when they may have moved, and a new
poll token (`data-live-token`) for the page's fallback poll. Rendered with the page's own partials."""

import functools
from collections.abc import Callable, Hashable

from django.contrib.auth.models import AbstractBaseUser
from django.db import close_old_connections
from django.http import Http404, HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from devservers import live, selectors
from devservers.costs.prices import PriceBook
from devservers.costs.selectors import billing_now
from devservers.instances import listing
from devservers.instances.views import detail_context
from devservers.push.channel import Change
from devservers.push.stream import CSRF_STAND_IN, PushPage
from devservers.review import access, kept
from devservers.review.filtersets import ReviewFilterSet, valid_query
from devservers.review.queue import queue_context
from devservers.review.rows import shown_rows
from devservers.review.totals import review_totals


def _token(user: AbstractBaseUser, scopes: list[str]) -> str:
    # Taken before the rows are read, as the pages do: a change in between makes the next poll answer.
    return format_html('<i hidden data-live-token="{}"></i>', live.view_token(user_id=user.pk, scopes=scopes))


def _gone(prefix: str, ids: set[int]) -> list[str]:
    """Rows the page may show that left it (deleted, or no longer in its scope or filter)."""
    return [format_html('<tr id="{}{}" hx-swap-oob="delete"></tr>', prefix, pk) for pk in sorted(ids)]


def _table_part(rows: list[str]) -> list[str]:
    """Table rows travel in a <template>: outside a table the HTML parser would drop their <tr> and <td>."""
    return [format_html("<template>{}</template>", mark_safe("\n".join(rows)))] if rows else []


def _rendered(template_name: str, context: dict, request: HttpRequest) -> str:
    """A partial as the page renders it, with the stand-in where the CSRF token goes (each stream
    of the audience puts its own there)."""
    return render_to_string(template_name, {**context, "csrf_token": CSRF_STAND_IN}, request)


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language()


def _audience(request: HttpRequest, *page: Hashable) -> tuple:
    """What a page's render depends on besides the change: its user, what it is and shows, its language."""
    user = request.user
    query = tuple(sorted((name, tuple(values)) for name, values in request.GET.lists()))
    return (user.pk, user.is_superuser, *page, query, _language(request))


def _push_page(
    request: HttpRequest, scopes: list[str], render: Callable[[Change], str], *page: Hashable
) -> PushPage:
    language = _language(request)

    def rendered(change: Change) -> str:
        # These threads serve many streams and no request: drop connections past their age, as a request
        # would, and speak the page's language whatever the thread last spoke.
        close_old_connections()
        with translation.override(language):
            return render(change)

    return PushPage(
        scopes=scopes,
        render=rendered,
        audience=_audience(request, *page),
        csrf_token=functools.partial(get_token, request),
    )


# The instance list ------------------------------------------------------------------------------------


def list_page(request: HttpRequest) -> PushPage:
    user = request.user
    filters = listing.filters_from(request.GET)
    first_page = "after" not in request.GET and "before" not in request.GET
    back_url = listing.page_address(request.GET)  # the stream carries its page's own query

    def render(change: Change) -> str:
        team_ids = listing.team_ids_of(user)  # access as it is now, not as it was when the page opened
        parts = [_token(user, listing.live_scopes(user, filters.scope, team_ids))]
        scoped = listing.scoped_rows(user, filters.scope, team_ids)
        # Read as the page reads its rows: their columns, and when each entered its status.
        rows = list(
            listing.with_row_columns(listing.filtered(scoped, filters).filter(pk__in=change.ids)).order_by(
                "id"
            )
        )
        actionable = listing.actionable_ids(user, rows)
        table: list[str] = []
        for row in rows:
            context = {"devserver": row, "actionable_ids": actionable, "back_url": back_url}
            if row.pk in change.created and first_page:
                # A new row goes on top of the first page (the page drops it if it is there already).
                html = _rendered("devservers/list.html#row", context, request)
                table.append(
                    format_html('<tbody hx-swap-oob="afterbegin:#devserver-rows tbody">{}</tbody>', html)
                )
            else:
                table.append(_rendered("devservers/list.html#row", {**context, "oob": True}, request))
        parts += _table_part(table + _gone("devserver-", set(change.ids) - {row.pk for row in rows}))
        if change.totals_may_change:
            totals = listing.scope_totals(user, filters.scope, team_ids)
            parts.append(_rendered("devservers/list.html#totals", {"totals": totals, "oob": True}, request))
        return "\n".join(parts)

    scopes = listing.live_scopes(user, filters.scope, listing.team_ids_of(user))
    return _push_page(request, scopes, render, "list")


# The detail page --------------------------------------------------------------------------------------


def detail_page(request: HttpRequest, devserver_id: int) -> PushPage:
    selectors.devserver_for_user(request.user, devserver_id)  # 404 for a row the user may not see

    def render(change: Change) -> str:
        try:
            context = detail_context(request, devserver_id)
        except Http404:  # gone, or no longer the user's to see
            return ""
        return _rendered("devservers/detail.html#panel", {**context, "oob": True}, request)

    return _push_page(request, [live.devserver_scope(devserver_id)], render, "detail", devserver_id)


# The review page --------------------------------------------------------------------------------------


def review_page(request: HttpRequest) -> PushPage:
    user = request.user
    reviewer = access.review_access(user)
    if not reviewer.may_review:
        raise Http404

    # Built once: its filters' choices cost a query; its rows are a lazy query read anew each time.
    filterset = ReviewFilterSet(request.GET, access=reviewer)
    show_team = filterset.has_several_teams or user.is_superuser

    def render(change: Change) -> str:
        current = access.review_access(user)  # access as it is now, not as it was when the page opened
        parts = [_token(user, current.live_scopes())]
        rows = list(shown_rows(filterset.qs.filter(pk__in=change.ids)))  # as the page reads its rows
        now = timezone.now()
        costs = {"costs": billing_now(rows, now=now)}
        table = [
            _rendered(
                "devservers/review.html#row",
                {"devserver": row, "costs": costs, "show_team": show_team, "oob": True},
                request,
            )
            for row in rows
        ]
        parts += _table_part(table + _gone("review-row-", set(change.ids) - {row.pk for row in rows}))
        if change.totals_may_change:
            totals = review_totals(filterset.qs, kept.status_tally_rows(filterset, reviewer))
            context = {"totals": totals, "oob": True}
            parts.append(_rendered("devservers/review.html#totals_line", context, request))
            # A request asked, decided or gone, and the month's spend, move the queue and the alerts.
            filters = valid_query(filterset)
            queue = {
                **queue_context(current, request.GET, filters=filters, now=now, book=PriceBook()),
                "oob": True,
            }
            for partial in ("alerts", "pending"):
                parts.append(_rendered(f"devservers/review.html#{partial}", queue, request))
        return "\n".join(parts)

    # Its filters were built with the access of the moment it opened: pages opened with other access differ.
    return _push_page(
        request, reviewer.live_scopes(), render, "review", reviewer.team_ids, reviewer.every_row
    )


def page_for(request: HttpRequest, kind: str, devserver_id: int | None) -> PushPage:
    if kind == "detail" and devserver_id is not None:
        return detail_page(request, devserver_id)
    if kind == "review":
        return review_page(request)
    return list_page(request)
