"""A page's server-sent event stream: `ready` once its subscription is live, then one `change` event
per change (a burst that arrives while one renders is rendered once), comments to keep the connection
alive, and an end after a while so each stream's access and session are checked again on reconnect.

A change is rendered once per audience, not once per open page: the pages of one user, kind, query and
language show the same fragment but for their CSRF token, so the render carries `CSRF_STAND_IN` and
each stream puts its own token in its place."""

import asyncio
import functools
import secrets
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from redis import RedisError

from devservers.push.channel import Change, merged
from devservers.push.hub import ENDED, hub

HEARTBEAT_SECONDS = 15
RECONNECT_MILLISECONDS = 1000
# Unguessable, so no text a user typed can be taken for it.
CSRF_STAND_IN = f"csrf-stand-in-{secrets.token_hex(16)}"

Render = Callable[[Change], str]  # a page's fragment for a change ("" when nothing it shows changed)


@dataclass(frozen=True)
class PushPage:
    """An open page as its stream knows it: the scopes it watches, how it renders a change (with
    `CSRF_STAND_IN` for the token), the `audience` whose pages all get that same render (everything
    the render depends on besides the change), and its own CSRF token."""

    scopes: list[str]
    render: Render
    audience: Hashable
    csrf_token: Callable[[], str]

    def personal(self, fragment: str) -> str:
        return fragment.replace(CSRF_STAND_IN, self.csrf_token()) if CSRF_STAND_IN in fragment else fragment


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


async def changes(page: PushPage) -> AsyncIterator[bytes]:
    try:
        async with hub().subscription(page.scopes) as queue:
            async for chunk in _events(queue, page):
                yield chunk
    except RedisError:
        return  # Redis is gone: the stream ends, the page polls meanwhile and reconnects


async def _events(queue: asyncio.Queue, page: PushPage) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.DEVSERVER_LIVE_STREAM_SECONDS
    # Rendering reads the database in the loop's shared threads: a handful of connections serve every stream.
    render_async = sync_to_async(page.render, thread_sensitive=False)
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
        fragment = await hub().renders.render(
            (page.audience, change), functools.partial(render_async, change)
        )
        if fragment:
            yield event("change", page.personal(fragment))
        if ended:
            return
