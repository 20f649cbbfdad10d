"""SECRETS_ENCRYPTION_KEYS: a bad key stops the start and fails the system check, naming the variable
and never the key; `rotate_secrets` re-encrypts every stored secret under the first key."""

import base64
import os
import secrets

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from devservers.checks import check_secrets_encryption_keys
from devservers.crypto import decrypt_secret, encrypt_secret
from devservers.models import CloudAccount, DevServer
from tests.dashboard.test_settings import run_manage
from tests.fixtures.world import make_devserver

MALFORMED_KEY = "this-is-not-a-fernet-key-but-looks-secret"


def new_key() -> str:
    return Fernet.generate_key().decode()


def production(**environment: str) -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "dashboard.example.com",
        **environment,
    }


def test_a_bad_key_stops_the_start_with_a_message_naming_the_variable():
    result = run_manage("check", DJANGO_DEBUG="1", SECRETS_ENCRYPTION_KEYS=MALFORMED_KEY)

    assert result.returncode != 0
    assert "SECRETS_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key." in result.stderr
    assert MALFORMED_KEY not in result.stderr + result.stdout


def test_check_deploy_fails_on_a_bad_key_after_a_good_one():
    good = base64.urlsafe_b64encode(os.urandom(32)).decode()
    result = run_manage("check", "--deploy", **production(SECRETS_ENCRYPTION_KEYS=f"{good},{MALFORMED_KEY}"))

    assert result.returncode != 0
    assert "SECRETS_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key." in result.stderr
    assert MALFORMED_KEY not in result.stderr + result.stdout


def test_the_system_check_reports_each_bad_key(settings):
    settings.SECRETS_ENCRYPTION_KEYS = [new_key(), "short", new_key()]

    errors = check_secrets_encryption_keys(None)

    assert [(error.id, error.msg) for error in errors] == [
        ("devservers.E001", "SECRETS_ENCRYPTION_KEYS: key 2 of 3 is not a Fernet key.")
    ]
    with pytest.raises(SystemCheckError, match=r"devservers\.E001"):
        call_command("check")


def test_the_system_check_passes_good_keys(settings):
    settings.SECRETS_ENCRYPTION_KEYS = [new_key(), new_key()]

    assert check_secrets_encryption_keys(None) == []


@pytest.mark.django_db
def test_rotation_reencrypts_every_stored_secret_under_the_first_key(settings, owner, capsys):
    old_key, new = new_key(), new_key()
    settings.SECRETS_ENCRYPTION_KEYS = [old_key]
    account = CloudAccount.objects.create(
        name="rotating",
        project_id="p",
        secret_key_encrypted=encrypt_secret("the-sk"),
        iam_password_encrypted=encrypt_secret("the-iam-password"),
    )
    pending = make_devserver(
        owner, account, name="pending", admin_pass_encrypted=encrypt_secret("Login-pass-1")
    )
    erased = make_devserver(owner, account, name="erased", admin_pass_encrypted="")

    settings.SECRETS_ENCRYPTION_KEYS = [new, old_key]
    call_command("rotate_secrets")

    settings.SECRETS_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still decrypts
    account.refresh_from_db()
    assert decrypt_secret(account.secret_key_encrypted) == "the-sk"
    assert decrypt_secret(account.iam_password_encrypted) == "the-iam-password"
    assert decrypt_secret(DevServer.objects.get(pk=pending.pk).admin_pass_encrypted) == "Login-pass-1"
    assert DevServer.objects.get(pk=erased.pk).admin_pass_encrypted == ""
    printed = capsys.readouterr().out
    assert "Re-encrypted 3 secret(s) under the first key." in printed
    assert "the-sk" not in printed


@pytest.mark.django_db
def test_rotation_names_what_no_key_decrypts_and_rotates_the_rest(settings):
    lost_key, kept_key = new_key(), new_key()
    settings.SECRETS_ENCRYPTION_KEYS = [lost_key]
    orphan = CloudAccount.objects.create(
        name="orphan", project_id="p", secret_key_encrypted=encrypt_secret("x")
    )
    settings.SECRETS_ENCRYPTION_KEYS = [kept_key]
    fine = CloudAccount.objects.create(name="fine", project_id="p", secret_key_encrypted=encrypt_secret("y"))
    orphan_cipher = orphan.secret_key_encrypted

    with pytest.raises(CommandError, match=rf"CloudAccount {orphan.pk} secret_key_encrypted"):
        call_command("rotate_secrets")

    orphan.refresh_from_db()
    fine.refresh_from_db()
    assert orphan.secret_key_encrypted == orphan_cipher  # left as it was, for the right key to read later
    assert decrypt_secret(fine.secret_key_encrypted) == "y"
