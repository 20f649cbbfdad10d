"""Single sign-on in Chromium against the test OpenID Connect provider (a real subprocess): the
login page's button, the provider's own login form, and back to the dashboard in the team the
user's groups claim names, or on the page that says whom to ask; with no CSP violation on our pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from devservers.models import Membership, Team
from tests.oidc_provider.fixtures import MAPPED_GROUP, PASSWORD

from .conftest import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def sign_in_through_provider(page: Page, username: str) -> None:
    page.context.add_init_script(WATCH_VIOLATIONS_JS)
    page.goto("/accounts/login/")
    page.get_by_test_id("sso-login").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def assert_no_violations(page: Page, request: pytest.FixtureRequest) -> None:
    violations = page.evaluate("window.__cspViolations || []")
    errors = getattr(request.node, "browser_console_errors", [])
    assert not violations and not errors, f"{violations} {errors}; {describe(page, 'csp')}"


def test_a_user_signs_in_through_the_provider_and_lands_in_their_team(page: Page, sso, request):
    team = Team.objects.create(name="ML research", sso_group=MAPPED_GROUP)

    sign_in_through_provider(page, "ada")

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url.endswith("/devservers/"), describe(page, "landing")
    user = User.objects.get(email="ada@example.com")
    assert Membership.objects.filter(team=team, user=user, granted_by_sso=True).exists()
    page.goto("/devservers/teams/")
    expect(page.get_by_role("link", name="ML research")).to_be_visible()
    assert_no_violations(page, request)


def test_an_unmapped_user_lands_on_the_page_that_says_whom_to_ask(page: Page, sso, request, teammate):
    team = Team.objects.create(name="ML research", sso_group=MAPPED_GROUP)
    teammate.email = "bob@example.com"
    teammate.save()
    Membership.objects.create(team=team, user=teammate, role=Membership.Role.ADMIN)

    sign_in_through_provider(page, "uma")

    expect(page.get_by_test_id("sso-no-team")).to_be_visible()
    expect(page.get_by_test_id("team-admins")).to_contain_text("ML research: bob · bob@example.com")
    assert not Membership.objects.filter(user__email="uma@example.com").exists()
    assert_no_violations(page, request)
