"""Site-wide plumbing around every view: session time limits, private caching, and a 503 page when
Redis does not answer."""

import logging
import time
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect
from kombu.exceptions import OperationalError as BrokerUnavailable

from dashboard.sessions import REDIS_DOWN

logger = logging.getLogger(__name__)

SESSION_STARTED = "session_started_at"
SESSION_SEEN = "session_seen_at"
# The last-seen time is written at most this often, so an active user's pages cost no session write.
SEEN_RESOLUTION_SECONDS = 60
RETRY_AFTER_SECONDS = 30

Handler = Callable[[HttpRequest], HttpResponse]


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response = render(request, "unavailable.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _is_logged_in(request: HttpRequest) -> bool:
    # From the session, not request.user, which would cost a query on every poll.
    return SESSION_KEY in request.session


def _is_background_poll(request: HttpRequest) -> bool:
    """A live page's poll (htmx, carrying its live token `v`) or its stream: the page asks, not the person."""
    is_poll = request.headers.get("HX-Request") == "true" and "v" in request.GET
    return is_poll or request.headers.get("Accept") == "text/event-stream"


def _why_ended(request: HttpRequest, now: float) -> str:
    started = request.session.get(SESSION_STARTED)
    seen = request.session.get(SESSION_SEEN)
    lifetime = settings.SESSION_MAX_AGE.total_seconds()
    idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    if started is not None and now - started > lifetime:
        return _("Your session ended: sessions last at most %(time)s. Please log in again.") % {
            "time": _hours_or_minutes(lifetime)
        }
    if seen is not None and now - seen > idle_limit:
        return _("You were logged out after %(time)s without activity. Please log in again.") % {
            "time": _hours_or_minutes(idle_limit)
        }
    return ""


def _hours_or_minutes(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = round(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _stamp(request: HttpRequest, now: float) -> None:
    session = request.session
    session.setdefault(SESSION_STARTED, now)
    seen = session.get(SESSION_SEEN)
    if not _is_background_poll(request) and (seen is None or now - seen >= SEEN_RESOLUTION_SECONDS):
        session[SESSION_SEEN] = now


def _login_redirect_for_htmx(request: HttpRequest, response: HttpResponse) -> HttpResponse | None:
    """htmx follows a redirect inside the page; a fragment asked for after the session ended would
    swap the login form into a table. Send the whole page to the login form instead."""
    if not request.headers.get("HX-Request") or response.status_code not in (301, 302):
        return None
    login_path = resolve_url(settings.LOGIN_URL)
    if urlsplit(response.get("Location", "")).path != login_path:
        return None
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back_to = page.path + (f"?{page.query}" if page.query else "")
    return HttpResponseClientRedirect(f"{login_path}?next={quote(back_to)}" if page.path else login_path)


class SessionTimeoutMiddleware:
    """Ends a session idle longer than SESSION_IDLE_TIMEOUT, or older than SESSION_MAX_AGE, and says so
    on the login page. A live page's polls are not activity: an open tab alone keeps nobody logged in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        why = _why_ended(request, now) if _is_logged_in(request) else ""
        if why:
            try:
                logout(request)
            except REDIS_DOWN:
                return unavailable_response(request)
            messages.info(request, why)
        response = self.get_response(request)
        if _is_logged_in(request):
            _stamp(request, now)
        return _login_redirect_for_htmx(request, response) or response


class PrivateCacheMiddleware:
    """A logged-in page is for its user only: no shared cache keeps it, and no browser stores it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_logged_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ServiceUnavailableMiddleware:
    """Redis (cache, live counters, Celery's broker) not answering is an outage to wait out, not a bug:
    a 503 page with a way back, never a 500. Sessions are kept in the database meanwhile."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (*REDIS_DOWN, BrokerUnavailable)):
            return None
        logger.warning("Redis is not answering (%s): %s answered 503", type(exception).__name__, request.path)
        return unavailable_response(request)
