"""Statuses that move with time, and the operations each status allows.

The status names are the client's own constants: one spelling of the documented values.

Nothing runs in the background: every read advances a record from its stored timestamps, so a
restart or a pause changes nothing but the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from modelarts_client.statuses import (
    CREATE_FAILED,
    CREATING,
    DELETE_FAILED,
    DELETED,
    DELETING,
    ERROR,
    REBOOT_FAILED,
    REBOOTING,
    RUNNING,
    START_FAILED,
    STARTING,
    STOP_FAILED,
    STOPPED,
    STOPPING,
)
from modelarts_emulator.config import LifecycleSettings
from modelarts_emulator.errors import ApiError
from modelarts_emulator.servers import ServerRecord

ALL_STATUSES = (
    CREATING,
    CREATE_FAILED,
    RUNNING,
    STARTING,
    START_FAILED,
    STOPPING,
    STOPPED,
    STOP_FAILED,
    REBOOTING,
    REBOOT_FAILED,
    DELETING,
    DELETE_FAILED,
    DELETED,
    ERROR,
)

# status -> (the LifecycleSettings field holding its delay, the status it turns into)
_TIMED_TRANSITIONS: dict[str, tuple[str, str]] = {
    STARTING: ("start_seconds", RUNNING),
    STOPPING: ("stop_seconds", STOPPED),
    REBOOTING: ("reboot_seconds", RUNNING),
    DELETING: ("delete_seconds", DELETED),
}

# The statuses the clock alone may change (or, DELETED, remove): every other status stays as stored
# until an operation changes it.
CLOCK_DRIVEN_STATUSES = frozenset({CREATING, DELETED, *_TIMED_TRANSITIONS})

CREATE_FAILURE_REASONS = (
    "Insufficient resources for the flavor in the availability zone. Try another zone or flavor.",
    "The ECS quota of the tenant is insufficient.",
    "Creating the system disk failed: EVS capacity in the availability zone is exhausted.",
    "Binding the private IP address failed: the subnet has no free addresses.",
)


def failure_reason_for(server_id: str) -> str:
    index = int(hashlib.sha256(server_id.encode()).hexdigest(), 16) % len(CREATE_FAILURE_REASONS)
    return CREATE_FAILURE_REASONS[index]


def _seconds_to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def _next_step(record: ServerRecord, settings: LifecycleSettings) -> tuple[int, str] | None:
    """When the record's current status ends and what follows it, or None if it does not end by itself."""
    if record.status == CREATING:
        if record.creation_outcome is None:
            return None
        return record.status_since_ms + _seconds_to_ms(settings.create_seconds), record.creation_outcome
    if record.status in _TIMED_TRANSITIONS:
        delay_field, next_status = _TIMED_TRANSITIONS[record.status]
        return record.status_since_ms + _seconds_to_ms(getattr(settings, delay_field)), next_status
    return None


def set_status(record: ServerRecord, status: str, at_ms: int) -> None:
    record.status = status
    record.status_since_ms = at_ms
    record.update_at = at_ms
    if status == CREATE_FAILED and record.fail_reason is None:
        record.fail_reason = failure_reason_for(record.id)


def advance(record: ServerRecord, settings: LifecycleSettings, now_ms: int) -> bool:
    """Apply every transition due by now_ms; True when the record changed."""
    changed = False
    while (step := _next_step(record, settings)) is not None and step[0] <= now_ms:
        due_ms, next_status = step
        set_status(record, next_status, due_ms)
        changed = True
    return changed


def is_gone(record: ServerRecord, settings: LifecycleSettings, now_ms: int) -> bool:
    """A DELETED server stays visible for a while, then leaves the lists and show answers 404."""
    return record.status == DELETED and now_ms >= record.status_since_ms + _seconds_to_ms(
        settings.deleted_visible_seconds
    )


@dataclass(frozen=True)
class Operation:
    name: str
    allowed_from: frozenset[str]
    target: str
    # Statuses refused with their own code rather than the generic "status does not allow".
    specific_refusals: dict[str, tuple[str, str]]


START = Operation(
    name="start",
    allowed_from=frozenset({STOPPED, START_FAILED}),
    target=STARTING,
    specific_refusals={RUNNING: ("ModelArts.6305", "The instance is already running")},
)
STOP = Operation(
    name="stop",
    allowed_from=frozenset({RUNNING, STOP_FAILED, REBOOT_FAILED, START_FAILED}),
    target=STOPPING,
    specific_refusals={STOPPED: ("ModelArts.6307", "The instance is already stopped")},
)
REBOOT = Operation(
    name="reboot",
    allowed_from=frozenset({RUNNING, REBOOT_FAILED}),
    target=REBOOTING,
    specific_refusals={},
)
DELETE = Operation(
    name="delete",
    allowed_from=frozenset({STOPPED, CREATE_FAILED, START_FAILED, STOP_FAILED, ERROR, DELETE_FAILED}),
    target=DELETING,
    specific_refusals={RUNNING: ("ModelArts.6304", "Stop the instance before deleting it")},
)
OPERATIONS_BY_ACTION_TYPE = {"START": START, "STOP": STOP, "REBOOT": REBOOT, "DELETE": DELETE}


def apply_operation(record: ServerRecord, operation: Operation, now_ms: int) -> None:
    if record.status in operation.specific_refusals:
        error_code, error_msg = operation.specific_refusals[record.status]
        raise ApiError(400, error_code, f"{error_msg}: {record.id}")
    if record.status not in operation.allowed_from:
        raise ApiError(
            400,
            "ModelArts.6303",
            f"The instance's status {record.status} does not allow {operation.name}: {record.id}",
        )
    set_status(record, operation.target, now_ms)
