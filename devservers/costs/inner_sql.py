"""A queryset as the inner query of hand-written SQL: its text with named parameters, so the outer
query can name its own (`%(now)s`) beside them."""

import re

from django.db.models import QuerySet

_PARAMETER = re.compile(r"(?<!%)%s")


def named_inner(rows: QuerySet, fields: tuple[str, ...]) -> tuple[str, dict[str, object]]:
    """The SQL selecting `fields` of `rows` (unordered) and its parameters, named inner0, inner1…"""
    sql, params = rows.order_by().values_list(*fields).query.sql_with_params()
    numbers = iter(range(len(params)))
    sql = _PARAMETER.sub(lambda _match: f"%(inner{next(numbers)})s", sql)
    return sql, {f"inner{index}": value for index, value in enumerate(params)}
