"""Change counters for live pages.

Every write that changes what a page shows bumps a counter in Redis after its
transaction commits. A page's poll carries the token it was rendered with; while
the token still matches, the poll is answered without touching the database.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_VERSION_TTL_SECONDS = 7 * 24 * 3600


def _version_key(scope: str) -> str:
    return f"live:{scope}"


def owner_scope(user_id: int) -> str:
    return f"owner:{user_id}"


def devserver_scope(devserver_id: int) -> str:
    return f"devserver:{devserver_id}"


def current_version(scope: str) -> int:
    return int(cache.get(_version_key(scope)) or 0)


def _bump_now(scopes: list[str]) -> None:
    for scope in scopes:
        key = _version_key(scope)
        # add() is a no-op when the key exists; incr() is atomic in Redis.
        cache.add(key, 0, timeout=_VERSION_TTL_SECONDS)
        cache.incr(key)


def bump_after_commit(scopes: list[str]) -> None:
    transaction.on_commit(lambda: _bump_now(scopes))


def view_token(*, user_id: int, scope: str, version: int) -> str:
    """A token only the server can make, so a matching poll proves this user saw this version."""
    message = f"{user_id}:{scope}:{version}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{version}.{digest}"


def token_is_current(*, user_id: int, scope: str, token: str) -> bool:
    expected = view_token(user_id=user_id, scope=scope, version=current_version(scope))
    return hmac.compare_digest(expected, token)
