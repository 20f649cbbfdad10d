"""Encryption at rest for secrets kept in the database."""

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

KEYS_SETTING = "SECRETS_ENCRYPTION_KEYS"
KEYS_HINT = (
    "Each key is 32 bytes in url-safe base64 (44 characters); make one with "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
)


def key_problems(keys: Sequence[str]) -> list[str]:
    """What is wrong with the configured keys, naming each bad key by its position, never by its value."""
    if not keys:
        return [f"{KEYS_SETTING} is empty: set at least one Fernet key."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("utf-8"))
        except ValueError:  # binascii.Error, a bad length or padding, is a ValueError too
            problems.append(f"{KEYS_SETTING}: key {position} of {len(keys)} is not a Fernet key.")
    return problems


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.SECRETS_ENCRYPTION_KEYS])


def encrypt_secret(plain_text: str) -> str:
    if not plain_text:
        return ""
    return _fernet().encrypt(plain_text.encode("utf-8")).decode("ascii")


def decrypt_secret(cipher_text: str) -> str:
    if not cipher_text:
        return ""
    try:
        return _fernet().decrypt(cipher_text.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ValueError("A stored secret cannot be decrypted with the configured keys.") from error


def reencrypt_secret(cipher_text: str) -> str:
    """The same secret encrypted under the first key, for rotation; the plain text never leaves here."""
    try:
        return _fernet().rotate(cipher_text.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise ValueError("A stored secret cannot be decrypted with the configured keys.") from error
