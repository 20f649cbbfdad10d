"""The REST API's own rows: personal access tokens (stored hashed) and idempotency keys of create requests."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A personal access token. Only the SHA-256 of the secret is kept; the user sees the secret once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    # The secret is 256 random bits, so a fast hash is enough: nothing to brute-force.
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown beside the name so the user can tell tokens apart.
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """A create request's `Idempotency-Key` header: the same key twice from one user gives the same rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    devserver_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
