"""Rows (and the accelerators they hold) per team, owner, status and flavor, kept on write so a page's totals cost the same at any size.

PostgreSQL keeps it: triggers on the DevServer table (migration `0016_status_tallies`) add each
statement's change as signed rows (+1 for a row that entered a key, -1 for one that left it), so
every write counts, whichever way it happens (services, the Django admin, `QuerySet.update`, raw
SQL), and concurrent writers never wait on one another. `devservers.tallies.compact` folds the rows
into one per key now and then. A total is the sum of a key's rows. Other databases (the demo's
SQLite) have no triggers and count the DevServer rows instead.
"""

from django.conf import settings
from django.db import models

from devservers.models.teams import Team


class StatusTally(models.Model):
    # No database constraint: a deleted team or user leaves its rows to sum to 0 until compacted.
    team = models.ForeignKey(
        Team, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(max_length=32)
    flavor = models.CharField(max_length=128, default="")
    rows = models.IntegerField()
    accelerators = models.IntegerField(default=0)  # the rows' accelerator_count, summed

    class Meta:
        # Made by its migration, and left out of Django's flush: the DevServer table's TRUNCATE trigger
        # empties it, so a flush never locks it before a writer that holds it (tests' worker threads).
        managed = False
        indexes = [
            models.Index(fields=["team", "status"], name="statustally_team_status"),
            models.Index(fields=["owner", "status"], name="statustally_owner_status"),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id}, owner {self.owner_id}, {self.status}, {self.flavor}: {self.rows:+d}"
