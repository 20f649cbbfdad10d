"""The review page at scale (issue 9): the owner filter and the cost figures read one covering index per
team, the rows' status histories one per row, and the name search ("contains", any case) a trigram
index on PostgreSQL."""

from django.db import migrations, models

# `name__icontains` is `UPPER(name) LIKE UPPER('%…%')` on PostgreSQL: a trigram index on that expression
# serves it. Other databases (the demo's SQLite) have no pg_trgm and get nothing.
_TRIGRAM_INDEX = "devserver_name_upper_trgm"


def add_trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {_TRIGRAM_INDEX} ON devservers_devserver USING gin (UPPER(name) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {_TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("devservers", "0009_budget_notices")]

    operations = [
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(
                fields=["team", "owner", "-id"],
                include=[
                    "status",
                    "flavor",
                    "charging_mode",
                    "period_type",
                    "period_num",
                    "created_at",
                    "account",
                ],
                name="devserver_team_owner_cost",
            ),
        ),
        migrations.AddIndex(
            model_name="devserverevent",
            index=models.Index(
                fields=["devserver", "created_at", "id"],
                include=["status_from", "status_to"],
                name="devserverevent_timeline",
            ),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
