"""The create request's checks (seed Table 2 and the documented constraints).

Each refusal names the field by its dotted path, as the service's ModelArts.0104 answers do. The
admin password is checked here and then forgotten: it is never stored, echoed or logged.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass
from typing import Any

from modelarts_emulator import catalogue
from modelarts_emulator.catalogue import Flavor, Image, SecurityGroup, Subnet, Vpc
from modelarts_emulator.errors import invalid_parameter

NAME_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,64}")
ENTERPRISE_PROJECT_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,36}")
AVAILABILITY_ZONE_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,256}")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PASSWORD_SPECIALS = "!@%-_=+[{}]:,./?"
PASSWORD_FORBIDDEN_USERS = ("root", "administrator")
MAX_USER_DATA_BYTES = 32 * 1024

ARCHES = ("ARM", "X86")
SERVER_TYPES = ("BMS", "ECS", "HPS")
CHARGING_MODES = ("COMMON", "POST_PAID", "PRE_PAID")
PERIOD_TYPES = ("ABSOLUTE", "DAY", "HOUR", "MONTH", "WEEK", "YEAR")
ROOT_VOLUME_TYPES = ("ESSD", "GPSSD", "SAS", "SATA", "SSD")
DEFAULT_ROOT_VOLUME_SIZE = 100
DEFAULT_ROOT_VOLUME_TYPE = "GPSSD"


@dataclass(frozen=True)
class CreateSpec:
    """A create request that passed every check, holding the catalogue objects it refers to."""

    name: str
    count: int
    flavor: Flavor
    image: Image
    vpc: Vpc
    subnet: Subnet
    security_group: SecurityGroup
    ipv6_enable: bool
    roce_id: str | None
    key_pair_name: str | None
    availability_zone: str
    charging_mode: str
    root_volume_size: int
    root_volume_type: str
    enterprise_project_id: str | None


# --- type checks -------------------------------------------------------------------------------


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_parameter(path, "must be an object")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(path, "must be a string")
    return value


def _integer(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_parameter(path, "must be an integer")
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(path, "must be a boolean")
    return value


def _required(body: dict[str, Any], key: str, path: str) -> Any:
    if body.get(key) is None:
        raise invalid_parameter(path, "is required")
    return body[key]


def _matching(value: Any, pattern: re.Pattern[str], path: str, describe: str) -> str:
    text = _string(value, path)
    if not pattern.fullmatch(text):
        raise invalid_parameter(path, f"must be {describe}")
    return text


def _uuid(value: Any, path: str) -> str:
    return _matching(value, UUID_PATTERN, path, "a UUID of 36 characters")


def _one_of(value: Any, allowed: tuple[str, ...], path: str) -> str:
    text = _string(value, path)
    if text not in allowed:
        raise invalid_parameter(path, f"must be one of {', '.join(allowed)}")
    return text


def _in_range(value: Any, low: int, high: int, path: str) -> int:
    number = _integer(value, path)
    if not low <= number <= high:
        raise invalid_parameter(path, f"must be between {low} and {high}")
    return number


# --- field rules -------------------------------------------------------------------------------


def check_admin_pass(password: Any) -> None:
    text = _string(password, "admin_pass")
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


def _check_user_data(body: dict[str, Any]) -> None:
    given = [key for key in ("userdata", "user_data") if body.get(key) is not None]
    if len(given) > 1:
        raise invalid_parameter("user_data", "must not be sent together with userdata")
    if not given:
        return
    key = given[0]
    encoded = _string(body[key], key)
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise invalid_parameter(key, "must be valid base64") from None
    if len(decoded) > MAX_USER_DATA_BYTES:
        raise invalid_parameter(key, "must be at most 32 KiB before encoding")


@dataclass(frozen=True)
class _NetworkFields:
    vpc_id: str
    subnet_id: str
    security_group_id: str
    ipv6_enable: bool
    roce_id: str | None


def _network_fields(value: Any) -> _NetworkFields:
    network = _object(value, "network")
    ipv6_enable = network.get("ipv6_enable")
    roce_id = network.get("roce_id")
    return _NetworkFields(
        vpc_id=_uuid(_required(network, "vpc_id", "network.vpc_id"), "network.vpc_id"),
        subnet_id=_uuid(_required(network, "subnet_id", "network.subnet_id"), "network.subnet_id"),
        security_group_id=_uuid(
            _required(network, "security_group_id", "network.security_group_id"), "network.security_group_id"
        ),
        ipv6_enable=False if ipv6_enable is None else _boolean(ipv6_enable, "network.ipv6_enable"),
        roce_id=None if roce_id is None else _uuid(roce_id, "network.roce_id"),
    )


def _charging_mode(value: Any) -> str | None:
    if value is None:
        return None
    charging = _object(value, "charging_info")
    mode = _one_of(
        _required(charging, "charging_mode", "charging_info.charging_mode"),
        CHARGING_MODES,
        "charging_info.charging_mode",
    )
    _one_of(
        _required(charging, "period_type", "charging_info.period_type"),
        PERIOD_TYPES,
        "charging_info.period_type",
    )
    _in_range(
        _required(charging, "period_num", "charging_info.period_num"), 1, 11, "charging_info.period_num"
    )
    for flag in ("is_auto_pay", "is_auto_renew"):
        if charging.get(flag) is not None:
            _boolean(charging[flag], f"charging_info.{flag}")
    return mode


def _root_volume(value: Any) -> tuple[int, str]:
    if value is None:
        return DEFAULT_ROOT_VOLUME_SIZE, DEFAULT_ROOT_VOLUME_TYPE
    volume = _object(value, "root_volume")
    size = volume.get("size")
    volume_type = volume.get("type")
    return (
        DEFAULT_ROOT_VOLUME_SIZE if size is None else _in_range(size, 100, 1024, "root_volume.size"),
        DEFAULT_ROOT_VOLUME_TYPE
        if volume_type is None
        else _one_of(volume_type, ROOT_VOLUME_TYPES, "root_volume.type"),
    )


def _flavor_name(body: dict[str, Any]) -> tuple[str, str]:
    given = [key for key in ("flavor", "resource_flavor") if body.get(key) is not None]
    if not given:
        raise invalid_parameter("flavor", "is required")
    if len(given) > 1:
        raise invalid_parameter("resource_flavor", "must not be sent together with flavor")
    key = given[0]
    name = _string(body[key], key)
    if not 1 <= len(name) <= 128:
        raise invalid_parameter(key, "must be 1 to 128 characters long")
    return key, name


def _login_key_pair(body: dict[str, Any]) -> str | None:
    has_password = body.get("admin_pass") is not None
    has_key_pair = body.get("key_pair_name") is not None
    if has_password == has_key_pair:
        raise invalid_parameter("admin_pass", "exactly one of admin_pass and key_pair_name must be given")
    if has_password:
        check_admin_pass(body["admin_pass"])
        return None
    return _matching(
        body["key_pair_name"], NAME_PATTERN, "key_pair_name", "1 to 64 letters, digits, -, _ or ."
    )


# --- references into the catalogue ---------------------------------------------------------------


def _existing_flavor(field: str, name: str) -> Flavor:
    flavor = catalogue.flavor_named(name)
    if flavor is None:
        raise invalid_parameter(field, f"{name} does not exist")
    if flavor.sold_out:
        raise invalid_parameter(field, f"{name} is sold out")
    return flavor


def _existing_image(image_id: str, flavor: Flavor) -> Image:
    image = catalogue.image_with_id(image_id)
    if image is None:
        raise invalid_parameter("image_id", f"{image_id} does not exist")
    if not image.fits(flavor):
        raise invalid_parameter("image_id", f"{image.name} cannot run on flavor {flavor.name}")
    return image


def _existing_network(fields: _NetworkFields) -> tuple[Vpc, Subnet, SecurityGroup]:
    vpc = catalogue.vpc_with_id(fields.vpc_id)
    if vpc is None:
        raise invalid_parameter("network.vpc_id", f"{fields.vpc_id} does not exist")
    subnet = catalogue.subnet_with_id(fields.subnet_id)
    if subnet is None:
        raise invalid_parameter("network.subnet_id", f"{fields.subnet_id} does not exist")
    if subnet.vpc_id != vpc.id:
        raise invalid_parameter("network.subnet_id", f"{subnet.id} does not belong to VPC {vpc.id}")
    group = catalogue.security_group_with_id(fields.security_group_id)
    if group is None:
        raise invalid_parameter("network.security_group_id", f"{fields.security_group_id} does not exist")
    if group.vpc_id != vpc.id:
        raise invalid_parameter("network.security_group_id", f"{group.id} does not belong to VPC {vpc.id}")
    return vpc, subnet, group


def _charging_mode_offered(mode: str | None, flavor: Flavor) -> str:
    if mode is None:
        return catalogue.POST_PAID
    offered = set(flavor.charging_modes)
    # COMMON means the buyer accepts either, so the flavor must sell both.
    wanted = set(catalogue.BOTH_CHARGING_MODES) if mode == "COMMON" else {mode}
    if not wanted <= offered:
        raise invalid_parameter(
            "charging_info.charging_mode", f"{mode} is not offered for flavor {flavor.name}"
        )
    return mode


def _matches_flavor(body: dict[str, Any], key: str, allowed: tuple[str, ...], flavor_value: str) -> None:
    value = body.get(key)
    if value is not None and _one_of(value, allowed, key) != flavor_value:
        raise invalid_parameter(key, f"{value} does not match the flavor ({flavor_value})")


def validate_create_request(body: Any) -> CreateSpec:
    request = _object(body, "body")
    name = _matching(
        _required(request, "name", "name"), NAME_PATTERN, "name", "1 to 64 letters, digits, -, _ or ."
    )
    flavor_field, flavor_name = _flavor_name(request)
    image_id = _uuid(_required(request, "image_id", "image_id"), "image_id")
    network = _network_fields(_required(request, "network", "network"))
    key_pair_name = _login_key_pair(request)
    for key, allowed in (("arch", ARCHES), ("server_type", SERVER_TYPES)):
        if request.get(key) is not None:
            _one_of(request[key], allowed, key)
    zone = request.get("availability_zone")
    if zone is not None:
        _matching(zone, AVAILABILITY_ZONE_PATTERN, "availability_zone", "1 to 256 letters, digits, -, _ or .")
    requested_mode = _charging_mode(request.get("charging_info"))
    count = 1 if request.get("count") is None else _in_range(request["count"], 1, 10, "count")
    enterprise_project_id = request.get("enterprise_project_id")
    if enterprise_project_id is not None:
        _matching(
            enterprise_project_id,
            ENTERPRISE_PROJECT_PATTERN,
            "enterprise_project_id",
            "1 to 36 letters, digits, -, _ or .",
        )
    root_volume_size, root_volume_type = _root_volume(request.get("root_volume"))
    _check_user_data(request)

    flavor = _existing_flavor(flavor_field, flavor_name)
    image = _existing_image(image_id, flavor)
    vpc, subnet, security_group = _existing_network(network)
    if key_pair_name is not None and catalogue.key_pair_named(key_pair_name) is None:
        raise invalid_parameter("key_pair_name", f"{key_pair_name} does not exist")
    _matches_flavor(request, "arch", ARCHES, flavor.arch)
    _matches_flavor(request, "server_type", SERVER_TYPES, flavor.server_type)
    if network.roce_id is not None and flavor.server_type != "BMS":
        raise invalid_parameter("network.roce_id", "is only allowed for bare-metal (BMS) flavors")
    if zone is not None and zone not in catalogue.AVAILABILITY_ZONES:
        raise invalid_parameter("availability_zone", f"{zone} is not a zone of this region")
    if count > 1 and len(f"{name}-{count}") > 64:
        raise invalid_parameter("name", "is too long to add the -N suffix for count > 1")
    return CreateSpec(
        name=name,
        count=count,
        flavor=flavor,
        image=image,
        vpc=vpc,
        subnet=subnet,
        security_group=security_group,
        ipv6_enable=network.ipv6_enable,
        roce_id=network.roce_id,
        key_pair_name=key_pair_name,
        availability_zone=zone if zone is not None else subnet.availability_zone,
        charging_mode=_charging_mode_offered(requested_mode, flavor),
        root_volume_size=root_volume_size,
        root_volume_type=root_volume_type,
        enterprise_project_id=enterprise_project_id,
    )
