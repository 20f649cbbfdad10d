"""The authentication backend of a single sign-on login: mozilla-django-oidc's code flow (state,
nonce, PKCE, the ID token's signature against the provider's JWKS), plus what it leaves to us: the
token's issuer and audience, the user matched by the provider's subject, and the teams from groups."""

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from devservers.models import SsoIdentity
from devservers.sso.config import provider_setting, sso_enabled
from devservers.sso.membership import groups_of, sync_teams

_NOT_IN_A_USERNAME = re.compile(r"[^\w.@+-]+")
_USERNAME_ROOM = 140  # Django's 150 less a suffix that makes it unique


def audiences(payload: dict[str, Any]) -> list[str]:
    audience = payload.get("aud")
    return [audience] if isinstance(audience, str) else [a for a in audience or [] if isinstance(a, str)]


class SsoBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(provider_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every login, passwords included; the provider's settings
        # (maybe its discovery document) are read only for a login through it, so a provider that is
        # down never stands between a break-glass admin and their password.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature and the nonce; the issuer and audience are checked here."""
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("The ID token is from another issuer.")
        if settings.OIDC_RP_CLIENT_ID not in audiences(payload):
            raise SuspiciousOperation("The ID token is for another client.")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> AbstractBaseUser | None:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        subject = payload.get("sub")
        if not isinstance(subject, str) or not subject or userinfo.get("sub") != subject:
            raise SuspiciousOperation("The userinfo answer is for another subject than the ID token.")
        claims = {**payload, **userinfo}
        user = self._linked_user(subject) or self._link(subject, claims)
        self.update_user(user, claims)
        if user.is_active:
            sync_teams(user, groups_of(claims, settings.OIDC_GROUPS_CLAIM))
        return user

    def _linked_user(self, subject: str) -> AbstractBaseUser | None:
        identity = (
            SsoIdentity.objects.select_related("user")
            .filter(issuer=settings.OIDC_OP_ISSUER, subject=subject)
            .first()
        )
        return identity.user if identity else None

    def _link(self, subject: str, claims: dict[str, Any]) -> AbstractBaseUser:
        """The first login of this subject: the one existing account with its verified email, else a
        new account. Staff accounts are never taken over: break-glass admins stay local."""
        try:
            with transaction.atomic():
                user = self._account_with_verified_email(claims) or self.create_user(claims)
                SsoIdentity.objects.create(user=user, issuer=settings.OIDC_OP_ISSUER, subject=subject)
        except IntegrityError:
            # The same subject's first login in another tab won the race; that link is the one.
            user = self._linked_user(subject)
            if user is None:
                raise SuspiciousOperation("The account could not be linked to the provider.") from None
        return user

    def _account_with_verified_email(self, claims: dict[str, Any]) -> AbstractBaseUser | None:
        email = claims.get("email")
        if claims.get("email_verified") is not True or not isinstance(email, str) or not email:
            return None
        candidates = list(
            self.UserModel.objects.filter(
                email__iexact=email, is_staff=False, is_superuser=False, sso_identity__isnull=True
            )[:2]
        )
        return candidates[0] if len(candidates) == 1 else None

    def create_user(self, claims: dict[str, Any]) -> AbstractBaseUser:
        email = claims.get("email") if isinstance(claims.get("email"), str) else ""
        return self.UserModel.objects.create_user(self.get_username(claims), email=email)

    def get_username(self, claims: dict[str, Any]) -> str:
        """The provider's preferred user name (else the email's local part), made free here."""
        email = claims.get("email") if isinstance(claims.get("email"), str) else ""
        wanted = claims.get("preferred_username") or email.partition("@")[0]
        base = _NOT_IN_A_USERNAME.sub("-", str(wanted or "user"))[:_USERNAME_ROOM].strip("-") or "user"
        candidate, number = base, 1
        while self.UserModel.objects.filter(username__iexact=candidate).exists():
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    def update_user(self, user: AbstractBaseUser, claims: dict[str, Any]) -> AbstractBaseUser:
        """Names and email follow the provider at each login."""
        fields = {
            "email": claims.get("email"),
            "first_name": claims.get("given_name"),
            "last_name": claims.get("family_name"),
        }
        changed = []
        for name, value in fields.items():
            limit = self.UserModel._meta.get_field(name).max_length
            if isinstance(value, str) and value[:limit] != getattr(user, name):
                setattr(user, name, value[:limit])
                changed.append(name)
        if changed:
            user.save(update_fields=changed)
        return user
