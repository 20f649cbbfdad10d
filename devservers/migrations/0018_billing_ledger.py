"""The billing ledger: billed stretches and their signed clocks, kept by PostgreSQL triggers on the
DevServer and DevServerEvent tables (see `models/ledger.py`; the SQL is `costs/ledger_sql.py`'s, so
the statuses that bill have one source). The ledger starts from the rows the tables already hold.
Other databases get the tables only, and price the rows instead.
"""

from django.conf import settings
from django.db import migrations, models

from devservers.costs import ledger_sql


def _key_fields() -> list[tuple[str, models.Field]]:
    def key(to: str) -> models.ForeignKey:
        return models.ForeignKey(
            db_constraint=False,
            db_index=False,
            null=True,
            on_delete=models.deletion.DO_NOTHING,
            related_name="+",
            to=to,
        )

    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("flavor", models.CharField(max_length=128)),
        ("charging_mode", models.CharField(max_length=16)),
        ("period_type", models.CharField(max_length=16)),
        ("status", models.CharField(max_length=32)),
        ("account", key("devservers.cloudaccount")),
        ("owner", key(settings.AUTH_USER_MODEL)),
        ("team", key("devservers.team")),
    ]


def _create_with_indexes(schema_editor, model) -> None:  # noqa: ANN001
    # create_model leaves out an unmanaged model's indexes.
    schema_editor.create_model(model)
    _add_indexes(schema_editor, model)


def _add_indexes(schema_editor, model) -> None:  # noqa: ANN001
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)


def _create(apps, schema_editor) -> None:  # noqa: ANN001
    # The models are unmanaged (Django's flush leaves them to the TRUNCATE triggers), so their tables are made here.
    _create_with_indexes(schema_editor, apps.get_model("devservers", "BilledStretch"))
    _create_with_indexes(schema_editor, apps.get_model("devservers", "BillingTally"))
    # The indexes 0016_status_tallies meant the status tally to have, left out for the same reason.
    _add_indexes(schema_editor, apps.get_model("devservers", "StatusTally"))
    if schema_editor.connection.vendor == "postgresql":
        ledger_sql.install(schema_editor)


def _drop(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        ledger_sql.uninstall(schema_editor)
    status_tally = apps.get_model("devservers", "StatusTally")
    for index in status_tally._meta.indexes:
        schema_editor.remove_index(status_tally, index)
    schema_editor.delete_model(apps.get_model("devservers", "BillingTally"))
    schema_editor.delete_model(apps.get_model("devservers", "BilledStretch"))


class Migration(migrations.Migration):
    dependencies = [
        ("devservers", "0017_review_schedule_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BilledStretch",
            fields=[
                *_key_fields(),
                ("devserver_id", models.BigIntegerField()),
                ("starts", models.DateTimeField()),
                ("ends", models.DateTimeField(null=True)),
            ],
            options={
                "managed": False,
                "indexes": [models.Index(fields=["devserver_id"], name="billedstretch_devserver")],
            },
        ),
        migrations.CreateModel(
            name="BillingTally",
            fields=[
                *_key_fields(),
                ("first_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
                ("clocks", models.IntegerField()),
                ("epoch_sum", models.DecimalField(decimal_places=6, max_digits=30)),
            ],
            options={
                "managed": False,
                "indexes": [models.Index(fields=["team", "owner"], name="billingtally_team_owner")],
            },
        ),
        migrations.RunPython(_create, _drop),
    ]
