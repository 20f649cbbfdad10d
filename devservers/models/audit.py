"""The audit trail: who did what, when, with what outcome; rows are only ever added."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devservers.models.servers import DevServer
from devservers.models.statuses import status_label
from devservers.models.teams import Team

# The audit trail's actions as people read them; the one source for pages and filters (the CSV and
# the API keep the codes). An action not named here reads as its code, spaced and capitalised.
AUDIT_ACTION_LABELS = {
    "request": _("Requested"),
    "approve": _("Approved"),
    "decline": _("Declined"),
    "create": _("Create call"),
    "import": _("Imported"),
    "assign_owner": _("Owner assigned"),
    "schedule": _("Schedule set"),
    "extend_lifetime": _("Lifetime extended"),
    "lifetime_warning": _("Lifetime warning"),
    "membership": _("Membership change"),
    "token_create": _("API token created"),
    "token_revoke": _("API token revoked"),
    "admin_add": _("Admin add"),
    "admin_change": _("Admin change"),
    "admin_delete": _("Admin delete"),
    "admin_unlock": _("Admin unlock"),
}
# A lifecycle action is audited twice: when asked for ("requested"), then with the cloud's answer.
# The filter offers one choice for both: (filter, asked, the cloud's answer).
LIFECYCLE_ACTION_LABELS = {
    "start": (_("Start"), _("Start asked"), _("Start call")),
    "stop": (_("Stop"), _("Stop asked"), _("Stop call")),
    "reboot": (_("Reboot"), _("Reboot asked"), _("Reboot call")),
    "delete": (_("Delete"), _("Delete asked"), _("Delete call")),
}
ASKED_OUTCOME = "requested"


def audit_action_label(action: str, outcome: str = "") -> str:
    """An entry's action as people read it ("Approved", "Stop asked"), given the entry's outcome."""
    if action in LIFECYCLE_ACTION_LABELS:
        _filter, asked, call = LIFECYCLE_ACTION_LABELS[action]
        return str(asked if outcome == ASKED_OUTCOME else call)
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label else action.replace("_", " ").capitalize()


def audit_action_filter_label(action: str) -> str:
    """An action as the filter offers it: one choice covers both of a lifecycle action's entries."""
    if action in LIFECYCLE_ACTION_LABELS:
        return str(LIFECYCLE_ACTION_LABELS[action][0])
    return audit_action_label(action)


# Outcomes written as words, so each reads in the page's language (the CSV and the API keep the codes).
AUDIT_OUTCOME_LABELS = {
    "ok": _("ok"),
    "approved": _("approved"),
    "created": _("created"),
    "declined": _("declined"),
    "extended": _("extended"),
    "requested": _("requested"),
    "revoked": _("revoked"),
    "set": _("set"),
    "queued": _("queued"),
    "permanent": _("permanent"),
    "transient": _("transient"),
}


def audit_outcome_label(outcome: str) -> str:
    """An outcome that names a status ("awaiting_approval") as the badges say it; any other as written."""
    if not outcome:
        return "—"
    if outcome in AUDIT_OUTCOME_LABELS:
        return str(AUDIT_OUTCOME_LABELS[outcome])
    return status_label(outcome.upper()) if "_" in outcome else outcome


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
    def action_label(self) -> str:
        return audit_action_label(self.action, self.outcome)

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
