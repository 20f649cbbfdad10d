"""The status tally also keeps each key's flavor and the accelerators its rows hold, so the review
page's totals (rows by status and by flavor, accelerators in use) come from it too.

The model is unmanaged, so AddField changes only the migration state; the columns are added here,
the trigger functions replaced to count by (team, owner, status, flavor), and the tally counted again
from the rows (writers wait for the moment it takes).
"""

from django.db import migrations, models

_SERVERS = "devservers_devserver"
_TALLY = "devservers_statustally"
_KEY = "team_id, owner_id, status, flavor"

_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION devserver_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} ({_KEY}, rows, accelerators)
    SELECT {_KEY}, COUNT(*), SUM(accelerator_count) FROM new_rows GROUP BY {_KEY};
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} ({_KEY}, rows, accelerators)
    SELECT {_KEY}, SUM(change), SUM(accelerators) FROM (
        SELECT {_KEY}, -1 AS change, -accelerator_count AS accelerators FROM old_rows
        UNION ALL
        SELECT {_KEY}, 1, accelerator_count FROM new_rows
    ) AS moved
    GROUP BY {_KEY} HAVING SUM(change) <> 0 OR SUM(accelerators) <> 0;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} ({_KEY}, rows, accelerators)
    SELECT {_KEY}, -COUNT(*), -SUM(accelerator_count) FROM old_rows GROUP BY {_KEY};
    RETURN NULL;
END $$;
"""
_RECOUNT = f"""
LOCK TABLE {_SERVERS} IN SHARE MODE;
DELETE FROM {_TALLY};
INSERT INTO {_TALLY} ({_KEY}, rows, accelerators)
SELECT {_KEY}, COUNT(*), SUM(accelerator_count) FROM {_SERVERS} GROUP BY {_KEY};
"""


def _add_columns(apps, schema_editor) -> None:  # noqa: ANN001
    tally = apps.get_model("devservers", "StatusTally")
    for name in ("flavor", "accelerators"):
        field = tally._meta.get_field(name)
        schema_editor.add_field(tally, field)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_FUNCTIONS)
        schema_editor.execute(_RECOUNT)


class Migration(migrations.Migration):
    dependencies = [("devservers", "0018_billing_ledger")]

    operations = [
        migrations.AddField(
            model_name="statustally", name="flavor", field=models.CharField(default="", max_length=128)
        ),
        migrations.AddField(model_name="statustally", name="accelerators", field=models.IntegerField(default=0)),
        # Going back leaves the columns and the finer rows: 0016's readers sum over them all the same.
        migrations.RunPython(_add_columns, migrations.RunPython.noop),
    ]
