"""Steps on the dashboard's pages that several browser tests take: logging in, choosing a flavor
and the image HTMX fills for it."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.dashboard.forms_data import SEED_FLAVOR, SEED_IMAGE_ID
from tests.fixtures.dashboard import STOCK_PASSWORD

from .conftest import describe


def log_in(page: Page, user, *, next_path: str = "") -> None:
    """Log in through the login form as a stock user, then wait until the next page's HTMX is loaded."""
    page.goto(f"/accounts/login/{'?next=' + next_path if next_path else ''}")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(STOCK_PASSWORD)
    with page.expect_navigation():  # waits for the next page's load event, so its scripts have run
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object", f"htmx did not load; {describe(page, 'htmx')}"


def flavor_radio(page: Page, flavor: str) -> Locator:
    return page.locator(f'#flavor-table input[name=flavor][value="{flavor}"]')


def choose_flavor_and_image(page: Page, *, flavor: str = SEED_FLAVOR, image_id: str = SEED_IMAGE_ID) -> None:
    """Pick the flavor in the table, then the image from the select HTMX fills for that flavor."""
    flavor_radio(page, flavor).check()
    image_option = page.locator(f'#id_image_id option[value="{image_id}"]')
    try:
        image_option.wait_for(state="attached")
    except PlaywrightTimeoutError as error:
        raise AssertionError(f"no image option after choosing {flavor}; {describe(page, 'image')}") from error
    page.locator("#id_image_id").select_option(image_id)
