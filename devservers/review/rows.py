"""The columns the review page reads of its rows: what a row of the table and a request of the queue
show, price and decide by. A page loads these only, not the request's whole record with its owner's
and its account's (the cloud's last answer, user data, credentials), which cost more to build than
to read."""

from django.db.models import QuerySet

from devservers.instances import progress
from devservers.models import DevServer

# The price of a row and its billed time (`costs.spend`), in its account's currency.
_PRICED_BY = (
    "account__currency",
    "flavor",
    "charging_mode",
    "period_type",
    "period_num",
    "status",
    "created_at",
)
# A row of the table: its cells, its status badge and progress note (`status_badge`).
SHOWN_FIELDS = (
    *_PRICED_BY,
    "owner_name",
    "team__name",
    "name",
    "accelerator_count",
    "flagged_slow_at",
    "schedule_error",
    "is_imported",
    "next_attempt_at",
    "delete_when_stopped",
)
# A request in the approval queue: its cells, its estimate, and its requester's servers that bill.
QUEUED_FIELDS = (
    *_PRICED_BY,
    "owner_id",
    "owner_name",
    "team__name",
    "name",
    "accelerator_count",
    "approval_reasons",
)


def shown_rows(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    """The table's rows, with when each entered its status (its progress note) in the same query."""
    return progress.with_status_since(
        rows.select_related(None).select_related("team", "account").only(*SHOWN_FIELDS)
    )


def queued_rows(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    return rows.select_related(None).select_related("team", "account").only(*QUEUED_FIELDS)
