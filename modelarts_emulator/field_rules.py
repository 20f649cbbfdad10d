"""The create fields whose rules go beyond a type and a range: the login password and the user data."""

from __future__ import annotations

import base64
import binascii
import string
from typing import Any

from modelarts_emulator.checks import a_string
from modelarts_emulator.errors import invalid_parameter

PASSWORD_SPECIALS = "!@%-_=+[{}]:,./?"
PASSWORD_FORBIDDEN_USERS = ("root", "administrator")
MAX_USER_DATA_BYTES = 32 * 1024


def check_admin_pass(password: Any) -> None:
    text = a_string(password, "admin_pass")
    if not 8 <= len(text) <= 26:
        raise invalid_parameter("admin_pass", "must be 8 to 26 characters long")
    allowed = set(string.ascii_letters + string.digits + PASSWORD_SPECIALS)
    if any(character not in allowed for character in text):
        raise invalid_parameter("admin_pass", f"may only hold letters, digits and {PASSWORD_SPECIALS}")
    kinds = [
        any(character.isupper() for character in text),
        any(character.islower() for character in text),
        any(character.isdigit() for character in text),
        any(character in PASSWORD_SPECIALS for character in text),
    ]
    if sum(kinds) < 3:
        raise invalid_parameter(
            "admin_pass", "must contain at least three of: uppercase, lowercase, digits, special characters"
        )
    lowered = text.lower()
    for user_name in PASSWORD_FORBIDDEN_USERS:
        if lowered in (user_name, user_name[::-1]):
            raise invalid_parameter("admin_pass", "must not be the user name or the user name reversed")
    for user_name in PASSWORD_FORBIDDEN_USERS:
        if user_name in lowered or user_name[::-1] in lowered:
            raise invalid_parameter("admin_pass", "must not contain root, administrator or their reverses")


def check_user_data(body: dict[str, Any]) -> None:
    given = [key for key in ("userdata", "user_data") if body.get(key) is not None]
    if len(given) > 1:
        raise invalid_parameter("user_data", "must not be sent together with userdata")
    if not given:
        return
    key = given[0]
    encoded = a_string(body[key], key)
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise invalid_parameter(key, "must be valid base64") from None
    if len(decoded) > MAX_USER_DATA_BYTES:
        raise invalid_parameter(key, "must be at most 32 KiB before encoding")
