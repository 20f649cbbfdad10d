"""Personal access tokens: issued once in clear, kept as a SHA-256 digest, revoked, audited."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from devservers.history import audit
from devservers.models import ApiToken

TOKEN_PREFIX = "dsd_"
EXPIRY_DAYS_CHOICES = (7, 30, 90, 365)
# Writing the last use on every call would cost a write per request; once a minute is enough to see it.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(*, user: AbstractBaseUser, name: str, expires_at: datetime) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never stored and cannot be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, token_hash=digest(secret), prefix=secret[:10], expires_at=expires_at
    )
    audit(
        actor=user,
        action="token_create",
        outcome="created",
        detail=f"{name} ({token.prefix}…), expires {expires_at:%Y-%m-%d}",
    )
    return token, secret


def revoke_token(*, user: AbstractBaseUser, token_id: int) -> bool:
    """False when the user holds no such live token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        token = ApiToken.objects.get(pk=token_id)
        audit(actor=user, action="token_revoke", outcome="revoked", detail=f"{token.name} ({token.prefix}…)")
    return bool(revoked)


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token of an active user with this secret, else None (unknown, expired, revoked)."""
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(token_hash=digest(secret)).first()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
