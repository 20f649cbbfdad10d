"""The single sign-on pages: the way out to the provider, the way back, and the page of a user whom
no team's group matched, naming whom to ask."""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from devservers.models import Membership
from devservers.sso.config import ProviderUnavailable, provider_setting, sso_enabled

logger = logging.getLogger(__name__)

# What a provider, a forged callback or a network can throw at the flow: a refusal, never a 500.
REFUSALS = (
    SuspiciousOperation,
    jwt.PyJWTError,
    requests.RequestException,
    ProviderUnavailable,
    ValueError,  # an answer that is not JSON
    KeyError,  # JSON without the keys the library reads
)
FAILED = gettext_lazy(
    "Single sign-on did not complete. Please try again; if it keeps failing, ask a site administrator."
)


def _refused(request: HttpRequest, error: Exception) -> HttpResponse:
    # The type and message only: the library's errors carry no client secret, and no token is logged.
    logger.warning("Single sign-on refused: %s: %s", type(error).__name__, error)
    messages.error(request, FAILED)
    return redirect(settings.LOGIN_URL)


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(provider_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the provider's endpoint here; we read it in `get`, where a failure is caught.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as error:
            return _refused(request, error)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: the library checks state, nonce and the token; a refusal goes
    back to the login page with a message."""

    get_settings = staticmethod(provider_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except REFUSALS as error:
            return _refused(request, error)

    def login_failure(self) -> HttpResponse:
        messages.error(self.request, FAILED)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))

    @property
    def success_url(self) -> str:
        if not Membership.objects.filter(user=self.user).exists():
            return reverse("sso:no-team")
        # Checked by url_has_allowed_host_and_scheme when the login started; a path only, as safe_next.
        next_url = self.request.session.get("oidc_login_next") or ""
        return next_url if next_url.startswith("/") else resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def no_team(request: HttpRequest) -> HttpResponse:
    """Signed in, but no team's single sign-on group matched: whom to ask to be added."""
    team_admins = (
        Membership.objects.filter(role=Membership.Role.ADMIN, user__is_active=True)
        .select_related("team", "user")
        .order_by("team__name", "user__username")
    )
    site_admins = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("username")
    context = {
        "team_admins": team_admins,
        "site_admins": site_admins,
        "has_team": Membership.objects.filter(user=request.user).exists(),
    }
    return render(request, "devservers/sso_no_team.html", context)
