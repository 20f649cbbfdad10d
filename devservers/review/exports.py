"""The review page's CSV export: every filtered row, streamed, with no cell a spreadsheet would run."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from devservers.models import DevServer

CSV_HEADER = (
    "name", "status", "owner", "team", "flavor", "accelerators", "image", "billing",
    "availability zone", "private IP", "cloud id", "created at",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def devserver_cells(devserver: DevServer) -> list[object]:
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
    )
    return [csv_safe(cell) for cell in cells]


def csv_rows(rows: QuerySet[DevServer]) -> Iterator[list[object]]:
    yield list(CSV_HEADER)
    for devserver in rows.iterator(chunk_size=500):
        yield devserver_cells(devserver)


class _Echo:
    """A file-like object whose write hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def devservers_csv_response(rows: QuerySet[DevServer]) -> StreamingHttpResponse:
    filename = f"devservers-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _csv_lines(csv_rows(rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
