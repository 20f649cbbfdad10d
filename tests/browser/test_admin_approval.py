"""A team admin in a real browser: approving a held-back request on the review page and watching it
reach Running, and the review filters updating the results (and the address bar) through HTMX.

Chromium → live server → Celery worker → emulator, with two browser contexts: the member's and the admin's.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from devservers.models import AWAITING_APPROVAL, DevServer
from tests.dashboard.forms_data import GOOD_PASSWORD
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .conftest import (
    CHANGING_LABELS,
    DEFAULT_TIMEOUT_MS,
    RUNNING_TIMEOUT_MS,
    WATCH_ROW_JS,
    describe,
    shot_path,
)
from .pages import choose_flavor_and_image, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_page(browser: Browser, live_server) -> Page:
    """A second browser context, so the admin's session is not the member's."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    new_page.console_errors = []
    new_page.on(
        "console",
        lambda message: (
            new_page.console_errors.append(f"{message.text} ({message.location.get('url', '')})")
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None
        ),
    )
    new_page.on("pageerror", lambda error: new_page.console_errors.append(str(error)))
    yield new_page
    context.close()


def watch_navigations(page: Page) -> list[str]:
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    return navigations


def review_row(page: Page, name: str):
    return page.locator("#review-results tbody tr", has=page.get_by_role("link", name=name, exact=True))


def shown_names(page: Page) -> list[str]:
    return [
        text.strip() for text in page.locator("#review-results tbody tr td:first-child a").all_inner_texts()
    ]


def test_an_admin_approves_a_request_and_watches_it_reach_running(
    page, admin_page, team, owner, teammate, account, celery_worker, emulator
):
    emulator.set_lifecycle(create_seconds=2)

    # The member asks for a GPU server; the team's policy holds it for approval.
    log_in(page, owner, next_path="/devservers/new/")
    page.get_by_label("Name").fill("gpu-box")
    choose_flavor_and_image(page, flavor=GPU_FLAVOR, image_id=gpu_image_id(account))
    page.get_by_role("textbox", name="Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Password again").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Request DevServer").click()
    expect(page).to_have_url(re.compile(r"/devservers/\d+/$"))
    expect(page.locator("#devserver-panel [data-testid=status]")).to_have_text("Awaiting approval")
    expect(page.locator("#devserver-panel .notice")).to_contain_text("accelerator flavor")
    assert DevServer.objects.get(name="gpu-box").status == AWAITING_APPROVAL
    assert emulator.counters().get("POST /v1/{project_id}/dev-servers", 0) == 0
    page.evaluate("window.__marker = 1")
    member_navigations = watch_navigations(page)

    # The admin finds it in the queue at the top of the review page and approves it.
    log_in(admin_page, teammate, next_path="/devservers/review/")
    queue = admin_page.get_by_role("table", name="Requests awaiting approval")
    expect(queue.get_by_role("link", name="gpu-box", exact=True)).to_be_visible()
    expect(queue).to_contain_text("accelerator flavor")
    expect(review_row(admin_page, "gpu-box").locator("[data-testid=status]")).to_have_text(
        "Awaiting approval"
    )
    admin_page.screenshot(path=str(shot_path("review-pending")), full_page=True)
    with admin_page.expect_navigation():
        queue.get_by_role("button", name="Approve gpu-box").click()
    expect(admin_page.locator(".messages")).to_contain_text("Approved gpu-box; it is being submitted.")
    expect(admin_page.get_by_text("Nothing waits for a decision.")).to_be_visible()

    # From here on nothing reloads: the results poll and swap themselves.
    admin_page.evaluate(WATCH_ROW_JS, ["#review-results tbody tr td:first-child a", "gpu-box"])
    admin_navigations = watch_navigations(admin_page)
    try:
        admin_page.wait_for_function(
            """() => [...document.querySelectorAll("#review-results tbody tr")].some((row) =>
                 row.querySelector("td:first-child a")?.textContent.trim() === "gpu-box"
                 && row.querySelector("[data-testid=status]").textContent.trim() === "Running")""",
            timeout=RUNNING_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError as error:
        row = DevServer.objects.get(name="gpu-box")
        raise AssertionError(
            f"gpu-box never showed Running on the review page (database: {row.status}, events "
            f"{list(row.events.values_list('status_to', 'message'))}); seen {admin_page.evaluate('window.__seen')}; "
            f"{describe(admin_page, 'review-running')}"
        ) from error

    seen = [state["text"] for state in admin_page.evaluate("window.__seen")]
    assert admin_navigations == [], f"the review page navigated: {admin_navigations}"
    assert admin_page.evaluate("window.__marker") == 1, "the review page was reloaded"
    assert admin_page.evaluate("window.__swaps") >= 1, "no HTMX swap, yet the row changed"
    assert seen[0] in CHANGING_LABELS and seen[-1] == "Running", f"not changing then Running: {seen}"
    totals = admin_page.locator("#review-totals")
    expect(totals).to_contain_text(re.compile(r"1\s+running"))
    expect(totals).to_contain_text(re.compile(r"0\s+awaiting approval"))
    expect(totals).to_contain_text(re.compile(r"1\s+accelerators in use"))
    admin_page.screenshot(path=str(shot_path("review-running")), full_page=True)
    assert admin_page.console_errors == [], admin_page.console_errors

    # The member's detail page followed along by itself too.
    expect(page.locator("#devserver-panel [data-testid=status]")).to_have_text(
        "Running", timeout=RUNNING_TIMEOUT_MS
    )
    assert member_navigations == [] and page.evaluate("window.__marker") == 1
    approved = DevServer.objects.get(name="gpu-box")
    assert approved.decided_by == teammate and approved.cloud_id


def test_the_filters_update_the_results_and_the_address_without_a_reload(
    admin_page, team, owner, teammate, account
):
    make_devserver(owner, account, team=team, name="alpha-run")
    make_devserver(owner, account, team=team, name="beta-stopped", status="STOPPED")
    make_devserver(teammate, account, team=team, name="gamma-run", charging_mode="PRE_PAID")
    make_devserver(None, account, team=team, name="delta-imported", is_imported=True, status="STOPPED")

    log_in(admin_page, teammate, next_path="/devservers/review/")
    # Pushed addresses show up as same-document navigations, so only the marker can tell a reload.
    admin_page.evaluate("window.__marker = 1")
    expect(admin_page.locator("#review-results tbody tr")).to_have_count(4)

    admin_page.get_by_label("Status").select_option("RUNNING")
    expect(admin_page.locator("#review-results tbody tr")).to_have_count(2)
    expect(admin_page).to_have_url(re.compile(r"\?status=RUNNING$"))

    admin_page.get_by_role("link", name="Name", exact=True).click()  # the sortable header: ascending
    expect(admin_page.locator("#review-results th[data-sort=name]")).to_have_attribute(
        "aria-sort", "ascending"
    )
    admin_page.get_by_role("link", name="Name ▲", exact=True).click()  # again: descending
    expect(admin_page.locator("#review-results th[data-sort=name]")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert shown_names(admin_page) == ["gamma-run", "alpha-run"]
    expect(admin_page.locator("#review-sort")).to_have_value("-name")

    admin_page.get_by_label("Name contains").fill("GAM")  # typed: results follow after a short pause
    expect(admin_page.locator("#review-results tbody tr")).to_have_count(1)
    expect(admin_page.locator("#review-results")).to_contain_text("gamma-run")
    query = parse_qs(urlparse(admin_page.url).query)
    assert query == {"q": ["GAM"], "status": ["RUNNING"], "sort": ["-name"]}, admin_page.url

    admin_page.get_by_label("Name contains").fill("")
    admin_page.get_by_label("Status").select_option("")
    admin_page.get_by_label("Owner").select_option("unknown")
    expect(admin_page.locator("#review-results tbody tr")).to_have_count(1)
    expect(admin_page.locator("#review-results")).to_contain_text("delta-imported")
    expect(admin_page.locator("#review-results")).to_contain_text(re.compile(r"1\s+in all"))
    expect(admin_page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", re.compile(r"export\.csv\?owner=unknown&sort=-name$")
    )

    assert admin_page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert admin_page.console_errors == [], admin_page.console_errors


def test_an_audit_date_range_backwards_is_named_at_its_field_without_a_reload(admin_page, team, teammate):
    log_in(admin_page, teammate, next_path="/devservers/audit/")
    admin_page.evaluate("window.__marker = 1")

    admin_page.get_by_label("From").fill("2030-01-02")
    admin_page.get_by_label("To").fill("2030-01-01")

    expect(admin_page.locator("#filter-error-date_to")).to_have_text("The end date is before the start date.")
    expect(admin_page).to_have_url(re.compile(r"/audit/\?date_from=2030-01-02$"))
    admin_page.get_by_label("To").fill("2030-01-03")
    expect(admin_page.locator("#filter-error-date_to")).to_have_text("")
    expect(admin_page).to_have_url(re.compile(r"\?date_from=2030-01-02&date_to=2030-01-03$"))
    assert admin_page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert admin_page.console_errors == [], admin_page.console_errors
