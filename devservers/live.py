"""Change counters for live pages.

Every write that changes what a page shows bumps a counter in Redis after its
transaction commits. A page is rendered with a token naming the scopes it watches and
their versions, signed so it cannot be forged; while every version still matches, the
page's poll is answered without touching the database.
"""

import hmac
import logging

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from redis import RedisError

from devservers.models import DevServer

logger = logging.getLogger(__name__)

_VERSION_TTL_SECONDS = 7 * 24 * 3600
_TOKEN_SALT = "devservers.live.view_token"


def _version_key(scope: str) -> str:
    return f"live:{scope}"


def owner_scope(user_id: int) -> str:
    return f"owner:{user_id}"


def team_scope(team_id: int) -> str:
    return f"team:{team_id}"


def devserver_scope(devserver_id: int) -> str:
    return f"devserver:{devserver_id}"


def scopes_of(devserver: DevServer) -> list[str]:
    """Every page a change to this row shows on: its own, its owner's list, its team's, the superusers'."""
    return scopes_for(devserver.pk, owner_id=devserver.owner_id, team_id=devserver.team_id)


def scopes_for(devserver_id: int, *, owner_id: int | None, team_id: int | None) -> list[str]:
    """`scopes_of` from the row's ids alone (a queryset update has no instances)."""
    scopes = [devserver_scope(devserver_id), "all"]
    if owner_id is not None:
        scopes.append(owner_scope(owner_id))
    if team_id is not None:
        scopes.append(team_scope(team_id))
    return scopes


def current_versions(scopes: list[str]) -> list[int]:
    found = cache.get_many([_version_key(scope) for scope in scopes])
    return [int(found.get(_version_key(scope)) or 0) for scope in scopes]


def _bump_now(scopes: list[str]) -> None:
    try:
        for scope in scopes:
            key = _version_key(scope)
            # add() is a no-op when the key exists; incr() is atomic in Redis.
            cache.add(key, 0, timeout=_VERSION_TTL_SECONDS)
            cache.incr(key)
    except RedisError as error:
        # The change is committed; a worker's flow must go on. Pages are down with Redis, and a
        # restarted Redis starts every version again, so open pages render afresh anyway.
        logger.warning("Live counters not bumped, Redis unavailable: %s", type(error).__name__)


def bump_after_commit(scopes: list[str]) -> None:
    transaction.on_commit(lambda: _bump_now(scopes))


def _signature(user_id: int, body: str) -> str:
    # Salted, so this signature can never stand in for one made with SECRET_KEY for another purpose.
    return salted_hmac(_TOKEN_SALT, f"{user_id}|{body}", algorithm="sha256").hexdigest()[:32]


def view_token(*, user_id: int, scopes: list[str]) -> str:
    """Read the versions before the data, so a change in between shows up at the next poll."""
    versions = ",".join(str(version) for version in current_versions(scopes))
    body = f"{','.join(scopes)};{versions}"
    return f"{body};{_signature(user_id, body)}"


def token_is_current(*, user_id: int, token: str) -> bool:
    body, _, signature = token.rpartition(";")
    if not body or not hmac.compare_digest(_signature(user_id, body), signature):
        return False
    scopes_text, _, versions_text = body.partition(";")
    scopes = scopes_text.split(",")
    return versions_text == ",".join(str(version) for version in current_versions(scopes))


def poll_unchanged(request: HttpRequest) -> bool:
    """A poll whose token still matches: answerable from the Redis session and counters, with no SQL.

    The user id comes from the session itself, not from request.user, which would load the user.
    """
    token = request.GET.get("v", "")
    user_id = request.session.get(SESSION_KEY)
    return bool(token) and user_id is not None and token_is_current(user_id=int(user_id), token=token)
