"""Check the billing ledger against the rows' status events, and work it out again if asked (see
devservers/costs/ledger.py)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devservers import tallies
from devservers.costs import ledger


class Command(BaseCommand):
    help = (
        "Compare the billing ledger (the month's spend, kept by PostgreSQL triggers) with the stretches "
        "the rows' status events give; --rebuild works it out again from the rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Work the ledger out again from the rows.")

    def handle(self, *args, rebuild: bool, **options) -> None:
        if not tallies.kept_on_write():
            self.stdout.write("This database prices the rows on every page; there is no ledger to check.")
            return
        if rebuild:
            ledger.rebuild()
        drift = ledger.drift()
        if drift:
            raise CommandError(
                f"The ledger differs from the rows: for {drift.rows} servers and {drift.keys} keys; "
                "run with --rebuild."
            )
        self.stdout.write("The ledger matches the rows.")
