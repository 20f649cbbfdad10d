"""Billed time kept on write, so a month's spend costs the same at any number of rows.

A server bills over stretches of time (`costs.spend`: pay-per-use while the cloud holds it and it
is not stopped, prepaid for its period). PostgreSQL keeps them: triggers on the DevServer and
DevServerEvent tables (migration `0018_billing_ledger`, SQL in `costs/ledger_sql.py`) work out again
the stretches of every row a statement touched, keep them in `BilledStretch`, and write the
difference into `BillingTally` as signed clocks: +1 where a stretch starts, -1 where it ends. Billed
seconds between a month's start S and now are then, per key, the clocks started before S times
(now - S) plus, for those started since, their count times now minus the sum of their instants;
what bills now is the count of clocks started by now. `costs.ledger` reads it and folds it.

Like the spend, the ledger follows the status events: every service writes one with each status
(`history.set_status`, the lifecycle claims); a status changed without its event (raw SQL, the Django
admin's form) bills as the events say until its event is written.
"""

from django.conf import settings
from django.db import models

from devservers.models.accounts import CloudAccount
from devservers.models.teams import Team


def _key(model: type[models.Model]) -> models.ForeignKey:
    # No database constraint: a deleted team, user or account leaves rows that the triggers cancel.
    return models.ForeignKey(
        model, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class BillingKey(models.Model):
    """What a row's price and the pages' groups depend on; the ledger's rows are kept per key."""

    team = _key(Team)
    owner = _key(settings.AUTH_USER_MODEL)
    account = _key(CloudAccount)
    flavor = models.CharField(max_length=128)
    charging_mode = models.CharField(max_length=16)
    period_type = models.CharField(max_length=16)
    status = models.CharField(max_length=32)  # the row's present status

    class Meta:
        abstract = True


class BilledStretch(BillingKey):
    """One billed stretch of a row as its status events tell it today; `ends` None while it bills."""

    devserver_id = models.BigIntegerField()
    starts = models.DateTimeField()
    ends = models.DateTimeField(null=True)

    class Meta:
        # Made by its migration and left out of Django's flush, as `StatusTally` is (the DevServer
        # table's TRUNCATE trigger empties it).
        managed = False
        indexes = [models.Index(fields=["devserver_id"], name="billedstretch_devserver")]

    def __str__(self) -> str:
        return f"devserver {self.devserver_id}: {self.starts} to {self.ends or 'now'}"


class BillingTally(BillingKey):
    """Clocks started (+) and stopped (-) between `first_at` and `last_at`, with the sum of their
    instants in seconds since the epoch; a fold never spans the start of the site's month."""

    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    clocks = models.IntegerField()
    epoch_sum = models.DecimalField(max_digits=30, decimal_places=6)

    class Meta:
        managed = False
        indexes = [models.Index(fields=["team", "owner"], name="billingtally_team_owner")]

    def __str__(self) -> str:
        return (
            f"team {self.team_id}, owner {self.owner_id}, {self.flavor}: {self.clocks:+d} to {self.last_at}"
        )
