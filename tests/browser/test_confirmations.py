"""Stop and Reboot ask in the page when JavaScript runs: a yes sends the action at once (no second
question from the server's confirmation page, which is for browsers without JavaScript)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devservers.models import AuditEntry
from tests.fixtures.world import make_devserver

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stop_confirmed_in_the_page_is_sent_at_once(page, owner, account):
    devserver = make_devserver(owner, account, name="yes-box", cloud_id="c-yes")
    log_in(page, owner)
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))

    with page.expect_navigation():
        page.locator(f"#devserver-{devserver.pk} button[data-action=stop]").click()

    assert questions == ["Stop yes-box? Unsaved work on it will be lost."]
    expect(page).to_have_url(re.compile(r"/devservers/$"))
    # Claimed at once (a worker left running by an earlier test may already have tried the call).
    assert AuditEntry.objects.filter(devserver=devserver, action="stop", outcome="requested").count() == 1
