"""The lifecycle actions and the statuses in which the cloud accepts each."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from devservers.models.statuses import status_label


@dataclass(frozen=True)
class LifecycleAction:
    name: str
    label: str | Promise
    transitional_status: str
    allowed_statuses: frozenset[str]

    def allowed_in(self, status: str) -> bool:
        return status in self.allowed_statuses

    @property
    def allowed_labels(self) -> str:
        return ", ".join(sorted(status_label(status).lower() for status in self.allowed_statuses))


# The statuses in which the cloud accepts each operation (the reference's rules, as the emulator applies them).
LIFECYCLE_ACTIONS = {
    action.name: action
    for action in (
        LifecycleAction("start", _("Start"), "STARTING", frozenset({"STOPPED", "START_FAILED"})),
        LifecycleAction(
            "stop", _("Stop"), "STOPPING", frozenset({"RUNNING", "STOP_FAILED", "REBOOT_FAILED", "START_FAILED"})
        ),
        LifecycleAction("reboot", _("Reboot"), "REBOOTING", frozenset({"RUNNING", "REBOOT_FAILED"})),
        LifecycleAction(
            "delete",
            _("Delete"),
            "DELETING",
            frozenset({"STOPPED", "CREATE_FAILED", "START_FAILED", "STOP_FAILED", "ERROR", "DELETE_FAILED"}),
        ),
    )
}


def delete_stops_first(status: str) -> bool:
    """A delete asked where the cloud refuses it but accepts a stop (RUNNING): the server is stopped
    first, and deleted once stopped."""
    return not LIFECYCLE_ACTIONS["delete"].allowed_in(status) and LIFECYCLE_ACTIONS["stop"].allowed_in(status)


def can_ask(action: LifecycleAction, status: str) -> bool:
    """Whether a person may ask for the action now (the buttons): as the cloud allows, plus a delete
    that stops first."""
    return action.allowed_in(status) or (action.name == "delete" and delete_stops_first(status))
