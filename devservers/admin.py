from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from devservers import history
from devservers.admin_audit import AuditedAdmin
from devservers.crypto import encrypt_secret
from devservers.models import (
    AuditEntry,
    CloudAccount,
    DevServer,
    DevServerEvent,
    FlavorSpec,
    Membership,
    SsoIdentity,
    Team,
    TeamPolicy,
)


class CloudAccountForm(forms.ModelForm):
    """Secrets are write-only: typed here, stored encrypted, never shown back."""

    secret_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Secret access key (SK). Leave empty to keep the stored one.",
    )
    iam_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="IAM user's password. Leave empty to keep the stored one.",
    )

    class Meta:
        model = CloudAccount
        fields = "__all__"

    def clean(self) -> dict:
        cleaned = super().clean()
        method = cleaned.get("auth_method")
        instance = self.instance
        if method == CloudAccount.AuthMethod.AKSK:
            if not cleaned.get("access_key"):
                self.add_error("access_key", "AK/SK signing needs an access key.")
            if not cleaned.get("secret_key") and not instance.secret_key_encrypted:
                self.add_error("secret_key", "AK/SK signing needs a secret key.")
        elif method == CloudAccount.AuthMethod.IAM:
            for field in ("iam_domain", "iam_user"):
                if not cleaned.get(field):
                    self.add_error(field, "Token authentication needs the IAM domain and user.")
            if not cleaned.get("iam_password") and not instance.iam_password_encrypted:
                self.add_error("iam_password", "Token authentication needs the IAM user's password.")
        return cleaned

    def save(self, commit: bool = True) -> CloudAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("secret_key"):
            account.secret_key_encrypted = encrypt_secret(self.cleaned_data["secret_key"])
        if self.cleaned_data.get("iam_password"):
            account.iam_password_encrypted = encrypt_secret(self.cleaned_data["iam_password"])
        if commit:
            account.save()
        return account


@admin.register(CloudAccount)
class CloudAccountAdmin(AuditedAdmin):
    form = CloudAccountForm

    # Error reports must not carry the secrets typed into this form.
    @method_decorator(sensitive_post_parameters("secret_key", "iam_password"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    list_display = ("name", "region", "project_id", "auth_method", "is_active")
    fieldsets = (
        (None, {"fields": ("name", "region", "project_id", "is_active", "userdata_field", "currency")}),
        ("Endpoints", {"fields": ("modelarts_endpoint", "vpc_endpoint", "ecs_endpoint", "iam_endpoint")}),
        (
            "Authentication",
            {"fields": ("auth_method", "access_key", "secret_key", "iam_domain", "iam_user", "iam_password")},
        ),
    )


class DevServerEventInline(admin.TabularInline):
    model = DevServerEvent
    extra = 0
    can_delete = False
    readonly_fields = (
        "created_at",
        "kind",
        "status_from",
        "status_to",
        "operation",
        "outcome",
        "error_code",
        "message",
        "request_id",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DevServer)
class DevServerAdmin(AuditedAdmin):
    list_display = ("name", "owner", "account", "status", "flavor", "created_at")
    list_filter = ("status", "account", "charging_mode")
    search_fields = ("name", "cloud_id")
    exclude = ("admin_pass_encrypted",)
    readonly_fields = ("last_response",)
    inlines = [DevServerEventInline]

    def save_model(self, request: HttpRequest, obj: DevServer, form: forms.ModelForm, change: bool) -> None:
        status_before = (
            # Locked, so a worker's change of the status cannot slip in between this read and the save.
            DevServer.objects.select_for_update().filter(pk=obj.pk).values_list("status", flat=True).first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        if status_before is not None and status_before != obj.status:
            # The timeline, the spend and the billing ledger follow the status events: a status put
            # right here leaves one, as every status change in the flow does.
            history.record_event(
                obj,
                kind=DevServerEvent.Kind.STATUS,
                status_from=status_before,
                status_to=obj.status,
                message=f"Status set in the Django admin by {request.user.get_username()}.",
            )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


class TeamPolicyInline(admin.StackedInline):
    model = TeamPolicy
    can_delete = False


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "sso_group", "created_at")
    filter_horizontal = ("accounts",)
    inlines = [MembershipInline, TeamPolicyInline]


@admin.register(SsoIdentity)
class SsoIdentityAdmin(AuditedAdmin):
    """Which provider subject is which user. Deleting a link makes the subject's next single sign-on
    link or create an account anew (to move it to another user)."""

    list_display = ("user", "subject", "issuer", "created_at")
    search_fields = ("user__username", "user__email", "subject")
    readonly_fields = ("user", "issuer", "subject", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FlavorSpec)
class FlavorSpecAdmin(AuditedAdmin):
    """The accelerators the cloud's flavor list does not give, and the prices; policy counts cards
    from here, and the costs room prices requests and servers from here."""

    list_display = (
        "name", "accelerator_type", "accelerator_name", "accelerator_count", "accelerator_memory_gib",
        "hourly_price", "monthly_price", "yearly_price", "prices_source",
    )  # fmt: skip
    list_filter = ("accelerator_type", "prices_source")
    search_fields = ("name", "accelerator_name")
    readonly_fields = ("prices_source", "prices_updated_at")

    def save_model(self, request, obj: FlavorSpec, form, change: bool) -> None:
        if {"hourly_price", "monthly_price", "yearly_price"} & set(form.changed_data):
            obj.prices_source, obj.prices_updated_at = "admin", timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: entries are only ever added, by the code."""

    list_display = ("created_at", "team", "actor", "actor_label", "action", "devserver", "outcome", "request_id")
    list_filter = ("action", "outcome", "team")
    search_fields = ("detail", "request_id", "devserver__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


# django-axes's failed logins; deleting a user's or an address's attempts unlocks it, and is audited.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AuditedAdmin, AccessAttemptAdmin):
    delete_action = "admin_unlock"

    def deleted_facts(self, obj: AccessAttempt) -> list[str]:
        return [
            f"username: {obj.username}",
            f"ip_address: {obj.ip_address}",
            f"failures: {obj.failures_since_start}",
        ]
