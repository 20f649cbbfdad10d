"""The message a change publishes, and the Redis channel that carries it to every web process.

A message names the rows a committed transaction touched, the live scopes each shows in, and what
kind of change it was; pages render what they show of those rows themselves, with their user's access.
"""

import json
import logging
from dataclasses import dataclass, field
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """Rows one write touched. `totals_may_change`: a status, a row added or removed (counts move).
    `serials`: the numbers this web process gave the messages it is made of, so two changes to the
    same rows are never taken for one (they are not sent over the wire)."""

    ids: frozenset[int]
    scopes: frozenset[str]
    created: frozenset[int] = field(default_factory=frozenset)
    deleted: frozenset[int] = field(default_factory=frozenset)
    totals_may_change: bool = False
    serials: frozenset[int] = field(default_factory=frozenset)

    def to_json(self) -> str:
        return json.dumps(
            {
                "ids": sorted(self.ids),
                "scopes": sorted(self.scopes),
                "created": sorted(self.created),
                "deleted": sorted(self.deleted),
                "totals": self.totals_may_change,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "Change":
        data = json.loads(text)
        return cls(
            ids=frozenset(int(pk) for pk in data["ids"]),
            scopes=frozenset(str(scope) for scope in data["scopes"]),
            created=frozenset(int(pk) for pk in data["created"]),
            deleted=frozenset(int(pk) for pk in data["deleted"]),
            totals_may_change=bool(data["totals"]),
        )


def merged(changes: list[Change]) -> Change:
    """Several changes as one, so a burst is rendered once."""
    return Change(
        ids=frozenset().union(*(change.ids for change in changes)),
        scopes=frozenset().union(*(change.scopes for change in changes)),
        created=frozenset().union(*(change.created for change in changes)),
        deleted=frozenset().union(*(change.deleted for change in changes)),
        totals_may_change=any(change.totals_may_change for change in changes),
        serials=frozenset().union(*(change.serials for change in changes)),
    )


def channel_name() -> str:
    """Pub/sub ignores Redis's database number, so the channel carries it (and the cache prefix): sites
    or test runs sharing one Redis server never hear each other's rows."""
    database = redis.connection.parse_url(settings.REDIS_URL).get("db", 0)
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{database}:live-push"


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def publish(change: Change) -> None:
    """Tell every web process. Redis not answering loses only the push: the pages' polls catch up."""
    try:
        _client().publish(channel_name(), change.to_json())
    except redis.RedisError as error:
        logger.warning("live push not published (%s): the pages' fallback polls will show it", error)
