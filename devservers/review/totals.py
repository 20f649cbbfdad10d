"""The totals above the review page's rows, counted over every filtered row, not just one page."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from devservers import selectors
from devservers.models import NOT_HOLDING_STATUSES, DevServer, StatusTally


@dataclass(frozen=True)
class ReviewTotals:
    total: int
    running: int
    changing: int
    awaiting: int
    accelerators_in_use: int
    rows_by_flavor: list[tuple[str, int]]


def _row_groups(rows: QuerySet[DevServer]) -> QuerySet:
    # One GROUP BY for both tallies, read from the (team, status) index, which includes flavor and
    # accelerators; ordered by flavor so the rows per flavor keep the database's order.
    return (
        rows.order_by()
        .values_list("flavor", "status")
        .annotate(rows=Count("pk"), accelerators=Sum("accelerator_count"))
        .order_by("flavor", "status")
    )


def _tally_groups(kept: QuerySet[StatusTally]) -> QuerySet:
    return (
        kept.order_by()
        .values_list("flavor", "status")
        .annotate(rows=Sum("rows"), accelerators=Sum("accelerators"))
        .order_by("flavor", "status")
    )


def review_totals(rows: QuerySet[DevServer], kept: QuerySet[StatusTally] | None = None) -> ReviewTotals:
    """The totals of `rows`; read from `kept`, the status tally's rows for the same servers, if given."""
    groups = _tally_groups(kept) if kept is not None else _row_groups(rows)
    by_status: dict[str, int] = defaultdict(int)
    by_flavor: dict[str, int] = defaultdict(int)
    accelerators = 0
    for flavor, status, count, accelerator_sum in groups:
        if not count:
            continue  # a key the tally's changes took back to nothing
        by_status[status] += count
        by_flavor[flavor] += count
        # The same rows the policy's limits leave out hold no accelerator.
        if status not in NOT_HOLDING_STATUSES:
            accelerators += accelerator_sum or 0
    counts = selectors.totals_from_counts(by_status)
    return ReviewTotals(
        total=counts["total"],
        running=counts["running"],
        changing=counts["changing"],
        awaiting=counts["awaiting"],
        accelerators_in_use=accelerators,
        rows_by_flavor=list(by_flavor.items()),
    )
