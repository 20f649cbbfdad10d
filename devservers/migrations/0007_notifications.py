import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("devservers", "0006_scale_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "approval_waiting",
                    models.BooleanField(default=True, verbose_name="A request of my team awaits my approval"),
                ),
                ("approved", models.BooleanField(default=True, verbose_name="My request was approved")),
                ("declined", models.BooleanField(default=True, verbose_name="My request was declined")),
                ("running", models.BooleanField(default=True, verbose_name="My server is running")),
                ("failed", models.BooleanField(default=True, verbose_name="My server failed or was refused")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_settings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name_plural": "notification settings"},
        ),
    ]
