"""A requested server (the intent, the cloud's view, the flow's bookkeeping) and its history."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devservers.models.accounts import CloudAccount
from devservers.models.statuses import (
    _FINAL_STATUS_ORDER,
    CHANGING_STATUSES,
    FAILED_STATUSES,
    FINAL_STATUSES,
    OUTCOME_UNKNOWN,
    QUEUED,
    status_label,
)
from devservers.models.teams import Team
from modelarts_client import statuses as cloud_statuses

# A queryset's update() sends no signal of its own (save and delete send post_save and post_delete), so
# DevServer's sends this one: every way a row is written then reaches the live pages (devservers/push).
# Sent with sender=DevServer, rows=[(pk, owner_id, team_id) as they were before], fields=the names set.
rows_updated = Signal()

# The timeline, the spend and the billing ledger follow a row's status events. The services that move
# a status with update() write its event themselves, saying what the move was; any other update() of
# the status (a management command, a shell) gets one from DevServerQuerySet.update.
_caller_writes_status_events: ContextVar[bool] = ContextVar("caller_writes_status_events", default=False)
STATUS_SET_BY_UPDATE = "Status set by an update outside the dashboard's services."


@contextmanager
def status_events_written_by_caller() -> Iterator[None]:
    """Around a service's update() of the status, whose event the service writes itself."""
    token = _caller_writes_status_events.set(True)
    try:
        yield
    finally:
        _caller_writes_status_events.reset(token)


class DevServerQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        new_status = kwargs.get("status")
        leaves_events = isinstance(new_status, str) and not _caller_writes_status_events.get()
        if not leaves_events and not rows_updated.has_listeners(self.model):
            return super().update(**kwargs)
        if leaves_events:
            with transaction.atomic(using=self.db):
                # Locked, so each event's "from" is the status the update replaced.
                locked = self.select_for_update(of=("self",))  # not the joined tables a filter may bring
                rows = list(locked.values_list("pk", "owner_id", "team_id", "status"))
                count = super().update(**kwargs)
                DevServerEvent.objects.bulk_create(
                    DevServerEvent(
                        devserver_id=pk,
                        kind=DevServerEvent.Kind.STATUS,
                        status_from=status,
                        status_to=new_status,
                        message=STATUS_SET_BY_UPDATE,
                    )
                    for pk, _owner_id, _team_id, status in rows
                    if status != new_status
                )
        else:
            rows = list(self.values_list("pk", "owner_id", "team_id", "status"))
            count = super().update(**kwargs)
        if count and rows and rows_updated.has_listeners(self.model):
            rows_updated.send(
                sender=self.model,
                rows=[(pk, owner_id, team_id) for pk, owner_id, team_id, _status in rows],
                fields=frozenset(kwargs),
            )
        return count


class DevServer(models.Model):
    class LoginMethod(models.TextChoices):
        PASSWORD = "password", _("Password")
        KEY_PAIR = "key_pair", _("Key pair")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="devservers"
    )
    # The owner's username, copied by the database's own triggers on every write (migration 0020), so
    # the owner sort reads its page from an index; None while there is no owner.
    owner_name = models.CharField(max_length=150, null=True, blank=True, editable=False)
    account = models.ForeignKey(CloudAccount, on_delete=models.PROTECT, related_name="devservers")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="devservers")
    # Found in the cloud by reconciliation, not requested here; its owner is unknown until assigned.
    is_imported = models.BooleanField(default=False)
    accelerator_count = models.PositiveSmallIntegerField(default=0)
    approval_reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    # One form submission with count N gives N rows sharing a batch id.
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)

    # What the user asked for.
    name = models.CharField(max_length=64)
    server_type = models.CharField(max_length=8, blank=True)
    arch = models.CharField(max_length=8, blank=True)
    flavor = models.CharField(max_length=128)
    image_id = models.CharField(max_length=36)
    image_name = models.CharField(max_length=128, blank=True)
    availability_zone = models.CharField(max_length=256, blank=True)
    vpc_id = models.CharField(max_length=36)
    subnet_id = models.CharField(max_length=36)
    security_group_id = models.CharField(max_length=36)
    ipv6_enable = models.BooleanField(default=False)
    roce_id = models.CharField(max_length=36, blank=True)
    login_method = models.CharField(max_length=16, choices=LoginMethod.choices)
    key_pair_name = models.CharField(max_length=64, blank=True)
    # The login password has one name per layer: `admin_pass` where it is plain text (the cloud's
    # field, the form's field, the request service's argument) and `admin_pass_encrypted` here, where
    # it is Fernet ciphertext until the create call is answered; `erased_password()` clears it.
    admin_pass_encrypted = models.TextField(blank=True, editable=False)
    root_volume_type = models.CharField(max_length=8, blank=True)
    root_volume_size = models.PositiveIntegerField(null=True, blank=True)
    data_volume_type = models.CharField(max_length=8, blank=True)
    data_volume_size = models.PositiveIntegerField(null=True, blank=True)
    data_volume_count = models.PositiveSmallIntegerField(null=True, blank=True)
    charging_mode = models.CharField(max_length=16, default="POST_PAID")
    period_type = models.CharField(max_length=16, blank=True)
    period_num = models.PositiveSmallIntegerField(null=True, blank=True)
    is_auto_renew = models.BooleanField(default=False)
    is_auto_pay = models.BooleanField(default=False)
    enterprise_project_id = models.CharField(max_length=36, blank=True)
    userdata = models.TextField(blank=True, help_text="Base64, as sent to the cloud.")

    # What the cloud says.
    status = models.CharField(max_length=32, default=QUEUED, db_index=True)
    cloud_id = models.CharField(max_length=64, blank=True, db_index=True)
    order_id = models.CharField(max_length=128, blank=True)
    cloud_create_at = models.BigIntegerField(null=True, blank=True)
    cloud_update_at = models.BigIntegerField(null=True, blank=True)
    private_ip = models.CharField(max_length=64, blank=True)
    # The server's disks as the cloud last listed them (SDK ServerVolume: size, type, evs_type, evs_id).
    volumes = models.JSONField(default=list, blank=True)
    last_response = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_msg = models.TextField(blank=True)
    error_request_id = models.CharField(max_length=128, blank=True)

    # How the dashboard drives it.
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    # Set, and committed, just before a create POST goes out; cleared once its outcome is known (an
    # id, a refusal, nothing sent, or look-ups that found no server). Only a row holding one looks
    # the server up by name before it POSTs: a fresh row's create is one call.
    create_posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The fencing token of the worker holding the create flow: every write of the flow is a
    # conditional update on it, so a worker whose lease passed to another changes nothing.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the worker next tries a request the cloud has not answered; shown on the page.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    running_at = models.DateTimeField(null=True, blank=True)
    flagged_slow_at = models.DateTimeField(null=True, blank=True)
    # Delete asked while it ran: the claim stopped it, and the worker asks the delete once it sees it
    # STOPPED (provisioning/after_stop.py). Kept here, so a worker restart loses nothing.
    delete_when_stopped = models.BooleanField(default=False)
    delete_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Its schedule (devservers/schedules): stop after N hours or at a daily time, delete after N days.
    stop_after_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    daily_stop_time = models.TimeField(null=True, blank=True)
    schedule_time_zone = models.CharField(max_length=64, blank=True)
    schedule_set_at = models.DateTimeField(null=True, blank=True)
    lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)
    lifetime_warned_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    schedule_claimed_at = models.DateTimeField(null=True, blank=True)
    schedule_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DevServerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Every page's default and whitelisted order, per team and (for superusers) over all rows, so a
        # page reads its 25 or 50 rows from an index at any size; the status index covers the totals.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="devserver_created_id"),
            models.Index(fields=["team", "-created_at", "-id"], name="devserver_team_created_id"),
            models.Index(fields=["team", "-id"], name="devserver_team_id"),
            models.Index(fields=["owner", "-id"], name="devserver_owner_id"),
            models.Index(
                fields=["team", "status", "-id"],
                include=["accelerator_count", "flavor"],
                name="devserver_team_status_id",
            ),
            models.Index(fields=["team", "flavor", "-id"], name="devserver_team_flavor_id"),
            # The owner filter, each requester's running servers, and every column the cost figures
            # sum (`costs.aggregates`), read from the index alone (migration 0010; its trigram index
            # for the name search is PostgreSQL's only, so not listed here).
            models.Index(
                fields=["team", "owner", "-id"],
                include=[
                    "status",
                    "flavor",
                    "charging_mode",
                    "period_type",
                    "period_num",
                    "created_at",
                    "account",
                ],
                name="devserver_team_owner_cost",
            ),
            models.Index(fields=["team", "name", "-id"], name="devserver_team_name_id"),
            models.Index(fields=["status", "-id"], name="devserver_status_id"),
            models.Index(fields=["flavor", "-id"], name="devserver_flavor_id"),
            models.Index(fields=["name", "-id"], name="devserver_name_id"),
            # The owner sort's indexes, on `owner_name` with rows of no owner last both ways round,
            # are PostgreSQL's only (SQLite's indexes take no NULLS LAST): migration 0020.
            # The review page's lifetime warnings and failed schedules: the few rows that have them.
            models.Index(
                fields=["team", "status"],
                condition=models.Q(lifetime_days__isnull=False),
                name="devserver_lifetime",
            ),
            models.Index(
                fields=["team", "status"],
                condition=~models.Q(schedule_error=""),
                name="devserver_schedule_error",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"],
                condition=~models.Q(status__in=list(_FINAL_STATUS_ORDER)),
                name="devserver_live_name_unique_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        if self.delete_when_stopped and self.status in (cloud_statuses.STOPPING, cloud_statuses.STOPPED):
            return str(_("Stopping, then deleting"))
        return status_label(self.status)

    @property
    def is_changing(self) -> bool:
        return self.status in CHANGING_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_waiting_for_the_cloud(self) -> bool:
        """A request the worker will try again after the cloud failed to answer."""
        return self.next_attempt_at is not None and self.status in (QUEUED, OUTCOME_UNKNOWN)

    @property
    def is_cloud_failure(self) -> bool:
        """A failed status the cloud gave (CREATE_FAILED, ERROR…), whose reason its API does not carry."""
        return self.status in cloud_statuses.FAILED_STATUSES


def erased_password() -> dict[str, str]:
    """The fields that erase a row's stored password: once the create is answered, refused or declined."""
    return {"admin_pass_encrypted": ""}


class DevServerEvent(models.Model):
    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        STATUS = "status", _("Status change")
        CALL = "call", _("Cloud call")
        NOTE = "note", _("Note")

    devserver = models.ForeignKey(DevServer, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status_from = models.CharField(max_length=32, blank=True)
    status_to = models.CharField(max_length=32, blank=True)
    operation = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A row's status history in order, read from the index alone by the cost figures (migration 0010).
        indexes = [
            models.Index(
                fields=["devserver", "created_at", "id"],
                include=["status_from", "status_to"],
                name="devserverevent_timeline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.devserver_id} {self.kind} {self.status_to or self.operation}"
