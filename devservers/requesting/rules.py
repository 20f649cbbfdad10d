"""The cloud's rules for a create request, checked before anything is sent.

These mirror the rules in the API reference; the emulator enforces the same rules
on its own, so a test that sends what the form let through would catch a gap.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from modelarts_client.results import Subnet

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
ENTERPRISE_PROJECT_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,36}$")
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

PASSWORD_SPECIALS = "!@%-_=+[{}]:,./?"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 26
FORBIDDEN_PASSWORD_WORDS = ("root", "administrator")

ROOT_VOLUME_TYPES = ("ESSD", "GPSSD", "SAS", "SATA", "SSD")
ROOT_VOLUME_MIN_GB = 100
ROOT_VOLUME_MAX_GB = 1024
# Data disks (SDK ServerDataVolume): the same disk types, each disk 100 to 32768 GB, 1 to 8 disks.
DATA_VOLUME_MIN_GB = 100
DATA_VOLUME_MAX_GB = 32768
DATA_VOLUME_COUNT_MIN = 1
DATA_VOLUME_COUNT_MAX = 8
PERIOD_NUM_MIN = 1
PERIOD_NUM_MAX = 11
COUNT_MIN = 1
COUNT_MAX = 10
USERDATA_MAX_BYTES = 32 * 1024


@dataclass(frozen=True)
class PasswordCheck:
    key: str
    label: str
    passed: bool


def _character_classes(password: str) -> int:
    return sum(
        [
            any(char.isupper() for char in password),
            any(char.islower() for char in password),
            any(char.isdigit() for char in password),
            any(char in PASSWORD_SPECIALS for char in password),
        ]
    )


def _only_allowed_characters(password: str) -> bool:
    return all(char.isascii() and (char.isalnum() or char in PASSWORD_SPECIALS) for char in password)


def _contains_forbidden_word(password: str) -> bool:
    lowered = password.lower()
    return any(word in lowered or word[::-1] in lowered for word in FORBIDDEN_PASSWORD_WORDS)


def password_checks(password: str) -> list[PasswordCheck]:
    """Every rule of the cloud's password policy, in the order the form shows them."""
    return [
        PasswordCheck(
            "length",
            _("%(min)s to %(max)s characters") % {"min": PASSWORD_MIN_LENGTH, "max": PASSWORD_MAX_LENGTH},
            PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH,
        ),
        PasswordCheck(
            "classes",
            _("At least three of: uppercase, lowercase, digit, special (%(specials)s)") % {"specials": PASSWORD_SPECIALS},
            _character_classes(password) >= 3,
        ),
        PasswordCheck(
            "charset",
            _("Only letters, digits and %(specials)s") % {"specials": PASSWORD_SPECIALS},
            bool(password) and _only_allowed_characters(password),
        ),
        PasswordCheck(
            "words",
            _("Does not contain root, administrator, or either reversed"),
            bool(password) and not _contains_forbidden_word(password),
        ),
    ]


def password_problems(password: str) -> list[str]:
    return [check.label for check in password_checks(password) if not check.passed]


def name_with_suffix(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}-{index}"


def zone_conflict(*, zone: str, subnet: Subnet) -> str:
    """Why the subnet cannot serve the chosen zone; "" when it can (no zone chosen, or a subnet of any zone)."""
    if not zone or not subnet.availability_zone or subnet.availability_zone == zone:
        return ""
    return _(
        "Subnet %(subnet)s is in %(subnet_zone)s, not %(zone)s; choose a subnet in %(zone)s, or %(subnet_zone)s as the zone."
    ) % {"subnet": subnet.name or subnet.id, "subnet_zone": subnet.availability_zone, "zone": zone}
