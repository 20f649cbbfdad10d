"""Every documented create rule, one bad value each: a 400 ModelArts.0104 naming that field.

The cases start from the create page's example request and change one thing. Type-breaking
values are sent on purpose (the request dataclasses do not check types; the service does).
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest

from modelarts_client import (
    ChargingInfo,
    CloudError,
    CreateServerRequest,
    ErrorKind,
    ModelArtsClient,
    RootVolume,
    ServerNetwork,
)
from tests.client.helpers import seed_request

SEED = seed_request()
NETWORK = SEED.network
OTHER_VPC_SUBNET_NAME = "subnet-training-a"
UNKNOWN_UUID = "11111111-2222-4333-8444-555555555555"
GPU_IMAGE_NAME = "Ubuntu20.04_x86_64_CUDA11.8_GPU"
PREPAID_ONLY_FLAVOR = "physical.kat2ne.48xlarge.8.313t"
VALID_CHARGING = ChargingInfo("POST_PAID", "HOUR", 1)


def _network(**changes: Any) -> ServerNetwork:
    return replace(NETWORK, **changes)


def _charging(**changes: Any) -> ChargingInfo:
    return replace(VALID_CHARGING, **changes)


def _userdata_of(size: int) -> str:
    return base64.b64encode(b"#" * size).decode("ascii")


# (case id, changes to the seed request, field the error message must name)
RULES: list[tuple[str, dict[str, Any], str]] = [
    ("name-empty", {"name": ""}, "name"),
    ("name-bad-characters", {"name": "dev server!"}, "name"),
    ("name-too-long", {"name": "n" * 65}, "name"),
    ("name-not-a-string", {"name": 42}, "name"),
    ("flavor-empty", {"flavor": ""}, "flavor"),
    ("flavor-too-long", {"flavor": "f" * 129}, "flavor"),
    ("flavor-unknown", {"flavor": "no.such.flavor"}, "flavor"),
    ("flavor-sold-out", {"flavor": "c7.4xlarge.2"}, "flavor"),
    ("image-not-uuid", {"image_id": "ubuntu"}, "image_id"),
    ("image-unknown", {"image_id": UNKNOWN_UUID}, "image_id"),
    ("network-not-object", {"network": "vpc"}, "network"),
    ("vpc-missing", {"network": _network(vpc_id=None)}, "network.vpc_id"),
    ("vpc-not-uuid", {"network": _network(vpc_id="vpc-1")}, "network.vpc_id"),
    ("vpc-unknown", {"network": _network(vpc_id=UNKNOWN_UUID)}, "network.vpc_id"),
    ("subnet-missing", {"network": _network(subnet_id=None)}, "network.subnet_id"),
    ("subnet-not-uuid", {"network": _network(subnet_id="subnet")}, "network.subnet_id"),
    ("subnet-unknown", {"network": _network(subnet_id=UNKNOWN_UUID)}, "network.subnet_id"),
    ("sg-missing", {"network": _network(security_group_id=None)}, "network.security_group_id"),
    ("sg-not-uuid", {"network": _network(security_group_id="sg")}, "network.security_group_id"),
    ("sg-unknown", {"network": _network(security_group_id=UNKNOWN_UUID)}, "network.security_group_id"),
    ("ipv6-not-bool", {"network": _network(ipv6_enable="yes")}, "network.ipv6_enable"),
    ("roce-not-uuid", {"network": _network(roce_id="roce")}, "network.roce_id"),
    ("roce-on-ecs", {"network": _network(roce_id=UNKNOWN_UUID)}, "network.roce_id"),
    ("password-too-short", {"admin_pass": "Ab1!x"}, "admin_pass"),
    ("password-too-long", {"admin_pass": "Ab1!" + "x" * 23}, "admin_pass"),
    ("password-two-kinds", {"admin_pass": "abcdefgh12"}, "admin_pass"),
    ("password-bad-character", {"admin_pass": "Abc 12345!"}, "admin_pass"),
    ("password-contains-root", {"admin_pass": "MyRoot@2024"}, "admin_pass"),
    ("password-contains-toor", {"admin_pass": "Toor@2024x"}, "admin_pass"),
    ("password-contains-administrator", {"admin_pass": "Administrator@1"}, "admin_pass"),
    ("password-contains-rotartsinimda", {"admin_pass": "rotartsinimdA@1"}, "admin_pass"),
    ("password-not-a-string", {"admin_pass": 12345678}, "admin_pass"),
    ("key-pair-bad-characters", {"admin_pass": None, "key_pair_name": "key pair!"}, "key_pair_name"),
    ("key-pair-too-long", {"admin_pass": None, "key_pair_name": "k" * 65}, "key_pair_name"),
    ("key-pair-unknown", {"admin_pass": None, "key_pair_name": "NoSuchKeyPair"}, "key_pair_name"),
    ("login-both", {"key_pair_name": "KeyPair-dev"}, "admin_pass"),
    ("login-neither", {"admin_pass": None}, "admin_pass"),
    ("arch-unknown", {"arch": "MIPS"}, "arch"),
    ("arch-not-the-flavors", {"arch": "ARM"}, "arch"),
    ("zone-bad-characters", {"availability_zone": "zone a!"}, "availability_zone"),
    ("zone-too-long", {"availability_zone": "z" * 257}, "availability_zone"),
    ("zone-unknown", {"availability_zone": "cn-north-4z"}, "availability_zone"),
    ("charging-not-object", {"charging_info": "POST_PAID"}, "charging_info"),
    (
        "charging-mode-missing",
        {"charging_info": _charging(charging_mode=None)},
        "charging_info.charging_mode",
    ),
    (
        "charging-mode-unknown",
        {"charging_info": _charging(charging_mode="FREE")},
        "charging_info.charging_mode",
    ),
    ("period-type-missing", {"charging_info": _charging(period_type=None)}, "charging_info.period_type"),
    ("period-type-unknown", {"charging_info": _charging(period_type="DECADE")}, "charging_info.period_type"),
    ("period-num-missing", {"charging_info": _charging(period_num=None)}, "charging_info.period_num"),
    ("period-num-zero", {"charging_info": _charging(period_num=0)}, "charging_info.period_num"),
    ("period-num-twelve", {"charging_info": _charging(period_num=12)}, "charging_info.period_num"),
    ("auto-pay-not-bool", {"charging_info": _charging(is_auto_pay="yes")}, "charging_info.is_auto_pay"),
    ("auto-renew-not-bool", {"charging_info": _charging(is_auto_renew=1)}, "charging_info.is_auto_renew"),
    ("count-zero", {"count": 0}, "count"),
    ("count-eleven", {"count": 11}, "count"),
    ("count-not-integer", {"count": "two"}, "count"),
    ("enterprise-project-too-long", {"enterprise_project_id": "e" * 37}, "enterprise_project_id"),
    ("enterprise-project-bad-characters", {"enterprise_project_id": "ep 1"}, "enterprise_project_id"),
    ("root-volume-not-object", {"root_volume": 100}, "root_volume"),
    ("root-volume-too-small", {"root_volume": RootVolume(size=99)}, "root_volume.size"),
    ("root-volume-too-large", {"root_volume": RootVolume(size=1025)}, "root_volume.size"),
    ("root-volume-type-unknown", {"root_volume": RootVolume(type="NVME")}, "root_volume.type"),
    ("server-type-unknown", {"server_type": "VM"}, "server_type"),
    ("server-type-not-the-flavors", {"server_type": "BMS"}, "server_type"),
    ("userdata-not-base64", {"userdata": "echo hello"}, "userdata"),
    ("userdata-too-large", {"userdata": _userdata_of(32 * 1024 + 1)}, "userdata"),
    ("userdata-not-a-string", {"userdata": 7}, "userdata"),
]


@pytest.mark.parametrize(("changes", "field"), [pytest.param(c, f, id=i) for i, c, f in RULES])
def test_each_rule_refuses_its_field(
    cloud_client: ModelArtsClient, changes: dict[str, Any], field: str
) -> None:
    request = replace(SEED, **{"name": "validation-case", **changes})

    with pytest.raises(CloudError) as error:
        cloud_client.create_dev_server(request)

    assert error.value.status == 400
    assert error.value.error_code == "ModelArts.0104"
    assert error.value.error_msg.startswith(f"Invalid parameter: {field} "), error.value.error_msg
    assert error.value.kind is ErrorKind.PERMANENT
    assert not error.value.retry_safe


def _image_id(client: ModelArtsClient, name: str) -> str:
    return next(image.image_id for image in client.list_images() if image.name == name and image.image_id)


def _subnet_id_named(client: ModelArtsClient, name: str) -> str:
    vpc_ids = [vpc.id for vpc in client.list_vpcs() if vpc.id]
    subnets = [subnet for vpc_id in vpc_ids for subnet in client.list_subnets(vpc_id)]
    return next(subnet.id for subnet in subnets if subnet.name == name and subnet.id)


def _foreign_security_group_id(client: ModelArtsClient) -> str:
    other_vpc = next(vpc.id for vpc in client.list_vpcs() if vpc.id and vpc.id != NETWORK.vpc_id)
    return next(group.id for group in client.list_security_groups(other_vpc) if group.id)


def _refusal(client: ModelArtsClient, request: CreateServerRequest) -> CloudError:
    with pytest.raises(CloudError) as error:
        client.create_dev_server(request)
    assert (error.value.status, error.value.error_code) == (400, "ModelArts.0104")
    return error.value


def test_a_subnet_of_another_vpc_is_refused(cloud_client: ModelArtsClient) -> None:
    foreign_subnet = _subnet_id_named(cloud_client, OTHER_VPC_SUBNET_NAME)

    error = _refusal(cloud_client, replace(SEED, network=_network(subnet_id=foreign_subnet)))

    assert error.error_msg.startswith("Invalid parameter: network.subnet_id ")


def test_a_security_group_of_another_vpc_is_refused(cloud_client: ModelArtsClient) -> None:
    foreign_group = _foreign_security_group_id(cloud_client)

    error = _refusal(cloud_client, replace(SEED, network=_network(security_group_id=foreign_group)))

    assert error.error_msg.startswith("Invalid parameter: network.security_group_id ")


def test_an_image_that_does_not_fit_the_flavor_is_refused(cloud_client: ModelArtsClient) -> None:
    gpu_image = _image_id(cloud_client, GPU_IMAGE_NAME)

    error = _refusal(cloud_client, replace(SEED, image_id=gpu_image))

    assert error.error_msg.startswith("Invalid parameter: image_id ")


def test_a_charging_mode_the_flavor_does_not_sell_is_refused(cloud_client: ModelArtsClient) -> None:
    flavor = next(flavor for flavor in cloud_client.list_flavors() if flavor.name == PREPAID_ONLY_FLAVOR)
    image = cloud_client.list_images(flavor_name=PREPAID_ONLY_FLAVOR)[0]
    assert flavor.charging_modes == ["PRE_PAID"]
    request = replace(
        SEED,
        flavor=PREPAID_ONLY_FLAVOR,
        image_id=image.image_id or "",
        charging_info=_charging(charging_mode="POST_PAID"),
    )

    error = _refusal(cloud_client, request)

    assert error.error_msg.startswith("Invalid parameter: charging_info.charging_mode ")


def test_userdata_at_the_size_limit_is_accepted(cloud_client: ModelArtsClient) -> None:
    server = cloud_client.create_dev_server(replace(SEED, userdata=_userdata_of(32 * 1024)))

    assert server.id


def test_nothing_is_created_by_a_refused_request(cloud_client: ModelArtsClient, emulator: Any) -> None:
    _refusal(cloud_client, replace(SEED, count=0))

    assert cloud_client.list_dev_servers().total == 0
    assert emulator.counters_by_status()["POST /v1/{project_id}/dev-servers"] == {"400": 1}
