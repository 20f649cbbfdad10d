"""Where a form's POST may send the browser back to: Django's own check, never a hand-made one."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest) -> str:
    """The posted `next` (a GET's, for a page such as a confirmation) if it is a path on this site, else ''.

    Only an absolute path is taken (a bare word would be read as a URL name by `redirect`), and
    Django's check refuses the tricks a hand-made one misses, such as `//evil.com` and `/\\evil.com`.
    """
    target = (request.POST if request.method == "POST" else request.GET).get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target.startswith("/") and allowed else ""
