"""Re-encrypt every stored secret under the first key of SECRETS_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), restart, run this, then drop the old keys.
"""

from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import models

from devservers.crypto import reencrypt_secret
from devservers.models import CloudAccount, DevServer

# Every column that holds Fernet ciphertext.
ENCRYPTED_FIELDS: tuple[tuple[type[models.Model], str], ...] = (
    (CloudAccount, "secret_key_encrypted"),
    (CloudAccount, "iam_password_encrypted"),
    (DevServer, "admin_pass_encrypted"),
)


@dataclass
class Tally:
    rotated: int = 0
    changed_meanwhile: int = 0
    undecryptable: list[str] = field(default_factory=list)


def rotate_column(model: type[models.Model], column: str, tally: Tally) -> None:
    stored = model.objects.exclude(**{column: ""}).values_list("pk", column)
    for pk, cipher_text in stored.iterator():
        try:
            rotated = reencrypt_secret(cipher_text)
        except ValueError:
            tally.undecryptable.append(f"{model.__name__} {pk} {column}")
            continue
        # Only if the value is still the one read: a secret erased or replaced meanwhile stays as it is now.
        if model.objects.filter(pk=pk, **{column: cipher_text}).update(**{column: rotated}):
            tally.rotated += 1
        else:
            tally.changed_meanwhile += 1


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (SKs, IAM passwords, pending login passwords) under the first key."

    def handle(self, *args: object, **options: object) -> None:
        tally = Tally()
        for model, column in ENCRYPTED_FIELDS:
            rotate_column(model, column, tally)
        self.stdout.write(
            f"Re-encrypted {tally.rotated} secret(s) under the first key"
            f"{f'; {tally.changed_meanwhile} changed meanwhile and were left as they are' if tally.changed_meanwhile else ''}."
        )
        if tally.undecryptable:
            raise CommandError(
                f"{len(tally.undecryptable)} stored secret(s) no configured key decrypts, left unchanged: "
                f"{', '.join(tally.undecryptable)}. Add the key they were encrypted with to "
                "SECRETS_ENCRYPTION_KEYS (after the first) and run this again."
            )
