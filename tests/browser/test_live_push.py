"""Live updates pushed over server-sent events, in Chromium, against the app under uvicorn.

pytest-django's live server is WSGI and cannot hold a stream open, so these tests start the real
ASGI server (`dashboard.asgi`, as in docker-compose.yml and the Procfile) in a process of its own,
pointed at the test database and the tests' Redis database. Every test is transactional: rows are
committed, so the server process sees them, and every write's push goes through Redis pub/sub.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from benchmarks import live_push
from devservers import history
from devservers.models import AuditEntry, DevServer, Membership
from tests.fixtures.dashboard import stock_user
from tests.fixtures.world import make_devserver

from .conftest import DEFAULT_TIMEOUT_MS
from .pages import log_in
from .test_content_security_policy import ViolationWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Generous: the push takes well under a second (benchmarks/live_push.py measures it); a poll would take 1.5 s.
PUSH_WAIT_MS = 5_000
# Remembers every request the page's polls send, and the data of every pushed change.
WATCH_JS = """
() => {
  window.__pushed = [];
  document.body.addEventListener("htmx:sseBeforeMessage", (event) => window.__pushed.push(event.detail.data));
}
"""


def _database_url() -> str:
    """The test database (pytest-django's test_… name), for the server process."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def asgi_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """uvicorn serving dashboard.asgi on a free port, on the test database and the tests' Redis."""
    environment = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }
    with live_push.uvicorn(environment) as (url, _server):
        yield url


def _new_page(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []
    request.node.browser_console_errors = errors
    new_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield new_page
    context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, asgi_url: str, transactional_db) -> Iterator[Page]:
    """A fresh context and page on the uvicorn server (named `page` so failures are captured)."""
    yield from _new_page(request, browser, asgi_url)


@pytest.fixture
def admin_page(
    request: pytest.FixtureRequest, browser: Browser, asgi_url: str, transactional_db
) -> Iterator[Page]:
    yield from _new_page(request, browser, asgi_url)


def wait_for_stream(page: Page) -> None:
    """The server said `ready`: from here on every change is pushed, and the poll's timer is idle."""
    expect(page.locator("#live-stream")).to_have_attribute("data-state", "live")
    expect(page.locator("#live-status")).to_be_hidden()
    page.evaluate(WATCH_JS)


def watch_polls(page: Page, path_part: str) -> list[str]:
    """The URLs of the page's timer polls from now on (not the one catch-up each `ready` asks for)."""
    sent: list[str] = []

    def seen(request) -> None:
        if path_part in request.url and "x-live-catch-up" not in request.headers:
            sent.append(request.url)

    page.on("request", seen)
    return sent


def status_of(page: Page, row_id: str):
    return page.locator(f"#{row_id} [data-testid=status]")


def test_a_status_saved_in_the_django_admin_is_pushed_to_an_open_list_without_a_poll(
    page, admin_page, owner, account, team
):
    root = stock_user("root", is_staff=True, is_superuser=True)
    changing = make_devserver(owner, account, team=team, name="admin-box", status="CREATING", cloud_id="c-1")
    steady = make_devserver(owner, account, team=team, name="steady-box", cloud_id="c-2")
    log_in(page, owner)
    wait_for_stream(page)
    polls = watch_polls(page, "/devservers/rows/")
    # A marker on the steady row's element: it survives only if that row is never re-rendered.
    page.evaluate(f"document.getElementById('devserver-{steady.pk}').__untouched = true")

    log_in(admin_page, root)
    admin_page.goto(f"/admin/devservers/devserver/{changing.pk}/change/")
    admin_page.locator("#id_status").fill("RUNNING")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")

    expect(status_of(page, f"devserver-{changing.pk}")).to_have_text("Running", timeout=PUSH_WAIT_MS)
    expect(page.locator("#totals")).to_contain_text("2 running")
    assert page.evaluate(f"document.getElementById('devserver-{steady.pk}').__untouched === true")
    assert polls == [], f"the page polled although its stream was live: {polls}"
    expect(page.locator("#live-announcer")).to_have_text("admin-box is now Running.")
    pushed = "".join(page.evaluate("window.__pushed"))
    assert f'id="devserver-{changing.pk}"' in pushed and f'id="devserver-{steady.pk}"' not in pushed


def test_a_queryset_update_reaches_the_detail_panel_and_typed_text_and_focus_survive(
    page, owner, teammate, account, team
):
    waiting = make_devserver(
        owner, account, team=team, name="held-box", status="AWAITING_APPROVAL", cloud_id=""
    )
    log_in(page, teammate, next_path=f"/devservers/{waiting.pk}/")
    wait_for_stream(page)
    reason = page.get_by_label("Reason")
    reason.fill("over budget this mon")

    # As a management command would: no save(), no service, just an UPDATE.
    DevServer.objects.filter(pk=waiting.pk).update(approval_reasons=["asks for 64 accelerators"])

    expect(page.locator("#devserver-panel")).to_contain_text("asks for 64 accelerators", timeout=PUSH_WAIT_MS)
    expect(reason).to_have_value("over budget this mon")
    expect(reason).to_be_focused()


def test_the_review_page_gets_the_changed_row_and_its_totals(page, owner, teammate, account, team):
    changing = make_devserver(owner, account, team=team, name="review-box", status="CREATING", cloud_id="c-r")
    log_in(page, teammate, next_path="/devservers/review/")
    wait_for_stream(page)
    polls = watch_polls(page, "/devservers/review/?")
    expect(page.locator("[data-total=running]")).to_have_text("0")

    history.set_status(DevServer.objects.get(pk=changing.pk), "RUNNING")

    expect(status_of(page, f"review-row-{changing.pk}")).to_have_text("Running", timeout=PUSH_WAIT_MS)
    expect(page.locator("[data-total=running]")).to_have_text("1")
    assert polls == [], f"the review page polled although its stream was live: {polls}"


def test_when_the_stream_is_cut_the_page_polls_says_so_and_goes_back_to_the_stream(page, owner, account):
    row = make_devserver(owner, account, name="cut-box", status="CREATING", cloud_id="c-cut")
    page.route("**/devservers/live/**", lambda route: route.abort())
    log_in(page, owner)
    expect(page.locator("#live-status")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("checking every 1.5 s")
    polls = watch_polls(page, "/devservers/rows/")

    history.set_status(DevServer.objects.get(pk=row.pk), "RUNNING")

    expect(status_of(page, f"devserver-{row.pk}")).to_have_text("Running")  # through the poll
    assert polls, "the page showed the change without polling while its stream was cut"
    page.unroute("**/devservers/live/**")
    expect(page.locator("#live-stream")).to_have_attribute(
        "data-state", "live", timeout=DEFAULT_TIMEOUT_MS * 2
    )
    expect(page.locator("#live-status")).to_be_hidden()


def test_a_stream_carries_only_rows_its_user_may_see_now(page, owner, teammate, outsider, account, team):
    mine = make_devserver(teammate, account, team=team, name="bobs-box", status="CREATING", cloud_id="c-b")
    Membership.objects.create(team=team, user=outsider, role=Membership.Role.MEMBER)
    theirs = make_devserver(outsider, account, name="charlies-box", status="CREATING", cloud_id="c-c")
    log_in(page, outsider)
    wait_for_stream(page)
    expect(page.locator(f"#devserver-{mine.pk}")).to_be_visible()

    Membership.objects.filter(team=team, user=outsider).delete()  # charlie leaves the team, page open
    history.set_status(DevServer.objects.get(pk=mine.pk), "RUNNING")
    history.set_status(DevServer.objects.get(pk=theirs.pk), "RUNNING")

    expect(status_of(page, f"devserver-{theirs.pk}")).to_have_text("Running", timeout=PUSH_WAIT_MS)
    expect(page.locator(f"#devserver-{mine.pk}")).to_have_count(0)  # left the page, not updated on it
    pushed = "".join(page.evaluate("window.__pushed"))
    assert "bobs-box" not in pushed, "a row the user may no longer see was pushed to them"


def test_the_stream_and_its_swaps_run_under_the_content_security_policy(page, owner, account):
    watch = ViolationWatch(page)
    row = make_devserver(owner, account, name="csp-push-box", status="CREATING", cloud_id="c-csp")
    log_in(page, owner)
    wait_for_stream(page)  # connect-src 'self' lets the EventSource in

    history.set_status(DevServer.objects.get(pk=row.pk), "RUNNING")

    expect(status_of(page, f"devserver-{row.pk}")).to_have_text("Running", timeout=PUSH_WAIT_MS)
    watch.assert_none("the list with its stream")


def test_a_button_in_a_pushed_panel_posts_with_the_pages_own_token_and_leads_back_to_the_page(
    page, owner, account
):
    """The pushed panel is rendered once for every tab of its user, with a stand-in for the CSRF
    token that each stream replaces with its own browser's: Stop, clicked in the pushed panel, is
    accepted and brings the browser back to the detail page."""
    row = make_devserver(owner, account, name="pushed-box", status="STARTING", cloud_id="c-push")
    log_in(page, owner, next_path=f"/devservers/{row.pk}/")
    wait_for_stream(page)
    expect(page.locator("#devserver-panel button[data-action=stop]")).to_be_disabled()

    DevServer.objects.filter(pk=row.pk).update(status="RUNNING")  # pushed: the panel now offers Stop
    stop = page.locator("#devserver-panel button[data-action=stop]")
    expect(stop).to_be_enabled(timeout=PUSH_WAIT_MS)
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        stop.click()

    expect(page).to_have_url(re.compile(rf"/devservers/{row.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Stop of pushed-box asked")
    assert AuditEntry.objects.filter(devserver=row, action="stop", outcome="requested").count() == 1
