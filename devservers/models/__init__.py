"""The app's models, one module per subject; everything is importable from `devservers.models`."""

from devservers.models.accounts import CloudAccount, FlavorSpec
from devservers.models.api import ApiToken, IdempotencyKey
from devservers.models.audit import AuditEntry
from devservers.models.ledger import BilledStretch, BillingTally
from devservers.models.notifications import NotificationSettings
from devservers.models.servers import (
    DevServer,
    DevServerEvent,
    erased_password,
    status_events_written_by_caller,
)
from devservers.models.sso import SsoIdentity
from devservers.models.statuses import (
    AWAITING_APPROVAL,
    CHANGING_STATUSES,
    DECLINED,
    FAILED_STATUSES,
    FINAL_STATUSES,
    NOT_HOLDING_STATUSES,
    OUTCOME_UNKNOWN,
    QUEUED,
    REJECTED,
    STATUS_LABELS,
    SUBMITTING,
    status_label,
)
from devservers.models.tallies import StatusTally
from devservers.models.teams import Membership, Team, TeamPolicy

__all__ = [
    "AWAITING_APPROVAL",
    "CHANGING_STATUSES",
    "DECLINED",
    "FAILED_STATUSES",
    "FINAL_STATUSES",
    "NOT_HOLDING_STATUSES",
    "OUTCOME_UNKNOWN",
    "QUEUED",
    "REJECTED",
    "STATUS_LABELS",
    "SUBMITTING",
    "ApiToken",
    "AuditEntry",
    "BilledStretch",
    "BillingTally",
    "CloudAccount",
    "DevServer",
    "DevServerEvent",
    "FlavorSpec",
    "IdempotencyKey",
    "Membership",
    "NotificationSettings",
    "SsoIdentity",
    "StatusTally",
    "Team",
    "TeamPolicy",
    "erased_password",
    "status_events_written_by_caller",
    "status_label",
]
