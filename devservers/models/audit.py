"""The audit trail: who did what, when, with what outcome; rows are only ever added."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from devservers.models.servers import DevServer
from devservers.models.teams import Team


class AuditEntry(models.Model):
    """Who did what, when, with what outcome. Rows are only ever added."""

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    devserver = models.ForeignKey(
        DevServer, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, db_index=True)
    outcome = models.CharField(max_length=32, blank=True)
    detail = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    # Who acted when no user did ("schedule"); no actor and no label: the worker.
    actor_label = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def actor_name(self) -> str:
        return self.actor.get_username() if self.actor else self.actor_label or "system"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.outcome}"
