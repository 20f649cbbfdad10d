"""Import a price list from CSV into the flavor catalogue (see devservers/costs/price_list.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from devservers.costs.price_list import PriceListError, read_price_list
from devservers.costs.prices import store_price_list


class Command(BaseCommand):
    help = (
        "Import flavor prices from a CSV file with a 'flavor' column and any of 'hourly', 'monthly', "
        "'yearly' (in the accounts' currency); an empty cell makes that price unknown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; store nothing.")

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        try:
            with path.open(newline="", encoding="utf-8-sig") as price_file:
                entries = read_price_list(price_file)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        except PriceListError as error:
            raise CommandError(f"{path} was not imported: {error}") from None
        if dry_run:
            self.stdout.write(f"{path}: {len(entries)} flavors would be priced; nothing stored.")
            return
        stored = store_price_list(entries, source=f"CSV {path.name}"[:32], now=timezone.now())
        self.stdout.write(f"Priced {stored} flavors from {path}.")
