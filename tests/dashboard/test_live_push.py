"""Pushed live updates below the browser: every way a DevServer row is written publishes one change on
the Redis channel after its transaction commits (and none when it rolls back), and what a stream sends
a page holds only the touched rows its user may see. The browser side is tests/browser/test_live_push.py."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from devservers import history, live
from devservers.models import AWAITING_APPROVAL, DevServer
from devservers.push import fragments, stream
from devservers.push.channel import Change, channel_name, publish
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db(transaction=True)


class Listener:
    def __init__(self) -> None:
        self.pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub()
        self.pubsub.subscribe(channel_name())
        confirmed = self.pubsub.get_message(timeout=5)  # the subscription is live from here
        assert confirmed and confirmed["type"] == "subscribe", confirmed

    def changes(self, *, wait: float = 1.0) -> list[Change]:
        """Every change published so far (waiting up to `wait` for the first)."""
        found = []
        message = self.pubsub.get_message(timeout=wait)
        while message is not None:
            found.append(Change.from_json(message["data"]))
            message = self.pubsub.get_message(timeout=0.05)
        return found


@pytest.fixture
def listener() -> Iterator[Listener]:
    subscribed = Listener()
    yield subscribed
    subscribed.pubsub.close()


def test_save_update_and_delete_each_publish_the_rows_with_their_scopes(listener, owner, account, team):
    row = make_devserver(owner, account, team=team, name="pub-box", status="CREATING")
    [created] = listener.changes()
    assert created.ids == {row.pk} and created.created == {row.pk} and created.totals_may_change
    assert created.scopes == set(live.scopes_of(row))

    DevServer.objects.filter(pk=row.pk).update(private_ip="10.0.0.9")  # as a management command would
    [updated] = listener.changes()
    assert updated.ids == {row.pk} and not updated.created and not updated.totals_may_change

    DevServer.objects.filter(pk=row.pk).update(status="RUNNING")
    [status_update] = listener.changes()
    assert status_update.totals_may_change

    DevServer.objects.get(pk=row.pk).delete()
    [deleted] = listener.changes()
    assert deleted.deleted == {row.pk} and deleted.totals_may_change


def test_a_queryset_update_that_moves_rows_to_another_owner_reaches_both_owners(
    listener, owner, teammate, account
):
    row = make_devserver(owner, account, name="moving-box")
    listener.changes()
    DevServer.objects.filter(pk=row.pk).update(owner=teammate)
    [moved] = listener.changes()
    assert {live.owner_scope(owner.pk), live.owner_scope(teammate.pk)} <= moved.scopes


def test_nothing_is_published_before_the_commit_nor_after_a_rollback(listener, owner, account):
    row = make_devserver(owner, account, name="tx-box", status="CREATING")
    listener.changes()
    with pytest.raises(RuntimeError), transaction.atomic():
        history.set_status(DevServer.objects.get(pk=row.pk), "RUNNING")
        assert listener.changes(wait=0.3) == []  # inside the transaction: nothing yet
        raise RuntimeError("roll back")
    assert listener.changes(wait=0.3) == []
    with transaction.atomic():
        history.set_status(DevServer.objects.get(pk=row.pk), "RUNNING")
    assert [change.ids for change in listener.changes()] == [{row.pk}]


def test_a_queryset_update_bumps_the_counters_the_fallback_poll_reads(owner, account):
    row = make_devserver(owner, account, name="counted-box", status="CREATING")
    scopes = [live.devserver_scope(row.pk), live.owner_scope(owner.pk), "all"]
    before = live.current_versions(scopes)
    DevServer.objects.filter(pk=row.pk).update(status="RUNNING")
    after = live.current_versions(scopes)
    assert all(now > then for now, then in zip(after, before, strict=True))


def _render_list(user: User, change: Change, query: str = "") -> str:
    request = RequestFactory().get(f"/devservers/live/list/{query}")
    request.user = user
    return fragments.list_page(request).render(change)


def test_the_list_stream_sends_only_the_touched_rows_its_user_may_see(
    owner, teammate, outsider, account, team
):
    teams_row = make_devserver(teammate, account, team=team, name="team-box")
    own_row = make_devserver(outsider, account, name="own-box")
    untouched = make_devserver(outsider, account, name="untouched-box")
    change = Change(ids=frozenset({teams_row.pk, own_row.pk}), scopes=frozenset({"all"}))

    sent_to_outsider = _render_list(outsider, change)
    assert f'id="devserver-{own_row.pk}" data-status' in sent_to_outsider
    assert "team-box" not in sent_to_outsider  # not the outsider's to see: at most a delete by id
    assert f"devserver-{untouched.pk}" not in sent_to_outsider
    assert 'id="totals"' not in sent_to_outsider  # no status moved

    sent_to_member = _render_list(owner, change)
    assert "team-box" in sent_to_member and "own-box" not in sent_to_member
    filtered = _render_list(owner, change, "?q=nothing-matches")
    assert "team-box" not in filtered and f'id="devserver-{teams_row.pk}" hx-swap-oob="delete"' in filtered


def test_a_new_row_goes_on_top_of_the_first_page_only(owner, account):
    row = make_devserver(owner, account, name="new-box")
    change = Change(
        ids=frozenset({row.pk}),
        scopes=frozenset({"all"}),
        created=frozenset({row.pk}),
        totals_may_change=True,
    )
    assert 'hx-swap-oob="afterbegin:#devserver-rows tbody"' in _render_list(owner, change)
    on_an_older_page = _render_list(owner, change, f"?after={row.pk + 100}")
    assert "afterbegin" not in on_an_older_page and 'id="totals"' in on_an_older_page


def _render_review(user: User, change: Change, query: str = "") -> str:
    request = RequestFactory().get(f"/devservers/live/review/{query}")
    request.user = user
    return fragments.review_page(request).render(change)


def test_a_request_asked_while_the_review_is_open_reaches_its_queue(owner, teammate, account, team):
    """The queue and the alerts come along when counts may move (a request asked, decided or gone),
    out of band by their sections' ids; a change that moves no count leaves them as they are."""
    waiting = make_devserver(owner, account, team=team, name="asked-now", status=AWAITING_APPROVAL)
    asked = Change(
        ids=frozenset({waiting.pk}),
        scopes=frozenset({"all"}),
        created=frozenset({waiting.pk}),
        totals_may_change=True,
    )

    sent = _render_review(teammate, asked, "?status=RUNNING")
    queue = sent.split('<section id="pending-queue"')[1].split("</section>")[0]
    assert 'hx-swap-oob="true"' in queue and "asked-now" in queue and 'id="reason-' in queue
    assert '<section id="review-alerts"' in sent
    assert f'id="review-row-{waiting.pk}" hx-swap-oob="delete"' in sent  # not a RUNNING row: off this page

    renamed = Change(ids=frozenset({waiting.pk}), scopes=frozenset({"all"}))
    assert "pending-queue" not in _render_review(teammate, renamed)


def test_a_pushed_changing_row_keeps_its_progress_note(owner, teammate, account, team):
    row = make_devserver(owner, account, team=team, name="coming-up", status="QUEUED")
    history.set_status(row, "CREATING")
    change = Change(ids=frozenset({row.pk}), scopes=frozenset({"all"}), totals_may_change=True)

    for sent in (_render_list(owner, change), _render_review(teammate, change)):
        assert 'data-testid="progress"' in sent and "Usually takes" in sent


def test_the_stream_answers_no_content_under_wsgi_and_pages_there_carry_no_stream(owner, account):
    make_devserver(owner, account, name="wsgi-box")
    client = logged_in(owner)
    assert client.get(reverse("devservers:live-list")).status_code == 204
    page = client.get(reverse("devservers:list")).content.decode()
    assert "sse-connect" not in page and 'id="live-status"' in page and "data-live-poll" in page


def _posted_back_to(html: str) -> set[str]:
    """Where a panel's forms send the browser back to after their POST."""
    return {unescape(value) for value in re.findall(r'name="next" value="([^"]*)"', html)}


def test_the_detail_panels_forms_lead_back_to_the_detail_page_however_the_panel_was_sent(
    owner, teammate, account, team
):
    """The whole page, its poll and its push all render the panel; a button clicked after a live
    update must lead back to the page, not to the poll's fragment or the push's event stream."""
    running = make_devserver(owner, account, team=team, name="busy", status="RUNNING", cloud_id="c-1")
    waiting = make_devserver(owner, account, team=team, name="asked", status=AWAITING_APPROVAL)
    for devserver, user in ((running, owner), (waiting, teammate)):
        detail_path = reverse("devservers:detail", args=[devserver.pk])
        client = logged_in(user)
        page = client.get(detail_path).content.decode()
        polled = client.get(
            reverse("devservers:panel", args=[devserver.pk]), {"v": "stale"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        stream_request = RequestFactory().get(reverse("devservers:live-detail", args=[devserver.pk]))
        stream_request.user = user
        change = Change(ids=frozenset({devserver.pk}), scopes=frozenset({"all"}))
        pushed = fragments.detail_page(stream_request, devserver.pk).render(change)

        for html in (page, polled, pushed):
            assert _posted_back_to(html) == {detail_path}


# One render per audience ----------------------------------------------------------------------------------


def _stream_request(user: User, query: str = "") -> HttpRequest:
    """A list stream's request as its page's browser sends it: its own session's CSRF cookie."""
    request = RequestFactory().get(f"/devservers/live/list/{query}")
    request.user = user
    get_token(request)  # a new browser: a secret of its own, which its cookie then carries
    request.COOKIES[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    return request


def _csrf_accepted(token: str, request: HttpRequest) -> bool:
    """Whether a form posted with `token`, from the browser that opened `request`, passes Django's check."""
    post = RequestFactory().post("/devservers/", {"csrfmiddlewaretoken": token})
    post.COOKIES[settings.CSRF_COOKIE_NAME] = request.COOKIES[settings.CSRF_COOKIE_NAME]
    middleware = CsrfViewMiddleware(lambda _request: HttpResponse())
    middleware.process_request(post)
    return middleware.process_view(post, lambda _request: HttpResponse(), (), {}) is None


class _Counted:
    """A page's own render, counting how often the stream calls it."""

    def __init__(self, render) -> None:
        self.render, self.calls = render, 0

    def __call__(self, change: Change) -> str:
        self.calls += 1
        return self.render(change)


async def _sent(pages: list[stream.PushPage], change: Change, writes: list) -> list[list[str]]:
    """Open every page's stream; once all are live, for each of `writes`: write, publish `change`,
    and read what each page was sent."""
    # The renders run in the loop's threads: one thread here, whose connection is closed at the end.
    renders_thread = ThreadPoolExecutor(max_workers=1)
    asyncio.get_running_loop().set_default_executor(renders_thread)
    streams = [stream.changes(page) for page in pages]
    sent = []
    try:
        for opened in streams:
            assert b"event: ready" in await anext(opened)
        for write in writes:
            await asyncio.to_thread(write)
            await asyncio.to_thread(publish, change)
            chunks = [await asyncio.wait_for(anext(opened), timeout=10) for opened in streams]
            sent.append([chunk.decode() for chunk in chunks])
    finally:
        for opened in streams:
            await opened.aclose()
        await asyncio.get_running_loop().run_in_executor(renders_thread, connections.close_all)
    return sent


def test_the_pages_of_one_audience_share_one_render_each_with_its_own_csrf_token(
    owner, teammate, account, team
):
    row = make_devserver(owner, account, team=team, name="shared", cloud_id="c-1")
    first_tab, second_tab = _stream_request(owner), _stream_request(owner)
    teammates_tab, filtered_tab = _stream_request(teammate, "?scope=team"), _stream_request(owner, "?q=sha")
    pages = [fragments.list_page(request) for request in (first_tab, second_tab, teammates_tab, filtered_tab)]
    renders = [_Counted(page.render) for page in pages]
    pages = [dataclasses.replace(page, render=render) for page, render in zip(pages, renders, strict=True)]

    change = Change(ids=frozenset({row.pk}), scopes=frozenset(live.scopes_of(row)), totals_may_change=True)

    def stop() -> None:
        DevServer.objects.filter(pk=row.pk).update(status="STOPPED")

    # The same change published twice, the row stopped in between: the second is rendered anew.
    # A loop of its own, in a thread of its own: the browser tests' Playwright keeps one running in this one.
    with ThreadPoolExecutor(max_workers=1) as loop_thread:
        sent, again = loop_thread.submit(asyncio.run, _sent(pages, change, [lambda: None, stop])).result()

    assert all(f'id="devserver-{row.pk}" data-status="RUNNING"' in html for html in sent)
    assert all(f'id="devserver-{row.pk}" data-status="STOPPED"' in html for html in again)
    assert [render.calls for render in renders] == [2, 0, 2, 2]  # the owner's second tab got the first's
    assert not any(stream.CSRF_STAND_IN in html for html in sent + again)
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html) for html in sent[:2]]
    assert tokens[0] and tokens[1]
    assert all(_csrf_accepted(token, first_tab) for token in tokens[0])
    assert all(_csrf_accepted(token, second_tab) for token in tokens[1])
    assert not _csrf_accepted(tokens[0][0], second_tab)  # each tab its own browser's token, not the first's


def test_a_pushed_fragment_speaks_its_pages_language_whatever_the_thread_last_spoke(owner, account):
    row = make_devserver(owner, account, name="box", status="RUNNING", cloud_id="c-1")
    request = _stream_request(owner)
    request.LANGUAGE_CODE = "zh-hans"
    page = fragments.list_page(request)
    change = Change(ids=frozenset({row.pk}), scopes=frozenset({"all"}))

    with translation.override("en"):
        sent = page.render(change)
    assert "停止" in sent and ">Stop<" not in sent


def test_a_list_rows_buttons_lead_back_to_the_same_filtered_page_however_it_was_sent(owner, account):
    """Stop on page 2 of the running servers brings the browser back to page 2 of the running
    servers, whether the row came with the page, its poll or its push (never the poll's token)."""
    rows = [
        make_devserver(owner, account, name=f"box-{number}", cloud_id=f"c-{number}") for number in range(3)
    ]
    query = f"status=RUNNING&q=box&after={rows[-1].pk}"
    list_path = reverse("devservers:list")
    client = logged_in(owner)
    page = client.get(f"{list_path}?{query}").content.decode()
    polled = client.get(
        f"{reverse('devservers:rows')}?{query}&v=stale", HTTP_HX_REQUEST="true"
    ).content.decode()
    change = Change(ids=frozenset({rows[0].pk}), scopes=frozenset({"all"}))
    pushed = _render_list(owner, change, f"?{query}")

    for html in (page, polled, pushed):
        assert _posted_back_to(html.split("<tbody>")[-1]) == {
            f"{list_path}?q=box&status=RUNNING&after={rows[-1].pk}"
        }


def test_the_queues_decide_forms_lead_back_to_the_same_review_page_however_it_was_sent(
    owner, teammate, account, team
):
    """Approve on the queue's second page of a filtered, sorted second page of rows brings the admin
    back to that very view, whether the queue came with the page, its poll or its push."""
    for number in range(26):
        make_devserver(owner, account, team=team, name=f"run-{number:02d}", status="RUNNING")
    waiting = [
        make_devserver(owner, account, team=team, name=f"ask-{number:02d}", status=AWAITING_APPROVAL)
        for number in range(21)
    ]
    query = "status=RUNNING&sort=name&page=2&pending_page=2"
    review_path = reverse("devservers:review")
    expected = {f"{review_path}?status=RUNNING&sort=name&page=2&pending_page=2"}
    client = logged_in(teammate)
    page = client.get(f"{review_path}?{query}").content.decode()
    polled = client.get(f"{review_path}?{query}&v=stale", HTTP_HX_REQUEST="true").content.decode()
    asked = Change(ids=frozenset({waiting[0].pk}), scopes=frozenset({"all"}), totals_may_change=True)
    pushed = _render_review(teammate, asked, f"?{query}")

    for html in (page, polled, pushed):
        queue = html.split('<section id="pending-queue"')[1].split("</section>")[0]
        assert 'id="pending-' in queue and _posted_back_to(queue) == expected
