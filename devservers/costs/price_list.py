"""Reading a price list from CSV: a `flavor` column and any of `hourly`, `monthly`, `yearly`.

A column the list leaves out keeps the catalogue's prices; an empty cell makes that price unknown.
Every bad line is reported, and nothing is stored unless every line is good.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from devservers.costs.prices import PRICE_FIELDS, PriceListEntry


class PriceListError(ValueError):
    pass


def _amount(text: str, where: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise PriceListError(f"{where}: {text!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise PriceListError(f"{where}: a price is a number of 0 or more, not {text!r}")
    return amount


def read_price_list(lines: Iterable[str]) -> list[PriceListEntry]:
    reader = csv.DictReader(lines)
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    if "flavor" not in columns or not set(columns) & set(PRICE_FIELDS):
        raise PriceListError(f"the header must name 'flavor' and at least one of {', '.join(PRICE_FIELDS)}")
    reader.fieldnames = columns
    entries, problems, seen = [], [], set()
    for row in reader:
        where = f"line {reader.line_num}"
        flavor = (row.get("flavor") or "").strip()
        try:
            if not flavor:
                raise PriceListError(f"{where}: no flavor name")
            if flavor in seen:
                raise PriceListError(f"{where}: {flavor} is listed twice")
            prices = {
                field: _amount(row.get(column) or "", f"{where}, {column}")
                for column, field in PRICE_FIELDS.items()
                if column in columns
            }
        except PriceListError as problem:
            problems.append(str(problem))
            continue
        seen.add(flavor)
        entries.append(PriceListEntry(flavor, prices))
    if problems:
        raise PriceListError("; ".join(problems))
    return entries
