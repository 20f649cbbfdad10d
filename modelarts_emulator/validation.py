"""The create request's checks (seed Table 2, the SDK's `ServerCreateRequest`, the documented constraints).

Each refusal names the field by its dotted path, as the service's ModelArts.0104 answers do. A key
neither the seed nor the SDK defines is refused, and so is one the SDK defines but the emulator
does not implement. The admin password is checked here and then forgotten: it is never stored,
echoed or logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modelarts_emulator import catalogue
from modelarts_emulator.checks import (
    a_boolean,
    a_string,
    a_uuid,
    an_object,
    in_range,
    matching,
    one_of,
    only_known_keys,
    required,
)
from modelarts_emulator.errors import invalid_parameter
from modelarts_emulator.field_rules import check_admin_pass, check_user_data
from modelarts_emulator.resources import (
    BOTH_CHARGING_MODES,
    POST_PAID,
    Flavor,
    Image,
    SecurityGroup,
    Subnet,
    Vpc,
)

NAME_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,64}")
ENTERPRISE_PROJECT_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,36}")
AVAILABILITY_ZONE_PATTERN = re.compile(r"[A-Za-z0-9\-_.]{1,256}")

ARCHES = ("ARM", "X86")
SERVER_TYPES = ("BMS", "ECS", "HPS")
CHARGING_MODES = ("COMMON", "POST_PAID", "PRE_PAID")
PERIOD_TYPES = ("ABSOLUTE", "DAY", "HOUR", "MONTH", "WEEK", "YEAR")
VOLUME_TYPES = ("ESSD", "GPSSD", "SAS", "SATA", "SSD")
DEFAULT_ROOT_VOLUME_SIZE = 100
DEFAULT_VOLUME_TYPE = "GPSSD"

# The seed's Table 2 and the SDK's ServerCreateRequest together; the SDK spells userdata user_data.
CREATE_KEYS = frozenset(
    {
        "admin_pass",
        "arch",
        "availability_zone",
        "charging_info",
        "count",
        "data_volume",
        "enterprise_project_id",
        "flavor",
        "image_id",
        "key_pair_name",
        "name",
        "network",
        "resource_flavor",
        "root_volume",
        "server_type",
        "user_data",
        "userdata",
    }
)
# Supernode (HPS) clusters and extra network wiring, which the SDK knows and the emulator does not model.
UNSUPPORTED_CREATE_KEYS = frozenset({"hps_cluster_id"})
NETWORK_KEYS = frozenset({"ipv6_enable", "roce_id", "security_group_id", "subnet_id", "vpc_id"})
UNSUPPORTED_NETWORK_KEYS = frozenset({"allowed_address_pairs", "hyper_cluster", "hyper_group"})
CHARGING_INFO_KEYS = frozenset({"charging_mode", "is_auto_pay", "is_auto_renew", "period_num", "period_type"})
ROOT_VOLUME_KEYS = frozenset({"size", "type"})
DATA_VOLUME_KEYS = frozenset({"size", "type", "count"})


@dataclass(frozen=True)
class DataVolumeSpec:
    """`count` data disks of `size` GB each, on every server of the request."""

    size: int
    type: str
    count: int


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
    data_volume: DataVolumeSpec | None
    enterprise_project_id: str | None


# --- field rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NetworkFields:
    vpc_id: str
    subnet_id: str
    security_group_id: str
    ipv6_enable: bool
    roce_id: str | None


def _network_fields(value: Any) -> _NetworkFields:
    network = an_object(value, "network")
    only_known_keys(network, known=NETWORK_KEYS, unsupported=UNSUPPORTED_NETWORK_KEYS, parent="network")
    ipv6_enable = network.get("ipv6_enable")
    roce_id = network.get("roce_id")
    return _NetworkFields(
        vpc_id=a_uuid(required(network, "vpc_id", "network.vpc_id"), "network.vpc_id"),
        subnet_id=a_uuid(required(network, "subnet_id", "network.subnet_id"), "network.subnet_id"),
        security_group_id=a_uuid(
            required(network, "security_group_id", "network.security_group_id"), "network.security_group_id"
        ),
        ipv6_enable=False if ipv6_enable is None else a_boolean(ipv6_enable, "network.ipv6_enable"),
        roce_id=None if roce_id is None else a_uuid(roce_id, "network.roce_id"),
    )


def _charging_mode(value: Any) -> str | None:
    if value is None:
        return None
    charging = an_object(value, "charging_info")
    only_known_keys(charging, known=CHARGING_INFO_KEYS, parent="charging_info")
    mode = one_of(
        required(charging, "charging_mode", "charging_info.charging_mode"),
        CHARGING_MODES,
        "charging_info.charging_mode",
    )
    one_of(
        required(charging, "period_type", "charging_info.period_type"),
        PERIOD_TYPES,
        "charging_info.period_type",
    )
    in_range(required(charging, "period_num", "charging_info.period_num"), 1, 11, "charging_info.period_num")
    for flag in ("is_auto_pay", "is_auto_renew"):
        if charging.get(flag) is not None:
            a_boolean(charging[flag], f"charging_info.{flag}")
    return mode


def _root_volume(value: Any) -> tuple[int, str]:
    if value is None:
        return DEFAULT_ROOT_VOLUME_SIZE, DEFAULT_VOLUME_TYPE
    volume = an_object(value, "root_volume")
    only_known_keys(volume, known=ROOT_VOLUME_KEYS, parent="root_volume")
    size = volume.get("size")
    volume_type = volume.get("type")
    return (
        DEFAULT_ROOT_VOLUME_SIZE if size is None else in_range(size, 100, 1024, "root_volume.size"),
        DEFAULT_VOLUME_TYPE if volume_type is None else one_of(volume_type, VOLUME_TYPES, "root_volume.type"),
    )


def _data_volume(value: Any) -> DataVolumeSpec | None:
    if value is None:
        return None
    volume = an_object(value, "data_volume")
    only_known_keys(volume, known=DATA_VOLUME_KEYS, parent="data_volume")
    volume_type = volume.get("type")
    disk_count = volume.get("count")
    return DataVolumeSpec(
        size=in_range(required(volume, "size", "data_volume.size"), 100, 32768, "data_volume.size"),
        type=DEFAULT_VOLUME_TYPE
        if volume_type is None
        else one_of(volume_type, VOLUME_TYPES, "data_volume.type"),
        count=1 if disk_count is None else in_range(disk_count, 1, 8, "data_volume.count"),
    )


def _flavor_name(body: dict[str, Any]) -> tuple[str, str]:
    given = [key for key in ("flavor", "resource_flavor") if body.get(key) is not None]
    if not given:
        raise invalid_parameter("flavor", "is required")
    if len(given) > 1:
        raise invalid_parameter("resource_flavor", "must not be sent together with flavor")
    key = given[0]
    name = a_string(body[key], key)
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
    return matching(
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
        return POST_PAID
    offered = set(flavor.charging_modes)
    # COMMON means the buyer accepts either, so the flavor must sell both.
    wanted = set(BOTH_CHARGING_MODES) if mode == "COMMON" else {mode}
    if not wanted <= offered:
        raise invalid_parameter(
            "charging_info.charging_mode", f"{mode} is not offered for flavor {flavor.name}"
        )
    return mode


def _matches_flavor(body: dict[str, Any], key: str, allowed: tuple[str, ...], flavor_value: str) -> None:
    value = body.get(key)
    if value is not None and one_of(value, allowed, key) != flavor_value:
        raise invalid_parameter(key, f"{value} does not match the flavor ({flavor_value})")


@dataclass(frozen=True)
class _References:
    flavor: Flavor
    image: Image
    vpc: Vpc
    subnet: Subnet
    security_group: SecurityGroup


def _references(
    request: dict[str, Any], *, flavor_field: str, flavor_name: str, image_id: str, network: _NetworkFields
) -> _References:
    """The catalogue objects the request names, each checked to exist and to fit the others."""
    flavor = _existing_flavor(flavor_field, flavor_name)
    image = _existing_image(image_id, flavor)
    vpc, subnet, security_group = _existing_network(network)
    key_pair_name = request.get("key_pair_name")
    if key_pair_name is not None and catalogue.key_pair_named(key_pair_name) is None:
        raise invalid_parameter("key_pair_name", f"{key_pair_name} does not exist")
    _matches_flavor(request, "arch", ARCHES, flavor.arch)
    _matches_flavor(request, "server_type", SERVER_TYPES, flavor.server_type)
    if network.roce_id is not None and flavor.server_type != "BMS":
        raise invalid_parameter("network.roce_id", "is only allowed for bare-metal (BMS) flavors")
    zone = request.get("availability_zone")
    if zone is not None and zone not in catalogue.AVAILABILITY_ZONES:
        raise invalid_parameter("availability_zone", f"{zone} is not a zone of this region")
    return _References(flavor=flavor, image=image, vpc=vpc, subnet=subnet, security_group=security_group)


def _optional_text_fields(request: dict[str, Any]) -> None:
    for key, allowed in (("arch", ARCHES), ("server_type", SERVER_TYPES)):
        if request.get(key) is not None:
            one_of(request[key], allowed, key)
    if request.get("availability_zone") is not None:
        matching(
            request["availability_zone"],
            AVAILABILITY_ZONE_PATTERN,
            "availability_zone",
            "1 to 256 letters, digits, -, _ or .",
        )
    if request.get("enterprise_project_id") is not None:
        matching(
            request["enterprise_project_id"],
            ENTERPRISE_PROJECT_PATTERN,
            "enterprise_project_id",
            "1 to 36 letters, digits, -, _ or .",
        )


def validate_create_request(body: Any) -> CreateSpec:
    request = an_object(body, "body")
    only_known_keys(request, known=CREATE_KEYS, unsupported=UNSUPPORTED_CREATE_KEYS)
    name = matching(
        required(request, "name", "name"), NAME_PATTERN, "name", "1 to 64 letters, digits, -, _ or ."
    )
    flavor_field, flavor_name = _flavor_name(request)
    image_id = a_uuid(required(request, "image_id", "image_id"), "image_id")
    network = _network_fields(required(request, "network", "network"))
    key_pair_name = _login_key_pair(request)
    _optional_text_fields(request)
    requested_mode = _charging_mode(request.get("charging_info"))
    count = 1 if request.get("count") is None else in_range(request["count"], 1, 10, "count")
    root_volume_size, root_volume_type = _root_volume(request.get("root_volume"))
    data_volume = _data_volume(request.get("data_volume"))
    check_user_data(request)

    found = _references(
        request, flavor_field=flavor_field, flavor_name=flavor_name, image_id=image_id, network=network
    )
    if count > 1 and len(f"{name}-{count}") > 64:
        raise invalid_parameter("name", "is too long to add the -N suffix for count > 1")
    zone = request.get("availability_zone")
    return CreateSpec(
        name=name,
        count=count,
        flavor=found.flavor,
        image=found.image,
        vpc=found.vpc,
        subnet=found.subnet,
        security_group=found.security_group,
        ipv6_enable=network.ipv6_enable,
        roce_id=network.roce_id,
        key_pair_name=key_pair_name,
        availability_zone=zone if zone is not None else found.subnet.availability_zone,
        charging_mode=_charging_mode_offered(requested_mode, found.flavor),
        root_volume_size=root_volume_size,
        root_volume_type=root_volume_type,
        data_volume=data_volume,
        enterprise_project_id=request.get("enterprise_project_id"),
    )
