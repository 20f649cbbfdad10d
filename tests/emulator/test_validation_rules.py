"""The password and user-data rules, checked in-process for their exact boundaries."""

from __future__ import annotations

import base64

import pytest

from modelarts_emulator.errors import ApiError
from modelarts_emulator.field_rules import check_admin_pass
from modelarts_emulator.validation import validate_create_request
from tests.emulator.helpers import SEED_CREATE_REQUEST


@pytest.mark.parametrize(
    "password",
    ["@DevServer", "Abcdef12", "Abcdefgh12" + "Xy34!" * 3 + "z", "abc-def-12", "ABC_DEF_12", "Booster-9"],
)
def test_it_accepts_passwords_meeting_the_policy(password: str) -> None:
    check_admin_pass(password)


@pytest.mark.parametrize(
    "password", ["Abcdef1", "A" * 10 + "b" * 10 + "1" * 7, "MyROOTpass1", "xyz-TOOR-1", "Administrator9!"]
)
def test_it_refuses_passwords_breaking_the_policy(password: str) -> None:
    with pytest.raises(ApiError) as refusal:
        check_admin_pass(password)

    assert refusal.value.error_msg.startswith("Invalid parameter: admin_pass ")
    assert password not in refusal.value.error_msg


def test_user_data_may_decode_to_exactly_32_kib() -> None:
    body = {**SEED_CREATE_REQUEST, "userdata": base64.b64encode(b"x" * 32 * 1024).decode()}

    assert validate_create_request(body).name == "EI-evs-1107"


def test_both_user_data_spellings_at_once_are_refused() -> None:
    script = base64.b64encode(b"echo").decode()

    with pytest.raises(ApiError) as refusal:
        validate_create_request({**SEED_CREATE_REQUEST, "userdata": script, "user_data": script})

    assert refusal.value.error_msg.startswith("Invalid parameter: user_data ")
