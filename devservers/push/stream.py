"""A page's server-sent event stream: `ready` once its subscription is live, then one `change` event
per change (a burst that arrives while one renders is rendered once), comments to keep the connection
alive, and an end after a while so each stream's access and session are checked again on reconnect."""

import asyncio
from collections.abc import AsyncIterator, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from redis import RedisError

from devservers.push.channel import Change, merged
from devservers.push.hub import ENDED, hub

HEARTBEAT_SECONDS = 15
RECONNECT_MILLISECONDS = 1000

Render = Callable[[Change], str]  # a page's fragment for a change ("" when nothing it shows changed)


def event(name: str, data: str) -> bytes:
    lines = data.splitlines() or [""]
    return (f"event: {name}\n" + "".join(f"data: {line}\n" for line in lines) + "\n").encode()


def _drain(queue: asyncio.Queue, first: Change) -> tuple[Change, bool]:
    """The first change and every one already waiting, as one; whether the stream was ended meanwhile."""
    waiting = [first]
    while not queue.empty():
        item = queue.get_nowait()
        if item is ENDED:
            return merged(waiting), True
        waiting.append(item)
    return merged(waiting), False


async def changes(scopes: list[str], render: Render) -> AsyncIterator[bytes]:
    try:
        async with hub().subscription(scopes) as queue:
            async for chunk in _events(queue, render):
                yield chunk
    except RedisError:
        return  # Redis is gone: the stream ends, the page polls meanwhile and reconnects


async def _events(queue: asyncio.Queue, render: Render) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.DEVSERVER_LIVE_STREAM_SECONDS
    # Rendering reads the database in the loop's shared threads: a handful of connections serve every stream.
    render_async = sync_to_async(render, thread_sensitive=False)
    yield f"retry: {RECONNECT_MILLISECONDS}\n".encode() + event("ready", "")
    while (left := ends_at - loop.time()) > 0:
        try:
            item = await asyncio.wait_for(queue.get(), timeout=min(HEARTBEAT_SECONDS, left))
        except TimeoutError:
            yield b": alive\n\n"
            continue
        if item is ENDED:
            return
        change, ended = _drain(queue, item)
        fragment = await render_async(change)
        if fragment:
            yield event("change", fragment)
        if ended:
            return
