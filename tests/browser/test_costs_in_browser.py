"""The estimate beside the submit button in a real browser: it follows the flavor, the count and
the billing as the user changes them, through HTMX, with no page load and no sum made in JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.dashboard.costs_world import CPU_FLAVOR, price_the_catalogue, set_prices
from tests.fixtures.world import GPU_FLAVOR

from .conftest import describe
from .pages import flavor_radio, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_estimate_follows_the_flavor_and_count(request, page: Page, team, owner, account):
    price_the_catalogue()
    set_prices("Si2.xlarge.4", None)
    log_in(page, owner, next_path="/devservers/new/")
    page.evaluate("window.__marker = 1")
    estimate = page.locator("#estimate")
    expect(estimate).to_contain_text("Choose a flavor to see what it costs.")
    expect(page.locator(f'#flavor-table td.price[data-price="{CPU_FLAVOR}"]')).to_have_text(
        "0.45 CNY per hour"
    )

    flavor_radio(page, CPU_FLAVOR).check()
    expect(estimate).to_contain_text("0.45 CNY per hour · 324.00 CNY per 30 days for 1 server, pay-per-use")

    page.get_by_label("Count").fill("3")
    expect(estimate).to_contain_text("1.35 CNY per hour · 972.00 CNY per 30 days for 3 servers")

    flavor_radio(page, GPU_FLAVOR).check()
    expect(estimate).to_contain_text("73.50 CNY per hour · 52,920.00 CNY per 30 days for 3 servers")

    page.get_by_label("Count").fill("1")
    expect(estimate).to_contain_text("24.50 CNY per hour · 17,640.00 CNY per 30 days for 1 server,")

    page.get_by_label("Prepaid (yearly/monthly)").check()
    expect(estimate).to_contain_text("Choose a period")
    page.get_by_label("Period", exact=True).select_option("MONTH")
    page.get_by_label("Number of periods").fill("2")
    expect(estimate).to_contain_text("24,500.00 CNY for 1 server, 2 months prepaid")

    page.get_by_label("Pay-per-use").check()
    flavor_radio(page, "Si2.xlarge.4").check()
    expect(estimate).to_contain_text("Price unknown for Si2.xlarge.4.")

    assert page.evaluate("window.__marker") == 1, f"the page was loaded again; {describe(page, 'reload')}"
    assert request.node.browser_console_errors == [], "\n".join(request.node.browser_console_errors)
