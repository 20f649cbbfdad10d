"""Teams, their members and their policy."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from devservers.models.accounts import CloudAccount


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    accounts = models.ManyToManyField(CloudAccount, related_name="teams", blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    sso_group = models.CharField(
        "single sign-on group",
        max_length=200,
        blank=True,
        db_index=True,
        help_text="A user whose single sign-on groups claim names this group becomes a member at login; "
        "empty maps no group.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMIN = "admin", _("Team admin")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Made by a single sign-on login from the team's group; only such memberships leave with the group.
    granted_by_sso = models.BooleanField(default=False, editable=False)

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
    member_monthly_budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Each member's own spend."
    )
    refuse_over_budget = models.BooleanField(
        default=False, help_text="Refuse a request over budget; otherwise it waits for approval."
    )
    # Schedules: the defaults fill what the owner leaves empty, the maxima bound what they choose.
    schedules_for_accelerators_only = models.BooleanField(
        default=True, help_text="Defaults and maxima apply to GPU/NPU servers only."
    )
    default_stop_after_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    max_stop_after_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    default_daily_stop_time = models.TimeField(null=True, blank=True, help_text="In the owner's time zone.")
    default_lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Policy of {self.team}"
