"""The language switcher in a real browser: one click turns the pages and their scripts' words into
Simplified Chinese, the choice stays across pages, and another click brings English back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.world import make_devserver

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_switcher_turns_pages_and_scripts_chinese_and_back(page: Page, owner, account):
    make_devserver(owner, account, name="lang-box", cloud_id="c-lang")
    log_in(page, owner)
    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="新建 DevServer")).to_be_visible()
    expect(page.locator("#list-status option").first).to_have_text("任意状态")

    # The scripts speak it too: the batch buttons' hint and the stop question come from the JS catalogue.
    stop = page.locator("#batch-form button[value=stop]")
    expect(stop).to_have_attribute("title", "请先在列表中选择服务器")
    page.get_by_label("选择 lang-box").check()
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    stop.click()
    assert questions == ["停止 lang-box？其上未保存的工作将会丢失。"]

    page.get_by_role("link", name="团队").first.click()
    expect(page.get_by_role("heading", name="团队")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Teams")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
