"""A rate limit per token: a counter per token and minute in Redis (through Django's cache).

When Redis does not answer, calls are let through: an outage of the counter must not stop every
script, and the rest of the API answers 503 on its own where it needs Redis.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimited(Exception):
    retry_after: int


def check_rate(token_id: int, *, now: float | None = None) -> None:
    """Count one call of the token; RateLimited when it is over the limit of this minute."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{token_id}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        calls = cache.incr(key)
    except (RedisError, ValueError) as error:
        # ValueError: the key expired between add and incr; the next call starts a new count.
        logger.warning("API rate limit not counted (%s): the call is let through", type(error).__name__)
        return
    if calls > settings.API_RATE_LIMIT_PER_MINUTE:
        raise RateLimited(retry_after=max(1, (window + 1) * WINDOW_SECONDS - int(now)))
