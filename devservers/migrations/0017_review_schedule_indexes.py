from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("devservers", "0016_status_tallies")]

    operations = [
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(
                condition=models.Q(lifetime_days__isnull=False), fields=["team", "status"], name="devserver_lifetime"
            ),
        ),
        migrations.AddIndex(
            model_name="devserver",
            index=models.Index(
                condition=~models.Q(schedule_error=""), fields=["team", "status"], name="devserver_schedule_error"
            ),
        ),
    ]
