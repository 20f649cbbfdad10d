"""Who is told what when a request or a server changes, by email; each user can turn each kind off.

A status change queues its notice after the transaction commits (a rolled-back change tells nobody;
`notifications.tasks`), and a worker sends it: no web request waits on the mail server, and a mail
server that is down is the worker's failure, never the reason a status change fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from devservers.models import (
    AWAITING_APPROVAL,
    DECLINED,
    FAILED_STATUSES,
    DevServer,
    Membership,
    NotificationSettings,
    status_label,
)
from modelarts_client import statuses as cloud_statuses

logger = logging.getLogger(__name__)

APPROVAL_WAITING = "approval_waiting"
APPROVED = "approved"
DECLINED_KIND = "declined"
RUNNING = "running"
FAILED = "failed"
BUDGET = "budget"
KINDS = (APPROVAL_WAITING, APPROVED, DECLINED_KIND, RUNNING, FAILED, BUDGET)


@dataclass(frozen=True)
class Notice:
    kind: str
    recipients: list[AbstractBaseUser]
    subject: str
    body: str


def kind_of_change(status_from: str, status_to: str) -> str | None:
    """The kind of notice a status change calls for, or None."""
    if status_to == status_from:
        return None
    if status_to == AWAITING_APPROVAL:
        return APPROVAL_WAITING
    if status_from == AWAITING_APPROVAL and status_to != DECLINED:
        return APPROVED
    if status_to == DECLINED:
        return DECLINED_KIND
    if status_to == cloud_statuses.RUNNING:
        return RUNNING
    if status_to in FAILED_STATUSES:
        return FAILED
    return None


def wants(user: AbstractBaseUser, kind: str) -> bool:
    choices = NotificationSettings.objects.filter(user=user).first()
    return bool(user.email) and (choices is None or getattr(choices, kind))


def _team_admins(devserver: DevServer) -> list[AbstractBaseUser]:
    if devserver.team_id is None:
        return []
    memberships = Membership.objects.filter(team_id=devserver.team_id, role=Membership.Role.ADMIN)
    return [
        membership.user
        for membership in memberships.select_related("user")
        if membership.user != devserver.owner
    ]


def _link(devserver: DevServer) -> str:
    return settings.DASHBOARD_URL + reverse("devservers:detail", args=[devserver.pk])


def notice_for(devserver: DevServer, kind: str) -> Notice:
    # Sent by the worker, in the site's language (LANGUAGE_CODE); the strings are in the catalogue.
    owner = devserver.owner.get_username() if devserver.owner else _("someone")
    link = _link(devserver)
    if kind == APPROVAL_WAITING:
        reasons = ", ".join(devserver.approval_reasons) or _("team policy")
        names = {"owner": owner, "name": devserver.name, "flavor": devserver.flavor, "reasons": reasons, "link": link}
        return Notice(
            kind,
            _team_admins(devserver),
            _("%(owner)s's request %(name)s awaits your approval") % names,
            _("%(owner)s asked for %(name)s (%(flavor)s); it needs approval: %(reasons)s.\n\nApprove or decline it: %(link)s\n")
            % names,
        )
    recipients = [devserver.owner] if devserver.owner else []
    subjects = {
        APPROVED: _("%(name)s was approved") % {"name": devserver.name},
        DECLINED_KIND: _("%(name)s was declined") % {"name": devserver.name},
        RUNNING: _("%(name)s is running") % {"name": devserver.name},
        FAILED: f"{devserver.name}: {status_label(devserver.status).lower()}",
    }
    details = {
        APPROVED: _("It is on its way to the cloud."),
        DECLINED_KIND: _("Reason: %(reason)s.") % {"reason": devserver.decline_reason or _("none given")},
        RUNNING: _("Connect with the command on its page. Private IP: %(ip)s.") % {"ip": devserver.private_ip or _("not known yet")},
        FAILED: f"{devserver.error_code}: {devserver.error_msg}".strip(": ") or _("The cloud gave no reason."),
    }
    return Notice(kind, recipients, subjects[kind], f"{details[kind]}\n\n{link}\n")


def send_notice(notice: Notice) -> int:
    addresses = [user.email for user in notice.recipients if wants(user, notice.kind)]
    if not addresses:
        return 0
    # One message per person, so nobody sees who else was told.
    for address in addresses:
        send_mail(notice.subject, notice.body, None, [address])
    logger.info("notice %s sent to %d", notice.kind, len(addresses))
    return len(addresses)


def send_for(devserver_id: int, kind: str) -> int:
    """Send the notice of one kind about a row as it is now (the worker's half; see `notifications.tasks`)."""
    devserver = DevServer.objects.select_related("owner", "team").filter(pk=devserver_id).first()
    if devserver is None:
        return 0
    return send_notice(notice_for(devserver, kind))
