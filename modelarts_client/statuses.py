"""DevServer status values as the cloud documents them.

Statuses stay plain strings everywhere: the cloud may add new ones, and a client that
does not know a status must carry it through, not fail on it.
"""

from __future__ import annotations

CREATING = "CREATING"
CREATE_FAILED = "CREATE_FAILED"
RUNNING = "RUNNING"
STARTING = "STARTING"
START_FAILED = "START_FAILED"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
STOP_FAILED = "STOP_FAILED"
REBOOTING = "REBOOTING"
REBOOT_FAILED = "REBOOT_FAILED"
DELETING = "DELETING"
DELETE_FAILED = "DELETE_FAILED"
DELETED = "DELETED"
ERROR = "ERROR"
CHANGINGOS = "CHANGINGOS"
CHANGINGOS_FAILED = "CHANGINGOS_FAILED"
REINSTALLINGOS = "REINSTALLINGOS"
REINSTALLINGOS_FAILED = "REINSTALLINGOS_FAILED"

TRANSITIONAL_STATUSES = frozenset(
    {CREATING, STARTING, STOPPING, REBOOTING, DELETING, CHANGINGOS, REINSTALLINGOS}
)
FAILED_STATUSES = frozenset(
    {
        CREATE_FAILED,
        START_FAILED,
        STOP_FAILED,
        REBOOT_FAILED,
        DELETE_FAILED,
        CHANGINGOS_FAILED,
        REINSTALLINGOS_FAILED,
        ERROR,
    }
)
KNOWN_STATUSES = frozenset(TRANSITIONAL_STATUSES | FAILED_STATUSES | {RUNNING, STOPPED, DELETED})


def is_transitional(status: str | None) -> bool:
    return status is not None and status.upper() in TRANSITIONAL_STATUSES


def is_failed(status: str | None) -> bool:
    return status is not None and status.upper() in FAILED_STATUSES


def is_known(status: str | None) -> bool:
    return status is not None and status.upper() in KNOWN_STATUSES
