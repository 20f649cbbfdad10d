"""Prices and status histories for the cost-control tests: the catalogue's prices set outright (a
transactional test empties the tables the price migration filled) and events at chosen times."""

from __future__ import annotations

import datetime
from decimal import Decimal

from devservers.models import DevServer, DevServerEvent, FlavorSpec
from tests.fixtures.world import GPU_FLAVOR

CPU_FLAVOR = "Si2.large.4"
PRICES = {
    CPU_FLAVOR: ("0.45", "230.00", "2346.00"),
    GPU_FLAVOR: ("24.50", "12250.00", "124950.00"),
}


def set_prices(name: str, hourly: str | None, monthly: str | None = None, yearly: str | None = None) -> None:
    FlavorSpec.objects.update_or_create(
        name=name,
        defaults={
            "hourly_price": Decimal(hourly) if hourly else None,
            "monthly_price": Decimal(monthly) if monthly else None,
            "yearly_price": Decimal(yearly) if yearly else None,
        },
    )


def price_the_catalogue() -> None:
    for name, prices in PRICES.items():
        set_prices(name, *prices)


def with_history(
    devserver: DevServer, start: datetime.datetime, changes: list[tuple[float, str, str]]
) -> DevServer:
    """Status events `hours` after `start`: (hours, from, to); the row is made at `start`."""
    DevServer.objects.filter(pk=devserver.pk).update(created_at=start)
    for hours, status_from, status_to in changes:
        DevServerEvent.objects.create(
            devserver=devserver,
            kind=DevServerEvent.Kind.STATUS,
            status_from=status_from,
            status_to=status_to,
            created_at=start + datetime.timedelta(hours=hours),
        )
    devserver.refresh_from_db()
    return devserver
