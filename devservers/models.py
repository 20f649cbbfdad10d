from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class CloudAccount(models.Model):
    class AuthMethod(models.TextChoices):
        AKSK = "AKSK", "AK/SK signing"
        IAM = "IAM", "IAM user (token)"

    class UserdataField(models.TextChoices):
        USERDATA = "userdata", "userdata (documented spelling)"
        USER_DATA = "user_data", "user_data (newer SDK spelling)"

    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=64, default="cn-north-4")
    project_id = models.CharField(max_length=64)
    modelarts_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    vpc_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    ecs_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    iam_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    auth_method = models.CharField(max_length=8, choices=AuthMethod.choices, default=AuthMethod.AKSK)
    access_key = models.CharField(max_length=128, blank=True)
    secret_key_encrypted = models.TextField(blank=True, editable=False)
    iam_domain = models.CharField(max_length=128, blank=True)
    iam_user = models.CharField(max_length=128, blank=True)
    iam_password_encrypted = models.TextField(blank=True, editable=False)
    userdata_field = models.CharField(
        max_length=16, choices=UserdataField.choices, default=UserdataField.USERDATA
    )
    currency = models.CharField(max_length=3, default="CNY", help_text="ISO 4217; the flavor catalogue's prices are in it.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    @property
    def console_url(self) -> str:
        """The ModelArts console of the account's region; empty where the endpoint is not Huawei Cloud's."""
        host = urlsplit(self.modelarts_endpoint).hostname or "" if self.modelarts_endpoint else ""
        if host and not host.endswith((".myhuaweicloud.com", ".huaweicloud.com")):
            return ""
        return f"https://console.huaweicloud.com/modelarts/?region={quote(self.region)}"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    accounts = models.ManyToManyField(CloudAccount, related_name="teams", blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ADMIN = "admin", "Team admin"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class TeamPolicy(models.Model):
    """Limits and approval rules for a team's requests; empty or null means no limit."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="policy")
    allowed_flavors = models.JSONField(default=list, blank=True, help_text="Flavor names; empty allows all.")
    allowed_images = models.JSONField(default=list, blank=True, help_text="Image IDs; empty allows all.")
    max_running_per_user = models.PositiveIntegerField(null=True, blank=True)
    max_running_per_team = models.PositiveIntegerField(null=True, blank=True)
    max_accelerators_per_user = models.PositiveIntegerField(null=True, blank=True)
    max_accelerators_per_team = models.PositiveIntegerField(null=True, blank=True)
    max_prepaid_months = models.PositiveIntegerField(null=True, blank=True)
    approval_for_accelerators = models.BooleanField(default=True)
    approval_for_prepaid = models.BooleanField(default=True)
    approval_count_above = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests for more servers than this need approval."
    )
    # Budgets, in the currency of the request's account; a request over one is held or refused.
    monthly_budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    member_monthly_budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, help_text="Each member's own spend.")
    refuse_over_budget = models.BooleanField(default=False, help_text="Refuse a request over budget; otherwise it waits for approval.")
    # Schedules: the defaults fill what the owner leaves empty, the maxima bound what they choose.
    schedules_for_accelerators_only = models.BooleanField(default=True, help_text="Defaults and maxima apply to GPU/NPU servers only.")
    default_stop_after_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    max_stop_after_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    default_daily_stop_time = models.TimeField(null=True, blank=True, help_text="In the owner's time zone.")
    default_lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Policy of {self.team}"


class FlavorSpec(models.Model):
    """What the cloud's flavor list does not say: the accelerators of a flavor, kept by the admins.

    The flavors call gives only a free-text `specification` and a `flavor_type`; policy needs a
    count it can trust, so an entry here wins over anything read from those texts.
    """

    class AcceleratorType(models.TextChoices):
        NONE = "", "None (CPU only)"
        GPU = "GPU", "GPU"
        NPU = "NPU", "NPU (Ascend)"

    name = models.CharField(max_length=128, unique=True, help_text="The flavor name, as the cloud spells it.")
    accelerator_type = models.CharField(max_length=8, choices=AcceleratorType.choices, blank=True)
    accelerator_name = models.CharField(max_length=64, blank=True, help_text="For example NVIDIA-V100.")
    accelerator_count = models.PositiveSmallIntegerField(default=0)
    accelerator_memory_gib = models.PositiveIntegerField(
        null=True, blank=True, help_text="Memory of one card, GiB."
    )
    hourly_price = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Pay-per-use price per hour; empty: unknown."
    )
    monthly_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, help_text="Prepaid, one month; empty: unknown.")
    yearly_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, help_text="Prepaid, one year; empty: unknown.")
    # Where the prices came from (the admin, a CSV price list, later the price inquiry API) and when.
    prices_source = models.CharField(max_length=32, blank=True)
    prices_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "flavor catalogue entry"
        verbose_name_plural = "flavor catalogue"

    def __str__(self) -> str:
        return self.name


class DevServer(models.Model):
    class LoginMethod(models.TextChoices):
        PASSWORD = "password", "Password"
        KEY_PAIR = "key_pair", "Key pair"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="devservers"
    )
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
    # The fencing token of the worker holding the create flow: every write of the flow is a
    # conditional update on it, so a worker whose lease passed to another changes nothing.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the worker next tries a request the cloud has not answered; shown on the page.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    running_at = models.DateTimeField(null=True, blank=True)
    flagged_slow_at = models.DateTimeField(null=True, blank=True)

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

    class Meta:
        ordering = ["-created_at", "-id"]
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
        REQUESTED = "requested", "Requested"
        STATUS = "status", "Status change"
        CALL = "call", "Cloud call"
        NOTE = "note", "Note"

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

    def __str__(self) -> str:
        return f"{self.devserver_id} {self.kind} {self.status_to or self.operation}"


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
