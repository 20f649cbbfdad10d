"""django-axes's hooks: the client's address behind the proxies we trust, and the lockout page."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince


def client_ip(request: HttpRequest) -> str:
    """The address the nearest untrusted hop connected from: each trusted proxy appends one to
    X-Forwarded-For, so the client's is that many from the right; anything left of it may be forged."""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
    ]
    if trusted and len(forwarded) >= trusted:
        return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The login page again, saying that logging in is locked and for how long; 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    context = {
        "form": AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")}),
        "next": request.POST.get("next", request.GET.get("next", "")),
        "locked_out": True,
        "lockout_for": timesince(now - cool_off, now) if cool_off else "",
    }
    return render(request, "registration/login.html", context, status=429)
