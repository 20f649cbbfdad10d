"""Pages of the review's rows, its queue and the audit trail: a page number that is not one gives the
first page, one past the end the last; a count the page already has is not asked for again."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict


class _CountedPaginator(Paginator):
    """A Paginator told how many rows there are: the totals counted them already."""

    def __init__(self, rows: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(rows, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def filtered_address(path: str, filters: QueryDict, **pages: int | str | None) -> str:
    """`path` with these (valid) filters and page numbers (`page=`, `pending_page=`): what the address
    bar shows and where a form leads back to. A first page is left out, and so is a number that is not one."""
    query = filters.copy()
    for name, number in pages.items():
        if str(number or "").isdigit() and 1 < int(number) < 10**9:
            query[name] = str(int(number))
    return f"{path}?{query.urlencode()}" if query else path


def page_of(rows: QuerySet, requested: str | None, *, per_page: int, count: int | None = None) -> Page:
    """A page of rows; a page number that is not one gives the first page, one past the end the last."""
    paginator = Paginator(rows, per_page) if count is None else _CountedPaginator(rows, per_page, count=count)
    return paginator.get_page(requested)
