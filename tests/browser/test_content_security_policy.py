"""The Content-Security-Policy in Chromium: every main page, with its htmx fragments, runs with zero
violations, and what used to be inline (the team and account switchers) and what htmx does (dependent
choices, live polling, filters) still works under it.

Violations are caught twice: a `securitypolicyviolation` listener installed before any page script,
and Chromium's console messages. A canary test shows the listener does see a violation when there is one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from devservers.history import set_status
from devservers.models import DevServer, Membership, Team, TeamPolicy
from modelarts_emulator.catalogue import VPCS
from tests.fixtures.dashboard import stock_user
from tests.fixtures.world import make_devserver

from .conftest import describe
from .pages import choose_flavor_and_image, flavor_radio, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


class ViolationWatch:
    """Collects the page's CSP violations: from its own listener and from Chromium's console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        context: BrowserContext = page.context
        context.add_init_script(WATCH_VIOLATIONS_JS)
        page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )

    def seen(self) -> list[str]:
        in_page = self.page.evaluate("window.__cspViolations || []")
        return [*in_page, *self.console]

    def assert_none(self, where: str) -> None:
        seen = self.seen()
        assert seen == [], f"CSP violations on {where}: {seen}; {describe(self.page, 'csp')}"


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, f"{path}: policy {policy!r}"


@pytest.fixture
def watch(page: Page) -> ViolationWatch:
    return ViolationWatch(page)


@pytest.fixture
def second_team(account, teammate) -> Team:
    """bob is in two teams, so the request form offers the team switcher."""
    research = Team.objects.create(name="research")
    research.accounts.add(account)
    Membership.objects.create(team=research, user=teammate, role=Membership.Role.MEMBER)
    TeamPolicy.objects.create(team=research)
    return research


def test_the_watch_sees_a_violation_when_there_is_one(page, teammate, watch):
    visit(page, "/accounts/login/")

    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>')""")

    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in violation for violation in watch.seen()), watch.seen()


def test_the_login_page_and_a_refused_login_run_without_violations(page, teammate, watch):
    visit(page, "/accounts/login/")
    page.get_by_label("User name").fill(teammate.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".form-error")).to_be_visible()
    watch.assert_none("the login page")


def test_list_detail_review_audit_and_teams_run_without_violations_and_still_live_update(
    page, owner, teammate, account, team, watch
):
    changing = make_devserver(
        teammate, account, team=team, name="csp-changing", status="CREATING", cloud_id="c-1"
    )
    make_devserver(owner, account, team=team, name="csp-pending", status="AWAITING_APPROVAL")
    log_in(page, teammate)

    visit(page, "/devservers/")
    expect(page.get_by_role("link", name="csp-changing", exact=True)).to_be_visible()
    # Outside any atomic block (a transactional test), on_commit runs at once: the page's counter moves.
    set_status(DevServer.objects.get(pk=changing.pk), "RUNNING")
    row = page.locator(
        "#devserver-rows tbody tr", has=page.get_by_role("link", name="csp-changing", exact=True)
    )
    expect(row.locator("[data-testid=status]")).to_have_text("Running")  # the live poll, under the policy
    watch.assert_none("the instance list")

    visit(page, f"/devservers/{changing.pk}/")
    expect(page.get_by_role("heading", name="csp-changing")).to_be_visible()
    watch.assert_none("the detail page")

    visit(page, "/devservers/review/")
    expect(page.locator("#pending-queue")).to_contain_text("csp-pending")
    page.locator("#review-region select").first.select_option(index=1)  # a filter: htmx swaps the results
    expect(page).to_have_url(re.compile(r"/devservers/review/\?"))
    watch.assert_none("the review page")

    visit(page, "/devservers/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    watch.assert_none("the audit trail")

    visit(page, "/devservers/teams/")
    page.get_by_role("link", name=team.name, exact=True).click()
    expect(page.get_by_role("heading", name=team.name)).to_be_visible()
    watch.assert_none("the team pages")


def test_the_request_form_its_fragments_and_switchers_run_without_violations(
    page, teammate, account, team, second_team, celery_worker, emulator, watch
):
    log_in(page, teammate, next_path="/devservers/new/")
    expect(page.get_by_role("heading", name="New DevServer")).to_be_visible()
    expect(flavor_radio(page, "Si2.large.4")).to_be_enabled()  # the choices arrived (or were cached)

    choose_flavor_and_image(page)  # htmx: the flavor fills the image select
    page.get_by_label("ARM", exact=True).check()  # htmx: the flavor table refills
    expect(flavor_radio(page, "kai1s.xlarge.4")).to_be_visible()
    training = next(vpc for vpc in VPCS if vpc.name == "vpc-training")
    page.get_by_label("VPC").select_option(training.id)  # htmx: subnets and groups refill
    expect(page.locator("#id_subnet_id")).to_contain_text("subnet-training-a")
    watch.assert_none("the request form and its fragments")

    with page.expect_navigation():  # was onchange="this.form.submit()"; now static/js/app.js
        page.locator("#team-switch").select_option(str(second_team.pk))
    expect(page).to_have_url(re.compile(rf"[?&]team={second_team.pk}\b"))
    expect(page.locator("#team-switch")).to_have_value(str(second_team.pk))
    watch.assert_none("the request form after switching team")


def test_the_admin_site_runs_without_violations(page, owner, account, team, watch):
    root = stock_user("root", is_staff=True, is_superuser=True)
    row = make_devserver(owner, account, team=team, name="admin-row")
    log_in(page, root)

    for path in (
        "/admin/",
        f"/admin/devservers/devserver/{row.pk}/change/",
        f"/admin/devservers/team/{team.pk}/change/",
        f"/admin/devservers/cloudaccount/{account.pk}/change/",
        "/admin/devservers/auditentry/",
        "/admin/axes/accessattempt/",
    ):
        visit(page, path)
        watch.assert_none(path)
