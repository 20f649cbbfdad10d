"""The link between a dashboard user and their identity at the single sign-on provider."""

from django.conf import settings
from django.db import models


class SsoIdentity(models.Model):
    """A provider's user (`issuer`, `subject`) is this dashboard user; matched on every SSO login, so
    a changed email or user name at the provider never hands the account to someone else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_sso_subject")]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
