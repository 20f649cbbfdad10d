"""The streams' endpoints: the instance list's (with the page's own filters), a detail page's and the
review page's. Each checks the session and access like the page itself, then streams.

The views are synchronous (Django runs them in a thread under ASGI, and they work under WSGI, where
they only say there is no stream); the response's body is the asynchronous stream, which Django
serves on the event loop."""

from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from devservers.push import fragments, stream


def _stream(request: HttpRequest, kind: str, devserver_id: int | None = None) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    is_asgi = isinstance(request, ASGIRequest)
    try:
        page = fragments.page_for(request, kind, devserver_id)
    except Http404:
        return HttpResponse(status=404)
    finally:
        if is_asgi:
            # This request's thread idles while the stream is open (the renders run in the event
            # loop's shared threads): it must not hold a database connection all that time.
            connections.close_all()
    if not is_asgi:
        # A WSGI server (runserver, the tests' live server) cannot hold a stream open: the page polls.
        return HttpResponse(status=204)
    response = StreamingHttpResponse(stream.changes(page), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass each event on at once
    return response


@require_GET
def list_stream(request: HttpRequest) -> HttpResponse:
    return _stream(request, "list")


@require_GET
def detail_stream(request: HttpRequest, devserver_id: int) -> HttpResponse:
    return _stream(request, "detail", devserver_id)


@require_GET
def review_stream(request: HttpRequest) -> HttpResponse:
    return _stream(request, "review")
