"""The review page's sort: django-filter's whitelist of sort keys, the columns each orders by, and the
column headers that switch between them."""

from collections.abc import Sequence
from dataclasses import dataclass

import django_filters
from django.db.models import F, OrderBy, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from devservers.models import DevServer

# The sort keys the review page accepts and the columns each orders by; "-key" reverses the key.
SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "status": ("status",),
    "owner": ("owner_name",),
    "flavor": ("flavor",),
    "age": ("-created_at",),  # ascending age: the youngest first
}
SORT_LABELS = {"name": _("Name"), "status": _("Status"), "owner": _("Owner"), "flavor": _("Flavor"), "age": _("Age")}
DEFAULT_SORT = "age"


# Only these columns can be empty. The others sort with plain ASC/DESC: "DESC NULLS LAST" on a column
# with no NULL means the same rows but is an order no plain index serves.
NULLABLE_COLUMNS = frozenset({"owner_name"})


def _order_by(column: str, *, reverse: bool) -> OrderBy:
    name = column.removeprefix("-")
    expression = F(name)
    nulls_last = True if name in NULLABLE_COLUMNS else None
    if column.startswith("-") != reverse:
        return expression.desc(nulls_last=nulls_last)
    return expression.asc(nulls_last=nulls_last)


def sort_ordering(keys: Sequence[str]) -> list[OrderBy]:
    """The ORDER BY of whitelisted sort keys; rows without a value come last either way."""
    ordering = [
        _order_by(column, reverse=key.startswith("-"))
        for key in keys
        for column in SORT_COLUMNS[key.removeprefix("-")]
    ]
    # The id breaks ties, so a row never shows on two pages; it turns with the first key, so the
    # reverse sort shows the rows in the reverse order.
    ordering.append(_order_by("-id", reverse=keys[0].startswith("-")))
    return ordering


def sorted_by_default(rows: QuerySet[DevServer]) -> QuerySet[DevServer]:
    """The rows in the order the page shows when no valid sort key was asked for."""
    return rows.order_by(*sort_ordering([DEFAULT_SORT]))


class SortFilter(django_filters.OrderingFilter):
    """Accepts only the keys of SORT_COLUMNS (and their reverse); an empty value keeps the default order."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(fields=tuple(SORT_COLUMNS), field_labels=SORT_LABELS, **kwargs)

    def filter(self, qs: QuerySet[DevServer], value: list[str]) -> QuerySet[DevServer]:
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*sort_ordering(value))


@dataclass(frozen=True)
class SortHeader:
    key: str
    label: str
    direction: str  # "ascending", "descending", or "" when the rows are not sorted by it
    next_sort: str


def sort_headers(current_sort: str) -> list[SortHeader]:
    """Each sortable column with the sort a click asks for: its own key, or the reverse when already sorted by it."""
    first_key = current_sort.split(",")[0]
    headers = []
    for key, label in SORT_LABELS.items():
        direction = {key: "ascending", f"-{key}": "descending"}.get(first_key, "")
        headers.append(
            SortHeader(
                key=key,
                label=label,
                direction=direction,
                next_sort=key if direction != "ascending" else f"-{key}",
            )
        )
    return headers
