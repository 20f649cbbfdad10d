"""Type and range checks of request fields; each refusal names the field by its dotted path."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from modelarts_emulator.errors import invalid_parameter

UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def joined(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def an_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_parameter(path, "must be an object")
    return value


def a_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(path, "must be a string")
    return value


def an_integer(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_parameter(path, "must be an integer")
    return value


def a_boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(path, "must be a boolean")
    return value


def required(body: dict[str, Any], key: str, path: str) -> Any:
    if body.get(key) is None:
        raise invalid_parameter(path, "is required")
    return body[key]


def matching(value: Any, pattern: re.Pattern[str], path: str, describe: str) -> str:
    text = a_string(value, path)
    if not pattern.fullmatch(text):
        raise invalid_parameter(path, f"must be {describe}")
    return text


def a_uuid(value: Any, path: str) -> str:
    return matching(value, UUID_PATTERN, path, "a UUID of 36 characters")


def one_of(value: Any, allowed: tuple[str, ...], path: str) -> str:
    text = a_string(value, path)
    if text not in allowed:
        raise invalid_parameter(path, f"must be one of {', '.join(allowed)}")
    return text


def in_range(value: Any, low: int, high: int, path: str) -> int:
    number = an_integer(value, path)
    if not low <= number <= high:
        raise invalid_parameter(path, f"must be between {low} and {high}")
    return number


def only_known_keys(
    body: dict[str, Any], *, known: Collection[str], unsupported: Collection[str] = (), parent: str = ""
) -> None:
    """Refuse a key the API does not define, and one it defines but the emulator does not implement.

    Nothing is accepted and silently dropped: a client sending it would believe it took effect.
    """
    for key in body:
        if key in unsupported and body[key] is not None:
            raise invalid_parameter(joined(parent, key), "is not supported by this emulator")
        if key not in known and key not in unsupported:
            raise invalid_parameter(joined(parent, key), "is not a known parameter")
