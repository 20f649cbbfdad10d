"""Status tallies kept by PostgreSQL triggers on the DevServer table (see `models/tallies.py`).

Each trigger runs once per statement over its transition tables, so a `QuerySet.update` of many rows
adds one row per key it moved, and a statement that moves nothing adds nothing. The tally starts
from the rows the table already holds. Other databases get the table only.
"""

from django.conf import settings
from django.db import migrations, models

_SERVERS = "devservers_devserver"
_TALLY = "devservers_statustally"

_FUNCTIONS = f"""
CREATE FUNCTION devserver_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} (team_id, owner_id, status, rows)
    SELECT team_id, owner_id, status, COUNT(*) FROM new_rows GROUP BY team_id, owner_id, status;
    RETURN NULL;
END $$;

CREATE FUNCTION devserver_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} (team_id, owner_id, status, rows)
    SELECT team_id, owner_id, status, SUM(change) FROM (
        SELECT team_id, owner_id, status, -1 AS change FROM old_rows
        UNION ALL
        SELECT team_id, owner_id, status, 1 FROM new_rows
    ) AS moved
    GROUP BY team_id, owner_id, status HAVING SUM(change) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION devserver_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {_TALLY} (team_id, owner_id, status, rows)
    SELECT team_id, owner_id, status, -COUNT(*) FROM old_rows GROUP BY team_id, owner_id, status;
    RETURN NULL;
END $$;

CREATE FUNCTION devserver_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {_TALLY};
    RETURN NULL;
END $$;

CREATE TRIGGER devserver_tally_insert AFTER INSERT ON {_SERVERS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_tally_inserted();
CREATE TRIGGER devserver_tally_update AFTER UPDATE ON {_SERVERS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_tally_updated();
CREATE TRIGGER devserver_tally_delete AFTER DELETE ON {_SERVERS}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_tally_deleted();
CREATE TRIGGER devserver_tally_truncate AFTER TRUNCATE ON {_SERVERS}
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_tally_truncated();

INSERT INTO {_TALLY} (team_id, owner_id, status, rows)
SELECT team_id, owner_id, status, COUNT(*) FROM {_SERVERS} GROUP BY team_id, owner_id, status;
"""

_DROP = f"""
DROP TRIGGER IF EXISTS devserver_tally_insert ON {_SERVERS};
DROP TRIGGER IF EXISTS devserver_tally_update ON {_SERVERS};
DROP TRIGGER IF EXISTS devserver_tally_delete ON {_SERVERS};
DROP TRIGGER IF EXISTS devserver_tally_truncate ON {_SERVERS};
DROP FUNCTION IF EXISTS devserver_tally_inserted();
DROP FUNCTION IF EXISTS devserver_tally_updated();
DROP FUNCTION IF EXISTS devserver_tally_deleted();
DROP FUNCTION IF EXISTS devserver_tally_truncated();
"""


def _create(apps, schema_editor) -> None:  # noqa: ANN001
    # The model is unmanaged (Django's flush leaves it to the TRUNCATE trigger), so its table is made here.
    schema_editor.create_model(apps.get_model("devservers", "StatusTally"))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_FUNCTIONS)


def _drop(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_DROP)
    schema_editor.delete_model(apps.get_model("devservers", "StatusTally"))


class Migration(migrations.Migration):
    dependencies = [
        ("devservers", "0015_follow_walk"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(max_length=32)),
                ("rows", models.IntegerField()),
                (
                    "owner",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="devservers.team",
                    ),
                ),
            ],
            options={
                "managed": False,
                "indexes": [
                    models.Index(fields=["team", "status"], name="statustally_team_status"),
                    models.Index(fields=["owner", "status"], name="statustally_owner_status"),
                ],
            },
        ),
        migrations.RunPython(_create, _drop),
    ]
