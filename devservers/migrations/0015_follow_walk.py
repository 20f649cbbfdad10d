from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("devservers", "0013_sso")]

    operations = [
        migrations.AddField(
            model_name="cloudaccount",
            name="walk_pages",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="cloudaccount",
            name="beats_to_walk",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
