from django.db import migrations, models
from django.db.models import F


def mark_earlier_posts_unresolved(apps, schema_editor) -> None:
    """A row that POSTed before this field existed and holds no id yet may have bought its server:
    it looks it up before posting again, as every row did before."""
    DevServer = apps.get_model("devservers", "DevServer")
    DevServer.objects.filter(cloud_id="", submit_attempts__gt=0).update(create_posted_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("devservers", "0011_delete_when_stopped")]

    operations = [
        migrations.AddField(
            model_name="devserver",
            name="create_posted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_earlier_posts_unresolved, migrations.RunPython.noop),
    ]
