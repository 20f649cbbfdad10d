"""The API's browsable docs (Swagger UI, served from our own static files) under the site's strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .pages import log_in
from .test_content_security_policy import ViolationWatch, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_with_no_csp_violation(page: Page, owner, team):
    watch = ViolationWatch(page)
    log_in(page, owner)
    visit(page, "/api/v1/docs")
    expect(page.get_by_text("DevServer Dashboard API")).to_be_visible()
    operation = page.locator(".opblock-get", has_text="List Instances")
    operation.locator(".opblock-summary").click()
    # Try it out: the call goes to our own origin with the browser's session.
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    watch.assert_none("/api/v1/docs")
