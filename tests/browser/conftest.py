"""Browser fixtures: one headless Chromium per session, a fresh context and page per test.

The app is served by pytest-django's `live_server` (a threaded WSGI server in this process that
also serves static files through staticfiles' handler), so every test that drives a page also
takes `transactional_db`: the server's threads must see the rows the test commits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

# Playwright's sync API keeps an asyncio loop running in this thread, so Django's ORM would refuse
# every fixture's query with SynchronousOnlyOperation; the documented way out for Playwright.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium dials out on start, which this closed network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
SHOTS = Path(os.environ.get("BROWSER_SHOTS_DIR", "/tmp/shots"))


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium. Missing, it skips the browser tests on a workstation but fails them in CI."""
    if not Path(CHROMIUM).exists():
        if _running_in_ci():
            pytest.fail(
                f"CI={os.environ['CI']} but there is no Chromium at {CHROMIUM}: the browser tests must run "
                "in CI, so Chromium must be installed (.ci/run installs Debian's chromium package).",
                pytrace=False,
            )
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium package to run the browser tests)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A fresh context (no cookies) and page whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []
    request.node.browser_console_errors = errors
    new_page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} ({message.location.get('url', '')})")
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None
        ),
    )
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    yield new_page
    context.close()


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"


def describe(page: Page, label: str = "assertion") -> str:
    """What the page showed, for an assertion message: its URL, a screenshot's path and its text."""
    try:
        path = shot_path(f"failed-{label}")
        page.screenshot(path=str(path), full_page=True)
        text = page.locator("body").inner_text(timeout=2_000)
    except Exception as error:  # the page may be gone; say so rather than hide the first failure
        return f"(could not read the page: {error})"
    return f"page {page.url}, screenshot {path}:\n{text}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None or page.is_closed():
        return
    try:
        path = shot_path(f"failure-{item.name}")
        page.screenshot(path=str(path), full_page=True)
        text = page.locator("body").inner_text(timeout=2_000)
    except Exception as error:
        report.sections.append(("browser", f"could not capture the page: {error}"))
        return
    errors = "\n".join(getattr(item, "browser_console_errors", [])) or "none"
    report.sections.append(
        ("browser", f"URL {page.url}\nscreenshot {path}\nconsole errors: {errors}\npage text:\n{text}")
    )


CHANGING_LABELS = {"Queued", "Submitting", "Creating"}
RUNNING_TIMEOUT_MS = 30_000

# Installed in a page with live rows: remembers every state (text, spinner) the named row's badge
# shows, counts HTMX swaps, and leaves a marker that only survives if the page is never loaded again.
# Called with [selector of the rows' name links, row name].
WATCH_ROW_JS = """
([linkSelector, rowName]) => {
  window.__marker = 1;
  window.__seen = [];
  window.__swaps = 0;
  document.body.addEventListener("htmx:afterSwap", () => { window.__swaps += 1; });
  const record = () => {
    const link = [...document.querySelectorAll(linkSelector)].find((a) => a.textContent.trim() === rowName);
    const badge = link && link.closest("tr").querySelector("[data-testid=status]");
    if (!badge) return;
    const state = { text: badge.textContent.trim(), spinner: !!badge.querySelector(".spinner") };
    const last = window.__seen[window.__seen.length - 1];
    if (!last || last.text !== state.text || last.spinner !== state.spinner) window.__seen.push(state);
  };
  record();
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
}
"""
