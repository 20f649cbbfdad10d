"""Indexes that serve every page's default and whitelisted order and the review totals (issue 9)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("devservers", "0005_cost_control"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["-created_at", "-id"], name="devserver_created_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["team", "-created_at", "-id"], name="devserver_team_created_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["team", "-id"], name="devserver_team_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["owner", "-id"], name="devserver_owner_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(
                fields=["team", "status", "-id"],
                include=["accelerator_count", "flavor"],
                name="devserver_team_status_id",
            ),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["team", "flavor", "-id"], name="devserver_team_flavor_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["team", "name", "-id"], name="devserver_team_name_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["status", "-id"], name="devserver_status_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["flavor", "-id"], name="devserver_flavor_id"),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(fields=["name", "-id"], name="devserver_name_id"),
        ),
    ]
