"""Demo data: three users and a cloud account pointing at the local emulator.

Only for the demo: it reads the emulator's published default credentials, the one place the
dashboard knows the emulator exists.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from devservers.crypto import encrypt_secret
from devservers.models import CloudAccount

DEMO_USERS = (
    ("admin", "admin-demo-pass", True),
    ("alice", "alice-demo-pass", False),
    ("bob", "bob-demo-pass", False),
)


class Command(BaseCommand):
    help = "Create (or reset) the demo users and the emulator cloud account; prints the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--emulator-url", default="http://127.0.0.1:8900")

    def handle(self, *args, emulator_url: str, **options) -> None:
        from modelarts_emulator import config as emulator_config

        url = emulator_url.rstrip("/")
        account, _created = CloudAccount.objects.update_or_create(
            name="Emulator (local)",
            defaults={
                "region": emulator_config.DEFAULT_REGION,
                "project_id": emulator_config.DEFAULT_PROJECT_ID,
                "modelarts_endpoint": url,
                "vpc_endpoint": url,
                "ecs_endpoint": url,
                "iam_endpoint": url,
                "auth_method": CloudAccount.AuthMethod.AKSK,
                "access_key": emulator_config.DEFAULT_ACCESS_KEY,
                "secret_key_encrypted": encrypt_secret(emulator_config.DEFAULT_SECRET_KEY),
                "is_active": True,
            },
        )
        user_model = get_user_model()
        self.stdout.write(f"Cloud account: {account} -> {url}")
        self.stdout.write("Demo logins (user / password):")
        for username, password, is_superuser in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.is_staff = is_superuser
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            role = "superuser" if is_superuser else "engineer"
            self.stdout.write(f"  {username:<6} / {password}   ({role})")
