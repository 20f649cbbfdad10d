"""Prices of the flavor catalogue (`FlavorSpec`), in the currency of the account they are bought on.

`store_price_list` is the one way prices are written besides the admin's form: the CSV import
today, and later a fetch from Huawei's price inquiry API keyed by `sku_codes(account)` (see
docs/CLOUD_API.md, "Prices later").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from devservers import catalog
from devservers.costs.money import Money
from devservers.models import CloudAccount, FlavorSpec

PRE_PAID = "PRE_PAID"
HOURS_PER_30_DAYS = 720
# Billed hours of one prepaid period: a month is 30 days, as the estimate's "per 30 days" is.
PERIOD_HOURS = {"HOUR": 1, "DAY": 24, "WEEK": 168, "MONTH": HOURS_PER_30_DAYS, "YEAR": 365 * 24}
# The catalogue's price columns, as a price list names them.
PRICE_FIELDS = {"hourly": "hourly_price", "monthly": "monthly_price", "yearly": "yearly_price"}


@dataclass(frozen=True)
class FlavorPrices:
    flavor: str
    currency: str
    hourly: Decimal | None = None
    monthly: Decimal | None = None
    yearly: Decimal | None = None

    @property
    def per_hour(self) -> Money:
        return Money(self.hourly, self.currency)

    @property
    def per_month(self) -> Money:
        return Money(self.monthly, self.currency)

    @property
    def per_year(self) -> Money:
        return Money(self.yearly, self.currency)

    def per_period(self, period_type: str) -> Money:
        """One prepaid period's price; the catalogue knows months and years only."""
        return Money({"MONTH": self.monthly, "YEAR": self.yearly}.get(period_type), self.currency)

    def rate(self, *, charging_mode: str, period_type: str) -> Money:
        """One server's price per billed hour: pay-per-use its hourly price; prepaid its period's
        price spread over the period's hours."""
        if charging_mode != PRE_PAID:
            return self.per_hour
        price, hours = self.per_period(period_type), PERIOD_HOURS.get(period_type)
        if price.amount is None or not hours:
            return Money.unknown(self.currency)
        return Money(price.amount / hours, self.currency)


def _prices(name: str, spec: FlavorSpec | None, currency: str) -> FlavorPrices:
    if spec is None:
        return FlavorPrices(name, currency)
    return FlavorPrices(name, currency, spec.hourly_price, spec.monthly_price, spec.yearly_price)


def catalogue_prices(names: Iterable[str], currency: str) -> dict[str, FlavorPrices]:
    wanted = set(names)
    specs = {spec.name: spec for spec in FlavorSpec.objects.filter(name__in=wanted)}
    return {name: _prices(name, specs.get(name), currency) for name in wanted}


class PriceBook:
    """The whole catalogue's prices, read once when first asked: a page that prices several things
    (the review's totals, queue, rows and budgets) hands one book to each, so it reads the catalogue once."""

    def __init__(self) -> None:
        self._specs: dict[str, FlavorSpec] | None = None

    def prices(self, names: Iterable[str], currency: str) -> dict[str, FlavorPrices]:
        if self._specs is None:
            catalogue = FlavorSpec.objects.only("name", *PRICE_FIELDS.values())
            self._specs = {spec.name: spec for spec in catalogue}
        return {name: _prices(name, self._specs.get(name), currency) for name in set(names)}


def prices_of(account: CloudAccount, flavor_name: str) -> FlavorPrices:
    return catalogue_prices([flavor_name], account.currency)[flavor_name]


@dataclass(frozen=True)
class PriceListEntry:
    """A flavor's prices from a price list: only the columns the list has (PRICE_FIELDS' values); None: unknown."""

    flavor: str
    prices: dict[str, Decimal | None]


def store_price_list(entries: Iterable[PriceListEntry], *, source: str, now: datetime) -> int:
    """Write a price list into the catalogue in one transaction; flavors not in it yet get an entry."""
    stored = 0
    with transaction.atomic():
        for entry in entries:
            FlavorSpec.objects.update_or_create(
                name=entry.flavor,
                defaults={**entry.prices, "prices_source": source, "prices_updated_at": now},
            )
            stored += 1
    return stored


def sku_codes(account: CloudAccount) -> dict[tuple[str, str], str]:
    """The key a price inquiry asks by: each flavor's `sku_code` per charging mode, from the flavor rows."""
    codes = {}
    for flavor in catalog.flavors(account):
        for mode in {row.charging_mode for row in flavor.cloud.rows if row.charging_mode}:
            code = flavor.cloud.sku_code(mode)
            if code:
                codes[(flavor.name, mode)] = code
    return codes
