"""The totals above the review page's rows, counted over every filtered row, not just one page."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from devservers import selectors
from devservers.models import NOT_HOLDING_STATUSES, DevServer


@dataclass(frozen=True)
class ReviewTotals:
    total: int
    running: int
    changing: int
    awaiting: int
    accelerators_in_use: int
    rows_by_flavor: list[tuple[str, int]]


def review_totals(rows: QuerySet[DevServer]) -> ReviewTotals:
    unordered = rows.order_by()
    by_status = list(
        unordered.values_list("status").annotate(rows=Count("pk"), accelerators=Sum("accelerator_count"))
    )
    counts = selectors.totals_from_counts({status: count for status, count, _accelerators in by_status})
    # The same rows the policy's limits leave out hold no accelerator.
    accelerators = sum(
        accelerators or 0 for status, _rows, accelerators in by_status if status not in NOT_HOLDING_STATUSES
    )
    rows_by_flavor = list(
        unordered.values("flavor").annotate(rows=Count("pk")).order_by("flavor").values_list("flavor", "rows")
    )
    return ReviewTotals(
        total=counts["total"],
        running=counts["running"],
        changing=counts["changing"],
        awaiting=counts["awaiting"],
        accelerators_in_use=accelerators,
        rows_by_flavor=rows_by_flavor,
    )
