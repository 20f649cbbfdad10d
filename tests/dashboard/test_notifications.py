"""Notification emails, caught by a real SMTP server (aiosmtpd) on a free local port: who is told what
and when, and the settings page that turns each kind off."""

from __future__ import annotations

import asyncio
import datetime
import email
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from devservers.models import AWAITING_APPROVAL, DevServer, NotificationSettings, TeamPolicy
from devservers.notifications import budgets as budget_notices
from devservers.notifications import mail
from devservers.notifications import tasks as notices
from tests.dashboard.costs_world import price_the_catalogue, with_history
from tests.dashboard.forms_data import valid_request
from tests.fixtures.dashboard import logged_in, wait_for, wait_for_status
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["X-Envelope-To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(settings) -> Iterator[Inbox]:
    caught = Inbox()
    controller = Controller(caught, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield caught
    controller.stop()


@pytest.fixture
def with_addresses(owner, teammate, outsider) -> None:
    for user in (owner, teammate, outsider):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])


@pytest.mark.django_db(transaction=True)
def test_bob_is_told_when_alices_gpu_request_waits_and_alice_when_it_is_running(
    team, owner, teammate, outsider, account, with_addresses, inbox, celery_worker, emulator
):
    emulator.set_lifecycle(create_seconds=1)
    logged_in(owner).post(
        reverse("devservers:create"),
        valid_request(name="gpu-wait", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)),
    )
    devserver = DevServer.objects.get(name="gpu-wait")
    assert devserver.status == AWAITING_APPROVAL

    waiting = wait_for(lambda: inbox.to("bob@example.com"))
    assert waiting[0]["Subject"] == "alice's request gpu-wait awaits your approval"
    assert f"/devservers/{devserver.pk}/" in waiting[0].get_payload()
    assert inbox.to("alice@example.com") == [] and inbox.to("charlie@example.com") == []

    logged_in(teammate).post(reverse("devservers:decide", args=[devserver.pk]), {"decision": "approve"})
    running = wait_for_status(devserver, {"RUNNING"})

    told = wait_for(lambda: len(inbox.to("alice@example.com")) >= 2 and inbox.to("alice@example.com"))
    assert [message["Subject"] for message in told] == ["gpu-wait was approved", "gpu-wait is running"]
    assert f"Private IP: {running.private_ip}." in told[1].get_payload()
    assert len(inbox.to("bob@example.com")) == 1 and inbox.to("charlie@example.com") == []


@pytest.mark.django_db(transaction=True)
def test_a_kind_turned_off_is_not_sent_and_a_decline_says_why(
    team, owner, teammate, account, with_addresses, inbox, celery_worker
):
    client = logged_in(owner)
    page = client.get(reverse("devservers:notifications"))
    assert page.status_code == 200 and "Email me when" in page.content.decode()
    client.post(reverse("devservers:notifications"), {"approved": "on", "running": "on", "failed": "on"})
    assert NotificationSettings.objects.get(user=owner).declined is False

    held = make_devserver(owner, account, team=team, name="held", status=AWAITING_APPROVAL, cloud_id="")
    logged_in(teammate).post(
        reverse("devservers:decide", args=[held.pk]), {"decision": "decline", "reason": "no budget"}
    )
    assert DevServer.objects.get(pk=held.pk).status == "DECLINED"
    # One worker takes its queue in order: once a notice alice wants, queued after the decline's,
    # has arrived, the decline's own (turned off) was handled and sent nothing.
    notices.send_status_notice.delay(held.pk, mail.APPROVED)
    told = wait_for(lambda: inbox.to("alice@example.com"))
    assert [message["Subject"] for message in told] == ["held was approved"]

    NotificationSettings.objects.filter(user=owner).update(declined=True)
    assert mail.send_notice(mail.notice_for(DevServer.objects.get(pk=held.pk), mail.DECLINED_KIND)) == 1
    assert "Reason: no budget." in wait_for(lambda: inbox.to("alice@example.com")[1:])[0].get_payload()


def test_which_changes_tell_anyone():
    assert mail.kind_of_change("", AWAITING_APPROVAL) == mail.APPROVAL_WAITING
    assert mail.kind_of_change(AWAITING_APPROVAL, "QUEUED") == mail.APPROVED
    assert mail.kind_of_change(AWAITING_APPROVAL, "DECLINED") == mail.DECLINED_KIND
    assert mail.kind_of_change("CREATING", "RUNNING") == mail.RUNNING
    assert mail.kind_of_change("CREATING", "CREATE_FAILED") == mail.FAILED
    assert mail.kind_of_change("QUEUED", "SUBMITTING") is None
    assert mail.kind_of_change("RUNNING", "RUNNING") is None


@pytest.mark.django_db
def test_team_admins_are_emailed_once_when_the_budget_is_reached(
    team, owner, teammate, account, with_addresses, inbox
):
    price_the_catalogue()
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    started = max(timezone.now() - datetime.timedelta(hours=10), month_start)
    with_history(
        make_devserver(owner, account, team=team, name="big", flavor=GPU_FLAVOR),
        started,
        [(0, "", "RUNNING")],
    )
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("0.01"))

    first = budget_notices.send_budget_notices(now=timezone.now())
    again = budget_notices.send_budget_notices(now=timezone.now())
    wait_for(lambda: inbox.to("bob@example.com"), timeout=10)

    assert (first, again) == (1, 0)
    (notice,) = inbox.to("bob@example.com")
    assert "Budget: Team ml-platform" in notice["Subject"]
    assert inbox.to("alice@example.com") == []


@pytest.mark.django_db
def test_a_budget_notice_turned_off_is_not_sent(team, owner, teammate, account, with_addresses, inbox):
    price_the_catalogue()
    with_history(
        make_devserver(owner, account, team=team, name="big", flavor=GPU_FLAVOR),
        max(
            timezone.now() - datetime.timedelta(hours=10),
            timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        ),
        [(0, "", "RUNNING")],
    )
    TeamPolicy.objects.filter(team=team).update(monthly_budget=Decimal("0.01"))
    NotificationSettings.objects.create(user=teammate, budget=False)

    budget_notices.send_budget_notices(now=timezone.now())

    assert inbox.to("bob@example.com") == []


class HeldInbox(Inbox):
    """An SMTP server that holds every message until let go (or for 20 s): a sender waits that long."""

    def __init__(self) -> None:
        super().__init__()
        self.let_go = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.to_thread(self.let_go.wait, 20)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db(transaction=True)
def test_a_decision_answers_before_the_mail_server_does_and_the_worker_sends_it(
    team, owner, teammate, account, with_addresses, inbox, settings, celery_worker
):
    held_inbox = HeldInbox()
    controller = Controller(held_inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_PORT = controller.port
    held = make_devserver(owner, account, team=team, name="held", status=AWAITING_APPROVAL, cloud_id="")

    answer = logged_in(teammate).post(
        reverse("devservers:decide", args=[held.pk]), {"decision": "decline", "reason": "no budget"}
    )

    # Sent in-line, the answer would have come only once the held message was taken.
    assert answer.status_code == 302 and held_inbox.messages == []
    held_inbox.let_go.set()
    (told,) = wait_for(lambda: held_inbox.to("alice@example.com"))
    assert told["Subject"] == "held was declined"
    controller.stop()
