"""Team admins told by email when their team's (or a member's) spend this month reaches 80% or 100%
of its budget: once per budget, level and month, however often beat looks."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from devservers.costs.budgets import BudgetAlert, budget_alerts
from devservers.models import Membership, Team
from devservers.notifications.mail import BUDGET, Notice, send_notice

# Long enough to outlive the month it is about.
_SENT_SECONDS = 40 * 24 * 3600


def _sent_key(alert: BudgetAlert, now: datetime) -> str:
    # `whose` is text (a team's or a member's name): hashed, so the key holds no space.
    whose = hashlib.sha256(alert.whose.encode()).hexdigest()[:16]
    return f"budget-notice:{alert.team.pk}:{whose}:{alert.level}:{now:%Y-%m}"


def _admins(team: Team) -> list[AbstractBaseUser]:
    return [membership.user for membership in team.memberships.filter(role=Membership.Role.ADMIN)]


def notice_for(alert: BudgetAlert) -> Notice:
    review = reverse("devservers:review")
    return Notice(
        BUDGET,
        _admins(alert.team),
        _("Budget: %(whose)s at %(percent)s%% this month") % {"whose": alert.whose, "percent": alert.percent},
        _("%(message)s\n\nCosts by owner and flavor are on the review page: %(link)s\n") % {"message": alert.message, "link": review},
    )


def send_budget_notices(*, now: datetime) -> int:
    """Email every alert not yet sent this month; returns how many alerts went out."""
    sent = 0
    for alert in budget_alerts(Team.objects.all(), now=now):
        # add() is atomic: two beats at once send one email.
        if cache.add(_sent_key(alert, now), True, timeout=_SENT_SECONDS):
            send_notice(notice_for(alert))
            sent += 1
    return sent
