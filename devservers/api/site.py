"""The NinjaAPI object of /api/v1/: its routers, who may call, and how errors answer (always JSON)."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable
from ninja import NinjaAPI
from ninja.errors import ValidationError
from redis.exceptions import RedisError

from devservers.api import approvals, catalogue, instances
from devservers.api.auth import API_AUTH
from devservers.api.errors import CATALOG_RETRY_AFTER_SECONDS, Refused, ask_for_the_catalog
from devservers.api.ratelimit import RateLimited
from devservers.catalog import CatalogNotReady

logger = logging.getLogger(__name__)

REDIS_RETRY_AFTER_SECONDS = 30


class PrivateNinjaAPI(NinjaAPI):
    """Every answer is one user's: no shared cache keeps it (the pages get the same from a middleware,
    which reads the session a token call does not have)."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        patch_cache_control(response, private=True, no_store=True)
        return response


api = PrivateNinjaAPI(
    title="DevServer Dashboard API",
    version="1",
    description=(
        "Ask for ModelArts DevServers, follow them, act on them and decide on requests, with the rules of the"
        " pages. Authenticate with `Authorization: Bearer <personal access token>` (made on the API tokens"
        " page), or the browser's session with its CSRF token."
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    openapi_url="/schema",
    docs_url="/docs",
)
api.add_router("", instances.router)
api.add_router("", approvals.router)
api.add_router("", catalogue.router)


def _answer(request: HttpRequest, body: dict, *, status: int, retry_after: int | None = None) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(Refused)
def on_refused(request: HttpRequest, error: Refused) -> HttpResponse:
    return _answer(request, {"errors": error.errors}, status=error.status)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A body or parameter of the wrong type, in the form's shape: the field it concerns and why."""
    errors: dict[str, list[str]] = {}
    for problem in error.errors:
        names = [
            str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path", "header")
        ]
        errors.setdefault(names[-1] if names else "__all__", []).append(problem.get("msg") or _("Invalid."))
    return _answer(request, {"errors": errors}, status=422)


@api.exception_handler(CatalogNotReady)
def on_catalog_not_ready(request: HttpRequest, error: CatalogNotReady) -> HttpResponse:
    ask_for_the_catalog(error.account_id)
    body = {"detail": _("The account's choices (flavors, images, networks) are loading; try again shortly.")}
    return _answer(request, body, status=503, retry_after=CATALOG_RETRY_AFTER_SECONDS)


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    body = {"detail": _("Too many calls with this token; try again in %(seconds)s s.") % {"seconds": error.retry_after}}
    return _answer(request, body, status=429, retry_after=error.retry_after)


@api.exception_handler(RedisError)
@api.exception_handler(BrokerUnavailable)
def on_redis_down(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.warning("Redis is not answering (%s): %s answered 503", type(error).__name__, request.path)
    body = {"detail": _("The dashboard's queue and cache are not answering; nothing was changed. Try again.")}
    return _answer(request, body, status=503, retry_after=REDIS_RETRY_AFTER_SECONDS)
