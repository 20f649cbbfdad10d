"""The lifecycle actions and the statuses in which the cloud accepts each."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LifecycleAction:
    name: str
    label: str
    transitional_status: str
    allowed_statuses: frozenset[str]

    def allowed_in(self, status: str) -> bool:
        return status in self.allowed_statuses

    @property
    def allowed_labels(self) -> str:
        return ", ".join(sorted(status.replace("_", " ").lower() for status in self.allowed_statuses))


# The statuses in which the cloud accepts each operation (the reference's rules, as the emulator applies them).
LIFECYCLE_ACTIONS = {
    action.name: action
    for action in (
        LifecycleAction("start", "Start", "STARTING", frozenset({"STOPPED", "START_FAILED"})),
        LifecycleAction(
            "stop", "Stop", "STOPPING", frozenset({"RUNNING", "STOP_FAILED", "REBOOT_FAILED", "START_FAILED"})
        ),
        LifecycleAction("reboot", "Reboot", "REBOOTING", frozenset({"RUNNING", "REBOOT_FAILED"})),
        LifecycleAction(
            "delete",
            "Delete",
            "DELETING",
            frozenset({"STOPPED", "CREATE_FAILED", "START_FAILED", "STOP_FAILED", "ERROR", "DELETE_FAILED"}),
        ),
    )
}
