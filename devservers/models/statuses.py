"""The statuses a row can have: the dashboard's own before the cloud has one, and the sets that group them."""

from django.utils.translation import gettext_lazy as _

from modelarts_client import statuses as cloud_statuses

# Statuses the dashboard itself gives a request before the cloud has one for it.
QUEUED = "QUEUED"
SUBMITTING = "SUBMITTING"
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
REJECTED = "REJECTED"
AWAITING_APPROVAL = "AWAITING_APPROVAL"
DECLINED = "DECLINED"

CHANGING_STATUSES = frozenset({QUEUED, SUBMITTING, OUTCOME_UNKNOWN, *cloud_statuses.TRANSITIONAL_STATUSES})
# Nothing more can happen to a row in these: it holds no server and never will, so pages stop
# polling it and its name is free again (the live-name constraint's condition).
_FINAL_STATUS_ORDER = (REJECTED, DECLINED, cloud_statuses.DELETED)
FINAL_STATUSES = frozenset(_FINAL_STATUS_ORDER)
FAILED_STATUSES = frozenset({REJECTED, DECLINED, *cloud_statuses.FAILED_STATUSES})
# Rows that no longer hold a server (or never will, or are letting it go): limits and totals skip them.
NOT_HOLDING_STATUSES = FINAL_STATUSES | {cloud_statuses.DELETING, cloud_statuses.CREATE_FAILED}

STATUS_LABELS = {
    QUEUED: _("Queued"),
    SUBMITTING: _("Submitting"),
    OUTCOME_UNKNOWN: _("Checking"),
    REJECTED: _("Rejected"),
    AWAITING_APPROVAL: _("Awaiting approval"),
    DECLINED: _("Declined"),
    # The cloud's documented statuses, named so each can be translated; an unknown one reads as written.
    cloud_statuses.CREATING: _("Creating"),
    cloud_statuses.CREATE_FAILED: _("Create failed"),
    cloud_statuses.RUNNING: _("Running"),
    cloud_statuses.STARTING: _("Starting"),
    cloud_statuses.START_FAILED: _("Start failed"),
    cloud_statuses.STOPPING: _("Stopping"),
    cloud_statuses.STOPPED: _("Stopped"),
    cloud_statuses.STOP_FAILED: _("Stop failed"),
    cloud_statuses.REBOOTING: _("Rebooting"),
    cloud_statuses.REBOOT_FAILED: _("Reboot failed"),
    cloud_statuses.DELETING: _("Deleting"),
    cloud_statuses.DELETE_FAILED: _("Delete failed"),
    cloud_statuses.DELETED: _("Deleted"),
    cloud_statuses.ERROR: _("Error"),
    cloud_statuses.CHANGINGOS: _("Changingos"),
    cloud_statuses.CHANGINGOS_FAILED: _("Changingos failed"),
    cloud_statuses.REINSTALLINGOS: _("Reinstallingos"),
    cloud_statuses.REINSTALLINGOS_FAILED: _("Reinstallingos failed"),
}


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label else status.replace("_", " ").capitalize()
