"""Everyday use in a real browser: connecting to a running server, fixing a refused form, phone width,
live swaps that keep the user's place, and an axe-core check of every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from devservers import history, live
from devservers.models import DevServer
from tests.fixtures.world import make_devserver, running_server

from .conftest import describe, shot_path
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SERIOUS = {"serious", "critical"}


def page_scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core (vendored, loaded from the app's own static files so the CSP allows it) on the page as it is."""
    if page.evaluate("typeof window.axe") != "object":
        page.add_script_tag(url="/static/vendor/axe.min.js")
        page.wait_for_function("() => typeof window.axe === 'object'")
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        f"{[node['target'] for node in violation['nodes']][:5]}"
        for violation in violations
        if violation["impact"] in SERIOUS
    ]


def test_the_connect_panel_shows_the_ssh_command_for_the_emulators_endpoint(page, owner, account, emulator):
    devserver = running_server(owner, account, emulator, "connect-box")
    endpoint = devserver.last_response["endpoints"][0]
    assert endpoint["uri"], devserver.last_response

    log_in(page, owner, next_path=f"/devservers/{devserver.pk}/")

    panel = page.get_by_test_id("connect")
    expect(panel.get_by_test_id("ssh-command")).to_have_text(
        f"ssh -i ~/.ssh/KeyPair-dev.pem root@{endpoint['uri']}"
    )
    expect(panel).to_contain_text("KeyPair-dev")
    panel.get_by_role("button", name="Copy command").click()
    expect(panel.locator(".copy-status")).to_contain_text(f"root@{endpoint['uri']}")


def test_a_stopped_server_says_how_to_start_it(page, owner, account):
    devserver = make_devserver(owner, account, name="stopped-box", status="STOPPED", cloud_id="c-stopped")
    log_in(page, owner, next_path=f"/devservers/{devserver.pk}/")
    expect(page.get_by_test_id("connect")).to_contain_text("The server is stopped. Start it with Start above")


def test_a_failed_submit_focuses_the_error_summary_which_links_to_each_field(page, owner, account):
    log_in(page, owner, next_path="/devservers/new/")
    page.get_by_label("Name").fill("half-filled")
    page.get_by_role("button", name="Request DevServer").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Name")).to_have_value("half-filled")
    link = summary.get_by_role("link", name=re.compile(r"^Flavor: "))
    expect(link).to_be_visible()
    summary.get_by_role("link", name=re.compile(r"^Password: ")).click()
    expect(page.locator("#id_admin_pass")).to_be_focused()


def test_the_list_at_phone_width_has_no_sideways_scroll(page, owner, teammate, account, team):
    make_devserver(owner, account, team=team, name="a-server-with-a-rather-long-name-1", cloud_id="c-phone")
    page.set_viewport_size(PHONE)
    log_in(page, teammate)
    for path in [
        "/devservers/",
        f"/devservers/{DevServer.objects.get().pk}/",
        "/devservers/new/",
        "/devservers/review/",
        "/devservers/teams/",
    ]:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        page.screenshot(
            path=str(shot_path(f"phone-{path.strip('/').replace('/', '-') or 'home'}")), full_page=True
        )
        assert not page_scrolls_sideways(page), (
            f"{path} scrolls sideways at 390 px; {describe(page, 'phone')}"
        )
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()


def test_a_focused_button_keeps_focus_and_a_status_change_is_announced_through_a_live_swap(
    page, owner, account
):
    mine = make_devserver(owner, account, name="focus-box", cloud_id="c-focus")
    other = make_devserver(owner, account, name="other-box", cloud_id="c-other", status="CREATING")
    log_in(page, owner)
    stop = page.locator(f"#devserver-{mine.pk} button[data-action=stop]")
    stop.focus()
    page.evaluate(
        "window.__swaps = 0; document.body.addEventListener('htmx:afterSettle', () => { window.__swaps += 1; })"
    )
    expect(page).to_have_title(re.compile(r"^\(1\) "))

    history.set_status(other, "RUNNING")

    page.wait_for_function("() => window.__swaps > 0")
    expect(page.locator(f"#devserver-{other.pk} [data-testid=status]")).to_have_text("Running")
    expect(stop).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text("other-box is now Running.")
    expect(page.locator("#toasts")).to_contain_text("other-box is now Running.")
    expect(page).not_to_have_title(re.compile(r"^\(\d+\) "))


def test_axe_finds_no_serious_violation_on_any_page(page, owner, teammate, account, team):
    devserver = make_devserver(owner, account, team=team, name="axe-box", cloud_id="c-axe")
    page.goto("/accounts/login/")
    problems = {"login": serious_axe_violations(page)}
    log_in(page, teammate)
    for path in [
        "/devservers/",
        f"/devservers/{devserver.pk}/",
        "/devservers/new/",
        "/devservers/review/",
        "/devservers/audit/",
        "/devservers/teams/",
        f"/devservers/teams/{team.pk}/",
        "/devservers/no-such-page/",
    ]:
        page.goto(path)
        problems[path] = serious_axe_violations(page)
    page.goto("/devservers/new/")
    page.get_by_role("button", name="Request DevServer").click()
    expect(page.locator("#error-summary")).to_be_visible()
    problems["refused form"] = serious_axe_violations(page)
    found = {where: seen for where, seen in problems.items() if seen}
    assert found == {}, found


def test_typed_text_and_focus_survive_a_swap_of_the_detail_panel(page, owner, teammate, account, team):
    waiting = make_devserver(
        owner, account, team=team, name="held-box", status="AWAITING_APPROVAL", cloud_id=""
    )
    log_in(page, teammate, next_path=f"/devservers/{waiting.pk}/")
    reason = page.get_by_label("Reason")
    reason.fill("over budget this mon")
    page.evaluate(
        "window.__swaps = 0; document.body.addEventListener('htmx:afterSettle', () => { window.__swaps += 1; })"
    )

    live.bump_after_commit(live.scopes_of(waiting))

    page.wait_for_function("() => window.__swaps > 0")
    expect(reason).to_have_value("over budget this mon")
    expect(reason).to_be_focused()


def test_batch_buttons_wait_for_a_selection_and_stop_asks_first_naming_the_servers(page, owner, account):
    first = make_devserver(owner, account, name="batch-a", cloud_id="c-a")
    make_devserver(owner, account, name="batch-b", cloud_id="c-b")
    log_in(page, owner)
    batch_stop = page.locator("#batch-form button[value=stop]")
    expect(batch_stop).to_be_disabled()
    page.get_by_label("Select batch-a").check()
    page.get_by_label("Select batch-b").check()
    expect(batch_stop).to_be_enabled()

    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    batch_stop.click()
    page.locator(f"#devserver-{first.pk} button[data-action=reboot]").click()

    assert questions == [
        "Stop batch-b, batch-a? Unsaved work on them will be lost.",  # the list's order, newest first
        "Reboot batch-a? Unsaved work on it will be lost.",
    ]
    expect(page).to_have_url(re.compile(r"/devservers/$"))
    assert set(DevServer.objects.values_list("status", flat=True)) == {"RUNNING"}
