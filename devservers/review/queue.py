"""The review page's approval queue and alerts: the requests awaiting a decision, a page at a time,
with what each will cost and what its requester already runs; the budgets this month's spend has
reached; the lifetimes ending and the schedules that failed. The whole page, the live poll and a
pushed change that may move them show these; a filter, a sort or a page of rows does not change them."""

from datetime import datetime

from django.http import QueryDict
from django.urls import reverse

from devservers import selectors
from devservers.costs.budgets import budget_alerts
from devservers.costs.prices import PriceBook
from devservers.costs.selectors import pending_costs
from devservers.review import kept
from devservers.review.access import ReviewAccess
from devservers.review.paging import filtered_address, page_of
from devservers.review.rows import queued_rows
from devservers.schedules.selectors import schedule_alerts

PENDING_PAGE_SIZE = 20


def queue_context(
    reviewer: ReviewAccess, query: QueryDict, *, filters: QueryDict, now: datetime, book: PriceBook
) -> dict:
    """What the page's `alerts` and `pending` partials show; `query`, the page's own (its pages),
    `filters`, those of its filters that are valid (its decide forms lead back to the same view)."""
    pending = page_of(
        queued_rows(selectors.pending_approvals_in(reviewer.team_ids)),
        query.get("pending_page"),
        per_page=PENDING_PAGE_SIZE,
        count=kept.awaiting_approval(reviewer),
    )
    schedules = schedule_alerts(reviewer.scope(), now=now)
    return {
        "with_queue": True,
        "pending": pending,
        "pending_costs": pending_costs(pending.object_list, now=now, book=book),
        "query": filters,  # its pager's links keep them
        "back_url": filtered_address(
            reverse("devservers:review"), filters, page=query.get("page"), pending_page=pending.number
        ),
        # No email or notification system yet: the team's admins are told here.
        "budget_alerts": budget_alerts(reviewer.teams(), now=now, book=book),
        "lifetime_ending": schedules.lifetime_ending,
        "failed_schedules": schedules.failed,
        "now": now,
    }
