"""Demo data: two teams on two emulator projects, their users, and a superuser.

Only for the demo: it reads the emulator's published default credentials, the one place the
dashboard knows the emulator exists.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from devservers.crypto import encrypt_secret
from devservers.models import CloudAccount, Membership, Team, TeamPolicy
from modelarts_emulator import config as emulator_config


@dataclass(frozen=True)
class DemoUser:
    name: str
    password: str
    team: str
    role: str


DEMO_USERS = (
    DemoUser("admin", "admin-demo-pass", "", "superuser: sees and manages everything"),
    DemoUser("alice", "alice-demo-pass", "ML Platform", Membership.Role.MEMBER),
    DemoUser("bob", "bob-demo-pass", "ML Platform", Membership.Role.ADMIN),
    DemoUser("carol", "carol-demo-pass", "Research", Membership.Role.ADMIN),
)


# Cost control in the demo: a monthly budget, and GPU/NPU servers that stop at 20:00 and are
# deleted after 14 days (at most 30) unless their owners choose otherwise.
DEMO_POLICY = {
    "max_accelerators_per_team": 16,
    "monthly_budget": Decimal("50000"),
    "default_daily_stop_time": datetime.time(20, 0),
    "default_lifetime_days": 14,
    "max_lifetime_days": 30,
}


class Command(BaseCommand):
    help = "Create (or reset) the demo users, teams and emulator cloud accounts; prints the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--emulator-url", default="http://127.0.0.1:8900")

    def handle(self, *args, emulator_url: str, **options) -> None:
        url = emulator_url.rstrip("/")
        endpoints = {"modelarts_endpoint": url, "vpc_endpoint": url, "ecs_endpoint": url, "iam_endpoint": url}
        platform_account = self._account(
            "Emulator (local)",
            emulator_config.DEFAULT_PROJECT_ID,
            emulator_config.DEFAULT_ACCESS_KEY,
            emulator_config.DEFAULT_SECRET_KEY,
            region=emulator_config.DEFAULT_REGION,
            **endpoints,
        )
        research_account = self._account(
            "Emulator (research project)",
            emulator_config.OTHER_PROJECT_ID,
            emulator_config.SECOND_ACCESS_KEY,
            emulator_config.SECOND_SECRET_KEY,
            region=emulator_config.DEFAULT_REGION,
            **endpoints,
        )
        teams = {
            "ML Platform": self._team("ML Platform", platform_account),
            "Research": self._team("Research", research_account),
        }
        self.stdout.write(
            f"Cloud accounts on the emulator at {url}: {platform_account.name}, {research_account.name}"
        )
        self.stdout.write("Demo logins (user / password):")
        for demo in DEMO_USERS:
            self._user(demo, teams)
            where = f"{demo.role} of {demo.team}" if demo.team else demo.role
            self.stdout.write(f"  {demo.name:<6} / {demo.password:<16} {where}")
        self.stdout.write(
            "ML Platform's policy holds accelerator (GPU/NPU) and prepaid requests for a team admin's approval."
        )
        self.stdout.write(
            "Each team has a monthly budget of 50,000 CNY; GPU/NPU servers stop daily at 20:00 and are "
            "deleted after 14 days unless their owners choose otherwise."
        )

    def _account(
        self, name: str, project_id: str, access_key: str, secret_key: str, **fields: str
    ) -> CloudAccount:
        account, _ = CloudAccount.objects.update_or_create(
            name=name,
            defaults={
                "project_id": project_id,
                "auth_method": CloudAccount.AuthMethod.AKSK,
                "access_key": access_key,
                "secret_key_encrypted": encrypt_secret(secret_key),
                "is_active": True,
                **fields,
            },
        )
        return account

    def _team(self, name: str, account: CloudAccount) -> Team:
        team, _ = Team.objects.get_or_create(name=name)
        team.accounts.set([account])
        TeamPolicy.objects.get_or_create(team=team, defaults=DEMO_POLICY)
        return team

    def _user(self, demo: DemoUser, teams: dict[str, Team]) -> None:
        user, _ = get_user_model().objects.get_or_create(username=demo.name)
        user.is_staff = user.is_superuser = not demo.team
        user.set_password(demo.password)
        # An address, so the demo's notification emails have somewhere to go (the console, under `./dev run`).
        user.email = user.email or f"{demo.name}@example.com"
        user.save()
        if demo.team:
            Membership.objects.update_or_create(
                team=teams[demo.team], user=user, defaults={"role": demo.role}
            )
