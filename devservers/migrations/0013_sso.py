import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("devservers", "0012_create_attempts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="sso_group",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="A user whose single sign-on groups claim names this group becomes a member at login; empty maps no group.",
                max_length=200,
                verbose_name="single sign-on group",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="granted_by_sso",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.CreateModel(
            name="SsoIdentity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("issuer", models.CharField(max_length=500)),
                ("subject", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sso_identity",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "single sign-on identity",
                "verbose_name_plural": "single sign-on identities",
                "constraints": [
                    models.UniqueConstraint(fields=("issuer", "subject"), name="one_user_per_sso_subject")
                ],
            },
        ),
    ]
