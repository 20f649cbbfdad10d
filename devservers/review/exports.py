"""The review page's CSV export: every filtered row, streamed, with no cell a spreadsheet would run."""

import csv
import itertools
from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from devservers.costs.money import UNKNOWN_PRICE, Money
from devservers.costs.months import month_bounds
from devservers.costs.spend import RowCost, row_costs
from devservers.models import DevServer

CSV_HEADER = (
    "name", "status", "owner", "team", "flavor", "accelerators", "image", "billing",
    "availability zone", "private IP", "cloud id", "created at",
    "cost per hour", "spend this month", "currency",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows fetched from the cursor and priced together (three queries per chunk).
CSV_CHUNK_ROWS = 2000


def csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _amount(money: Money) -> str:
    """A plain number a spreadsheet sums (no thousands separator); never 0 for a price nobody knows."""
    return UNKNOWN_PRICE if money.amount is None else f"{money.amount:.2f}"


def devserver_cells(devserver: DevServer, cost: RowCost) -> list[object]:
    cells = (
        devserver.name,
        devserver.status,
        devserver.owner.get_username() if devserver.owner else "",
        devserver.team.name if devserver.team else "",
        devserver.flavor,
        devserver.accelerator_count,
        devserver.image_name or devserver.image_id,
        devserver.charging_mode,
        devserver.availability_zone,
        devserver.private_ip,
        devserver.cloud_id,
        devserver.created_at.isoformat(),
        _amount(cost.rate_now),
        _amount(cost.spent),
        cost.rate.currency,
    )
    return [csv_safe(cell) for cell in cells]


def csv_rows(rows: QuerySet[DevServer], *, now: datetime) -> Iterator[list[object]]:
    """Read through a server-side cursor, priced a chunk at a time: memory stays the same at any size."""
    yield list(CSV_HEADER)
    month_start, _end = month_bounds(now)
    rows = rows.select_related("account", "owner", "team").iterator(chunk_size=CSV_CHUNK_ROWS)
    while chunk := list(itertools.islice(rows, CSV_CHUNK_ROWS)):
        costs = row_costs(chunk, since=month_start, now=now)
        for devserver in chunk:
            yield devserver_cells(devserver, costs[devserver.pk])


class _Echo:
    """A file-like object whose write hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def devservers_csv_response(rows: QuerySet[DevServer], *, now: datetime) -> StreamingHttpResponse:
    """The rows and each one's price per hour now and spend this month, as `costs.selectors.cost_totals` counts them."""
    filename = f"devservers-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _csv_lines(csv_rows(rows, now=now)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
