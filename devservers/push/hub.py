"""One Redis subscription per web process, fanned out to the streams open in it.

Each stream registers the live scopes its page watches and gets an asyncio queue; a published change
goes to every stream that watches one of its scopes, and costs the others nothing. When Redis drops
the subscription, every stream is ended (its page falls back to polling and reconnects). Streams of one
audience (a user's tabs on the same page) share one render of each change (`SharedRenders`).
"""

import asyncio
import dataclasses
import itertools
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from django.conf import settings
from redis import RedisError

from devservers.push.channel import Change, channel_name

logger = logging.getLogger(__name__)

ENDED = None  # put on a stream's queue when its subscription is gone
StreamQueue = asyncio.Queue  # of Change, or ENDED
# How long a finished render waits for the streams of its audience that have not asked for it yet
# (each is woken by the same change; a slow one may come later). Serials keep a later change apart.
SHARED_RENDER_SECONDS = 5.0


class SharedRenders:
    """One render per audience and change: the first stream to ask starts it, the others await it."""

    def __init__(self) -> None:
        self._renders: dict[Hashable, asyncio.Future[str]] = {}

    async def render(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        shared = self._renders.get(key)
        if shared is None:
            shared = asyncio.ensure_future(render())
            self._renders[key] = shared
            loop = asyncio.get_running_loop()
            shared.add_done_callback(
                lambda _done: loop.call_later(SHARED_RENDER_SECONDS, self._renders.pop, key, None)
            )
        # A stream whose page closed is cancelled; the render goes on for the others.
        return await asyncio.shield(shared)


class Hub:
    def __init__(self) -> None:
        self._by_scope: dict[str, set[StreamQueue]] = defaultdict(set)
        self._reader: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        self._alive = False
        self._serials = itertools.count(1)
        self.renders = SharedRenders()

    @property
    def stream_count(self) -> int:
        return len({queue for queues in self._by_scope.values() for queue in queues})

    async def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._subscribed.clear()
            self._reader = asyncio.get_running_loop().create_task(self._read())
        await self._subscribed.wait()

    async def _read(self) -> None:
        # Pings while idle, so a Redis that vanished without a word ends the subscription, not silence.
        connection = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=30
        )
        try:
            async with connection.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel_name())
                self._alive = True
                self._subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._deliver(Change.from_json(message["data"]))
        except (RedisError, OSError) as error:
            logger.warning(
                "live push: the Redis subscription dropped (%s); open pages fall back to polling", error
            )
        finally:
            self._alive = False
            self._subscribed.set()  # nobody waits forever on a subscription that failed
            self._end_all()
            await connection.aclose()

    def _deliver(self, change: Change) -> None:
        change = dataclasses.replace(change, serials=frozenset({next(self._serials)}))
        for queue in {queue for scope in change.scopes for queue in self._by_scope.get(scope, ())}:
            queue.put_nowait(change)

    def _end_all(self) -> None:
        for queue in {queue for queues in self._by_scope.values() for queue in queues}:
            queue.put_nowait(ENDED)
        self._by_scope.clear()

    async def start(self) -> None:
        """Subscribe this process, if it is not yet; RedisError when Redis does not answer."""
        await self._ensure_reader()
        if not self._alive:
            raise RedisError("the live push subscription is down")

    @asynccontextmanager
    async def subscription(self, scopes: list[str]) -> AsyncIterator[StreamQueue]:
        """A queue of the changes to `scopes`, live from the moment this returns."""
        await self.start()
        queue: StreamQueue = asyncio.Queue()
        for scope in scopes:
            self._by_scope[scope].add(queue)
        try:
            yield queue
        finally:
            for scope in scopes:
                self._by_scope[scope].discard(queue)
                if not self._by_scope[scope]:
                    del self._by_scope[scope]


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """This event loop's hub (one per web process under uvicorn)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
