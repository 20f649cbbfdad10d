"""Which emails a user wants: one switch per kind of notice, all on until the user turns one off."""

from django.conf import settings
from django.db import models


class NotificationSettings(models.Model):
    """A user's email switches; a user without a row gets every kind (the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    approval_waiting = models.BooleanField("A request of my team awaits my approval", default=True)
    approved = models.BooleanField("My request was approved", default=True)
    declined = models.BooleanField("My request was declined", default=True)
    running = models.BooleanField("My server is running", default=True)
    failed = models.BooleanField("My server failed or was refused", default=True)
    budget = models.BooleanField("My team's spend reached 80% or 100% of its budget (team admins)", default=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of {self.user}"
