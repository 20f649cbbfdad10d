"""Check the status tally against a count of the rows, and count it again if asked (see devservers/tallies.py)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devservers import tallies


class Command(BaseCommand):
    help = (
        "Compare the status tally (the Instances page's totals, kept by PostgreSQL triggers) with a count "
        "of the rows; --rebuild counts it again from the rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Count the tally again from the rows.")

    def handle(self, *args, rebuild: bool, **options) -> None:
        if not tallies.kept_on_write():
            self.stdout.write("This database counts the rows on every page; there is no tally to check.")
            return
        if rebuild:
            tallies.rebuild()
        differing = tallies.drift()
        if differing:
            raise CommandError(f"The tally differs from the rows for {differing} keys; run with --rebuild.")
        self.stdout.write("The tally matches the rows.")
