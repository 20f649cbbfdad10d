"""Which emails a user wants: one switch per kind of notice, all on until the user turns one off."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationSettings(models.Model):
    """A user's email switches; a user without a row gets every kind (the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    approval_waiting = models.BooleanField(_("A request of my team awaits my approval"), default=True)
    approved = models.BooleanField(_("My request was approved"), default=True)
    declined = models.BooleanField(_("My request was declined"), default=True)
    running = models.BooleanField(_("My server is running"), default=True)
    failed = models.BooleanField(_("My server failed or was refused"), default=True)
    # xgettext:no-python-format
    budget = models.BooleanField(_("My team's spend reached 80% or 100% of its budget (team admins)"), default=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of {self.user}"
