"""The request form and the live list in a real browser: Chromium → live server → Celery worker → emulator.

What only a browser shows: HTMX filling the dependent choices, the password checklist's script,
and the list updating itself from polls without a page load.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from devservers.models import DevServer
from devservers.requesting import services as requesting
from devservers.requesting.forms import DevServerRequestForm
from modelarts_emulator.catalogue import SECURITY_GROUPS, SUBNETS, VPCS
from tests.dashboard.forms_data import (
    GOOD_PASSWORD,
    SEED_FLAVOR,
    SEED_IMAGE_ID,
    SEED_SECURITY_GROUP_ID,
    SEED_SUBNET_ID,
    SEED_VPC_ID,
    valid_request,
)

from .conftest import CHANGING_LABELS, RUNNING_TIMEOUT_MS, WATCH_ROW_JS, describe, shot_path
from .pages import choose_flavor_and_image, flavor_radio, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Helpers -------------------------------------------------------------------------------------------


def watch_row(page: Page, name: str) -> list[str]:
    """Start watching a list row; returns the list main-frame navigations get appended to."""
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    page.evaluate(WATCH_ROW_JS, ["#devserver-rows tbody tr td.name a", name])
    return navigations


def wait_until_running(page: Page, name: str) -> None:
    try:
        page.wait_for_function(
            """(rowName) => [...document.querySelectorAll("#devserver-rows tbody tr")].some((row) =>
                 row.querySelector("td.name a")?.textContent.trim() === rowName
                 && row.querySelector("[data-testid=status]").textContent.trim() === "Running")""",
            arg=name,
            timeout=RUNNING_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError as error:
        row = DevServer.objects.filter(name=name).first()
        in_db = (
            f"{row.status}, events {list(row.events.values_list('status_to', 'message'))}"
            if row
            else "no row"
        )
        raise AssertionError(
            f"{name} never showed Running (database: {in_db}); seen {page.evaluate('window.__seen')}; "
            f"{describe(page, 'running')}"
        ) from error


def assert_changed_in_place(page: Page, navigations: list[str], name: str) -> list[dict]:
    seen = page.evaluate("window.__seen")
    assert navigations == [], f"the page navigated while {name} changed: {navigations}"
    assert page.evaluate("window.__marker") == 1, "the page was reloaded: the marker is gone"
    assert page.evaluate("window.__swaps") >= 1, "no HTMX swap happened, yet the row changed"
    changing = [state for state in seen if state["text"] in CHANGING_LABELS]
    assert changing, f"never saw {name} in a changing state before Running; seen {seen}"
    assert all(state["spinner"] for state in changing), f"a changing badge had no spinner: {seen}"
    assert seen.index(changing[0]) < len(seen) - 1 and seen[-1] == {"text": "Running", "spinner": False}, (
        f"the row did not go from changing to Running: {seen}"
    )
    return seen


# 1. The test: fill the form like a user, then watch the list go to Running by itself ---------------


def test_a_request_made_in_the_form_goes_to_running_in_the_open_list(
    page, owner, account, celery_worker, emulator
):
    emulator.set_lifecycle(create_seconds=4)
    log_in(page, owner, next_path="/devservers/new/")
    expect(page).to_have_url(re.compile(r"/devservers/new/$"))
    expect(page.get_by_role("heading", name="New DevServer")).to_be_visible()

    page.get_by_label("Name").fill("browser-box")
    choose_flavor_and_image(page)
    expect(page.locator("#id_vpc_id")).to_have_value(SEED_VPC_ID)
    expect(page.locator("#id_subnet_id")).to_have_value(SEED_SUBNET_ID)
    expect(page.locator("#id_security_group_id")).to_have_value(SEED_SECURITY_GROUP_ID)
    expect(page.get_by_role("textbox", name="Password", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Password again").fill(GOOD_PASSWORD)
    expect(page.locator("#password-checklist li.passed")).to_have_count(4)
    page.screenshot(path=str(shot_path("create-form-filled")), full_page=True)

    page.get_by_role("button", name="Request DevServer").click()

    expect(page).to_have_url(re.compile(r"/devservers/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Requested 1 server: browser-box.")
    expect(page.get_by_role("heading", name="browser-box")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Instances").click()
    expect(page).to_have_url(re.compile(r"/devservers/$"))
    row = page.locator(
        "#devserver-rows tbody tr", has=page.get_by_role("link", name="browser-box", exact=True)
    )
    expect(row).to_have_count(1)
    navigations = watch_row(page, "browser-box")
    first = page.evaluate("window.__seen")
    assert first and first[0]["text"] in CHANGING_LABELS, (
        f"the list opened with {first}, not a changing state; {describe(page, 'list-opened')}"
    )

    wait_until_running(page, "browser-box")

    assert_changed_in_place(page, navigations, "browser-box")
    expect(row.locator("td.mono")).not_to_have_text("—")  # the private IP arrived with Running
    expect(page.locator("#totals")).to_contain_text(re.compile(r"1\s+running"))
    expect(page.locator("#totals")).to_contain_text(re.compile(r"0\s+changing"))
    page.screenshot(path=str(shot_path("list-running")), full_page=True)


# 2. The password checklist, and what a refused password leaves in the form ---------------------------------


def test_the_password_checklist_follows_typing_and_a_bad_password_keeps_the_rest(
    page, owner, account, emulator
):
    log_in(page, owner, next_path="/devservers/new/")
    checklist = page.locator("#password-checklist")
    password = page.get_by_role("textbox", name="Password", exact=True)
    expect(checklist.locator("li.passed")).to_have_count(0)

    password.press_sequentially("ab")
    expect(checklist.locator("li.passed")).to_have_text(
        [
            "Only letters, digits and !@%-_=+[{}]:,./?",
            "Does not contain root, administrator, or either reversed",
        ]
    )
    expect(checklist.locator("[data-check=length]")).to_have_class(re.compile(r"\bfailed\b"))
    password.press_sequentially("cdefG1")
    expect(checklist.locator("[data-check=length]")).to_have_class(re.compile(r"\bpassed\b"))
    expect(checklist.locator("[data-check=classes]")).to_have_class(re.compile(r"\bpassed\b"))
    password.press_sequentially("toor")
    expect(checklist.locator("[data-check=words]")).to_have_class(re.compile(r"\bfailed\b"))
    password.press_sequentially("#")
    expect(checklist.locator("[data-check=charset]")).to_have_class(re.compile(r"\bfailed\b"))
    password.press("Backspace")
    expect(checklist.locator("[data-check=charset]")).to_have_class(re.compile(r"\bpassed\b"))

    page.get_by_label("Name").fill("keep-my-values")
    choose_flavor_and_image(page)
    script = "#!/bin/bash\necho 'hello from user data'\n"
    page.get_by_label("User data script").fill(script)
    page.get_by_label("Password again").fill("abcdefG1toor")
    page.get_by_role("button", name="Request DevServer").click()

    error = page.locator("#field-admin_pass .field-error")
    expect(error).to_contain_text("Does not contain root, administrator, or either reversed")
    expect(page.locator("#field-admin_pass")).to_have_class(re.compile(r"\bhas-error\b"))
    expect(page.locator(".form-error")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(1)  # nothing else was wrong
    expect(page.get_by_label("Name")).to_have_value("keep-my-values")
    expect(page.get_by_label("User data script")).to_have_value(script)
    expect(flavor_radio(page, SEED_FLAVOR)).to_be_checked()
    expect(page.locator("#id_image_id")).to_have_value(SEED_IMAGE_ID)
    expect(page.get_by_role("textbox", name="Password", exact=True)).to_have_value("")
    expect(page.get_by_label("Password again")).to_have_value("")
    assert not DevServer.objects.exists(), "a refused form still saved a request"


# 3. Dependent choices: server type and architecture refill the flavors, the VPC its subnets and groups -----


def test_choosing_type_architecture_and_vpc_refreshes_the_dependent_choices(page, owner, account, emulator):
    log_in(page, owner, next_path="/devservers/new/")
    table = page.locator("#flavor-table")
    expect(flavor_radio(page, SEED_FLAVOR)).to_be_enabled()
    expect(flavor_radio(page, "c7.4xlarge.2")).to_be_disabled()  # sold out
    expect(table.locator("tr.sold-out")).to_have_count(2)
    expect(table).not_to_contain_text("Ascend")

    page.get_by_label("ARM", exact=True).check()

    expect(flavor_radio(page, "kai1s.xlarge.4")).to_be_enabled()
    expect(table).to_contain_text("1 × Ascend-310")
    expect(flavor_radio(page, "kai1s.2xlarge.4")).to_be_disabled()
    expect(table.locator("tr.sold-out")).to_contain_text("kai1s.2xlarge.4")
    expect(flavor_radio(page, SEED_FLAVOR)).to_have_count(0)

    flavor_radio(page, "kai1s.xlarge.4").check()
    # The image built for the flavor's Ascend NPU heads the list (and is chosen), the CPU ones follow.
    expect(page.locator("#id_image_id option")).to_have_text(
        [
            "Choose an image",
            "EulerOS2.10_aarch64_CANN6.3_Ascend310",
            "EulerOS2.10_aarch64_CPU",
            "Ubuntu22.04_aarch64_CPU",
        ]
    )

    page.get_by_label("BMS (bare metal)").check()
    expect(flavor_radio(page, "physical.kat2ne.48xlarge.8.313t")).to_be_enabled()
    expect(table).to_contain_text("8 × Ascend-910B")
    expect(table.locator("input[name=flavor]")).to_have_count(1)
    expect(page.get_by_label("RoCE network ID")).to_be_visible()  # bare metal only

    training = next(vpc for vpc in VPCS if vpc.name == "vpc-training")
    page.get_by_label("VPC").select_option(training.id)
    subnets = [subnet.name for subnet in SUBNETS if subnet.vpc_id == training.id]
    groups = [group.name for group in SECURITY_GROUPS if group.vpc_id == training.id]
    expect(page.locator("#id_subnet_id option")).to_have_text(
        [re.compile(re.escape(name)) for name in subnets]
    )
    expect(page.locator("#id_security_group_id option")).to_have_text(groups)

    page.get_by_label("VPC").select_option(SEED_VPC_ID)
    expect(page.locator("#id_subnet_id")).to_have_value(SEED_SUBNET_ID)
    expect(page.locator("#id_security_group_id option")).to_have_text(
        ["sg-devserver-default", "sg-devserver-ssh"]
    )
    assert page.url.endswith("/devservers/new/"), f"the form page was left: {describe(page, 'dependent')}"


# The dependent-choice fragments refill choices from the few values they carry; they must not show
# validation errors for fields the user has not reached yet (they once did, by binding the form).


def _no_field_errors(page: Page, scope: str) -> None:
    expect(page.locator(f"{scope} .field-error")).to_have_count(0, timeout=1_000)
    expect(page.locator(f"{scope} .has-error, {scope}.has-error")).to_have_count(0, timeout=1_000)


def test_choosing_a_flavor_does_not_flag_the_image_not_yet_chosen(page, owner, account, emulator):
    log_in(page, owner, next_path="/devservers/new/")
    flavor_radio(page, SEED_FLAVOR).check()
    expect(page.locator(f'#id_image_id option[value="{SEED_IMAGE_ID}"]')).to_be_attached()

    _no_field_errors(page, "#field-image_id")


def test_switching_architecture_drops_the_old_flavor_and_its_images(page, owner, account, emulator):
    log_in(page, owner, next_path="/devservers/new/")
    choose_flavor_and_image(page)

    page.get_by_label("ARM", exact=True).check()

    # The refreshed table and the image field come in one answer.
    expect(flavor_radio(page, "kc1.large.4")).to_be_visible()
    _no_field_errors(page, "#flavor-table")  # shows "Si2.large.4 is an X86 flavor, not ARM."
    expect(page.locator("#id_image_id option")).to_have_text(["Choose an image"], timeout=1_000)


def test_switching_vpc_does_not_flag_the_subnet_and_group_just_refilled(page, owner, account, emulator):
    log_in(page, owner, next_path="/devservers/new/")
    training = next(vpc for vpc in VPCS if vpc.name == "vpc-training")

    page.get_by_label("VPC").select_option(training.id)

    expect(page.locator("#id_subnet_id")).to_contain_text("subnet-training-a")
    _no_field_errors(page, "#network-dependent")  # shows "This field is required." under both


# 4. A server requested elsewhere appears in an open list by itself -----------------------------------------


def test_a_server_requested_elsewhere_appears_in_the_open_list(page, owner, account, celery_worker, emulator):
    emulator.set_lifecycle(create_seconds=2)
    log_in(page, owner)
    expect(page).to_have_url(re.compile(r"/devservers/$"))
    expect(page.locator("#devserver-rows")).to_contain_text("No DevServers yet")
    navigations = watch_row(page, "made-elsewhere")

    form = DevServerRequestForm(valid_request(name="made-elsewhere"), account=account)
    assert form.is_valid(), form.errors
    requesting.devserver_request(
        owner=owner, account=account, spec=form.to_spec(), admin_pass=GOOD_PASSWORD
    )

    expect(page.get_by_role("link", name="made-elsewhere", exact=True)).to_be_visible()
    wait_until_running(page, "made-elsewhere")
    assert_changed_in_place(page, navigations, "made-elsewhere")
    expect(page.locator("#devserver-rows")).not_to_contain_text("No DevServers yet")
    expect(page.locator("#totals")).to_contain_text(re.compile(r"1\s+in all"))
