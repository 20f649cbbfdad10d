"""The totals above the review page's rows, counted over every filtered row, not just one page."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

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
    counts = unordered.aggregate(
        **selectors.status_count_expressions(),
        # The same rows the policy's limits leave out hold no accelerator.
        accelerators=Sum("accelerator_count", filter=~Q(status__in=NOT_HOLDING_STATUSES)),
    )
    rows_by_flavor = list(
        unordered.values("flavor").annotate(rows=Count("pk")).order_by("flavor").values_list("flavor", "rows")
    )
    return ReviewTotals(
        total=counts["total"],
        running=counts["running"],
        changing=counts["changing"],
        awaiting=counts["awaiting"],
        accelerators_in_use=counts["accelerators"] or 0,
        rows_by_flavor=rows_by_flavor,
    )
