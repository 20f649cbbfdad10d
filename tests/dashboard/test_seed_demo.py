"""The demo data the README's run command creates."""

import pytest
from django.core.management import call_command

from devservers.models import CloudAccount, Membership, Team

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_two_teams_and_can_run_again(capsys):
    call_command("seed_demo", "--emulator-url", "http://127.0.0.1:8900/")
    call_command("seed_demo", "--emulator-url", "http://127.0.0.1:8900/")

    printed = capsys.readouterr().out
    assert "alice  / alice-demo-pass" in printed
    platform = Team.objects.get(name="ML Platform")
    assert set(platform.memberships.values_list("user__username", "role")) == {
        ("alice", Membership.Role.MEMBER),
        ("bob", Membership.Role.ADMIN),
    }
    assert platform.policy.approval_for_accelerators
    assert CloudAccount.objects.count() == 2
    assert {account.modelarts_endpoint for account in CloudAccount.objects.all()} == {"http://127.0.0.1:8900"}
    assert Team.objects.get(name="Research").accounts.get() != platform.accounts.get()
