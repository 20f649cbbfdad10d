"""Encryption at rest for secrets kept in the database."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


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
