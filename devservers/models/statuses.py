"""The statuses a row can have: the dashboard's own before the cloud has one, and the sets that group them."""

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
    QUEUED: "Queued",
    SUBMITTING: "Submitting",
    OUTCOME_UNKNOWN: "Checking",
    REJECTED: "Rejected",
    AWAITING_APPROVAL: "Awaiting approval",
    DECLINED: "Declined",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status) or status.replace("_", " ").capitalize()
