"""Sessions read from Redis and kept in the database, that keep working while Redis is down.

Django's `cached_db` store already keeps every session in the database; this one also survives
Redis errors where `cached_db` would raise them (caching a session loaded from the database, asking
whether a new key is free). While Redis is down, a session is read from the database; once Redis is
back, from Redis again, so a live-update poll costs no SQL.

Ending a session (logout) is the exception: it fails while Redis is down rather than leave a copy of
the session in Redis to come back with it.
"""

import logging

from django.contrib.sessions.backends import cached_db, db
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except REDIS_DOWN:
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except REDIS_DOWN:
            logger.warning("Redis is not answering; session read from the database")
        return data

    def exists(self, session_key: str | None) -> bool:
        try:
            return super().exists(session_key)
        except REDIS_DOWN:
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        """A key given up for a new one (login's cycle_key): its data lives on under the new key."""
        session_key = session_key or self.session_key
        if session_key is None:
            return
        db.SessionStore.delete(self, session_key)
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except REDIS_DOWN:
            logger.warning("Redis is not answering; a replaced session key stays cached until it expires")

    def flush(self) -> None:
        """This session ends (logout): Redis first, so while it is down the session stays whole, not half gone."""
        if self.session_key is not None:
            self._cache.delete(self.cache_key_prefix + self.session_key)  # raises before anything changed
            db.SessionStore.delete(self, self.session_key)
        self.clear()
        self._session_key = None
