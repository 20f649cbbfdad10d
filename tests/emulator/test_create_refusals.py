"""Every create the service refuses, each answered 400 ModelArts.0104 naming the field by its path."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

import pytest

from modelarts_emulator import catalogue
from tests.emulator.helpers import (
    NPU_BMS_IMAGE_ID,
    SEED_CREATE_REQUEST,
    post_create,
    servers_path,
    signed_request,
)
from tests.fixtures.emulator import EmulatorHandle

GPU_IMAGE_ID = next(image.id for image in catalogue.IMAGES if image.name == "Ubuntu20.04_x86_64_CUDA11.8_GPU")
OTHER_VPC = catalogue.VPCS[1]
OTHER_VPC_SUBNET = next(subnet for subnet in catalogue.SUBNETS if subnet.vpc_id == OTHER_VPC.id)
OTHER_VPC_GROUP = next(group for group in catalogue.SECURITY_GROUPS if group.vpc_id == OTHER_VPC.id)


def _with(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SEED_CREATE_REQUEST)
    for dotted, value in changes.items():
        target = body
        *parents, leaf = dotted.split("__")
        for parent in parents:
            target = target.setdefault(parent, {})
        if value is _REMOVE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return body


_REMOVE = object()
_KEY_INSTEAD_OF_PASSWORD = {"admin_pass": _REMOVE, "key_pair_name": "KeyPair-dev"}
_MONTHLY = {"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1}

INVALID_BODIES = [
    pytest.param(_with(name=_REMOVE), "name", id="name-missing"),
    pytest.param(_with(name=""), "name", id="name-empty"),
    pytest.param(_with(name="x" * 65), "name", id="name-too-long"),
    pytest.param(_with(name="has space"), "name", id="name-bad-char"),
    pytest.param(_with(name=12), "name", id="name-not-string"),
    pytest.param(_with(flavor=_REMOVE), "flavor", id="flavor-missing"),
    pytest.param(_with(flavor="no.such.flavor"), "flavor", id="flavor-unknown"),
    pytest.param(_with(flavor="x" * 129), "flavor", id="flavor-too-long"),
    pytest.param(_with(flavor="c7.4xlarge.2"), "flavor", id="flavor-sold-out"),
    pytest.param(_with(resource_flavor="Si2.large.4"), "resource_flavor", id="flavor-and-resource-flavor"),
    pytest.param(_with(image_id="not-a-uuid"), "image_id", id="image-not-uuid"),
    pytest.param(_with(image_id=str(uuid.uuid4())), "image_id", id="image-unknown"),
    pytest.param(_with(image_id=GPU_IMAGE_ID), "image_id", id="image-needs-gpu"),
    pytest.param(_with(network=_REMOVE), "network", id="network-missing"),
    pytest.param(_with(network="vpc"), "network", id="network-not-object"),
    pytest.param(_with(network__vpc_id=_REMOVE), "network.vpc_id", id="vpc-missing"),
    pytest.param(_with(network__vpc_id=str(uuid.uuid4())), "network.vpc_id", id="vpc-unknown"),
    pytest.param(_with(network__subnet_id="abc"), "network.subnet_id", id="subnet-not-uuid"),
    pytest.param(_with(network__subnet_id=str(uuid.uuid4())), "network.subnet_id", id="subnet-unknown"),
    pytest.param(_with(network__subnet_id=OTHER_VPC_SUBNET.id), "network.subnet_id", id="subnet-other-vpc"),
    pytest.param(
        _with(network__security_group_id=OTHER_VPC_GROUP.id),
        "network.security_group_id",
        id="group-other-vpc",
    ),
    pytest.param(_with(network__security_group_id=_REMOVE), "network.security_group_id", id="group-missing"),
    pytest.param(_with(network__ipv6_enable="yes"), "network.ipv6_enable", id="ipv6-not-bool"),
    pytest.param(_with(network__roce_id=str(uuid.uuid4())), "network.roce_id", id="roce-on-ecs"),
    pytest.param(_with(network__roce_id="roce"), "network.roce_id", id="roce-not-uuid"),
    pytest.param(_with(admin_pass=_REMOVE), "admin_pass", id="no-login"),
    pytest.param(_with(key_pair_name="KeyPair-dev"), "admin_pass", id="password-and-key"),
    pytest.param(_with(admin_pass="Ab1!"), "admin_pass", id="password-short"),
    pytest.param(_with(admin_pass="Abcdefgh1!" * 3), "admin_pass", id="password-long"),
    pytest.param(_with(admin_pass="abcdefgh12"), "admin_pass", id="password-two-kinds"),
    pytest.param(_with(admin_pass="Abcdefg1#"), "admin_pass", id="password-bad-special"),
    pytest.param(_with(admin_pass="Abc defg1!"), "admin_pass", id="password-space"),
    pytest.param(_with(admin_pass="MyRoot12!"), "admin_pass", id="password-contains-root"),
    pytest.param(_with(admin_pass="xTOOR-123"), "admin_pass", id="password-contains-toor"),
    pytest.param(_with(admin_pass="Administrator1"), "admin_pass", id="password-is-administrator"),
    pytest.param(_with(admin_pass="9rotartsinimdA"), "admin_pass", id="password-administrator-reversed"),
    pytest.param(
        _with(**_KEY_INSTEAD_OF_PASSWORD | {"key_pair_name": "bad key"}), "key_pair_name", id="key-bad"
    ),
    pytest.param(
        _with(**_KEY_INSTEAD_OF_PASSWORD | {"key_pair_name": "KeyPair-x"}), "key_pair_name", id="key-gone"
    ),
    pytest.param(_with(arch="RISCV"), "arch", id="arch-unknown"),
    pytest.param(_with(arch="ARM"), "arch", id="arch-mismatch"),
    pytest.param(_with(server_type="VM"), "server_type", id="server-type-unknown"),
    pytest.param(_with(server_type="BMS"), "server_type", id="server-type-mismatch"),
    pytest.param(_with(server_type="HPS"), "server_type", id="server-type-hps-on-ecs"),
    pytest.param(_with(availability_zone="cn-north-4z"), "availability_zone", id="zone-unknown"),
    pytest.param(_with(availability_zone="zone a"), "availability_zone", id="zone-pattern"),
    pytest.param(_with(charging_info="monthly"), "charging_info", id="charging-not-object"),
    pytest.param(
        _with(charging_info={"period_type": "MONTH", "period_num": 1}),
        "charging_info.charging_mode",
        id="charging-mode-missing",
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"charging_mode": "FREE"}),
        "charging_info.charging_mode",
        id="charging-mode-unknown",
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"period_type": "DECADE"}),
        "charging_info.period_type",
        id="period-type-unknown",
    ),
    pytest.param(
        _with(charging_info={"charging_mode": "POST_PAID", "period_type": "HOUR"}),
        "charging_info.period_num",
        id="period-num-missing",
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"period_num": 12}), "charging_info.period_num", id="period-12"
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"period_num": 0}), "charging_info.period_num", id="period-0"
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"period_num": "1"}), "charging_info.period_num", id="period-str"
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"is_auto_pay": "true"}),
        "charging_info.is_auto_pay",
        id="auto-pay-str",
    ),
    pytest.param(
        _with(charging_info=_MONTHLY | {"is_auto_renew": 1}),
        "charging_info.is_auto_renew",
        id="auto-renew-int",
    ),
    pytest.param(_with(count=0), "count", id="count-0"),
    pytest.param(_with(count=11), "count", id="count-11"),
    pytest.param(_with(count=True), "count", id="count-bool"),
    pytest.param(_with(count=2.5), "count", id="count-float"),
    pytest.param(_with(enterprise_project_id="x" * 37), "enterprise_project_id", id="enterprise-too-long"),
    pytest.param(_with(root_volume={"size": 99}), "root_volume.size", id="disk-small"),
    pytest.param(_with(root_volume={"size": 1025}), "root_volume.size", id="disk-large"),
    pytest.param(_with(root_volume={"size": "100"}), "root_volume.size", id="disk-str"),
    pytest.param(_with(root_volume={"type": "NVME"}), "root_volume.type", id="disk-type"),
    pytest.param(_with(userdata="not base64!"), "userdata", id="userdata-not-base64"),
    pytest.param(
        _with(userdata=base64.b64encode(b"x" * (32 * 1024 + 1)).decode()), "userdata", id="userdata-too-big"
    ),
    pytest.param(_with(user_data="@@@"), "user_data", id="user-data-not-base64"),
    pytest.param(_with(data_volume="big"), "data_volume", id="data-not-object"),
    pytest.param(_with(data_volume={"type": "SSD"}), "data_volume.size", id="data-size-missing"),
    pytest.param(_with(data_volume={"size": 99}), "data_volume.size", id="data-size-small"),
    pytest.param(_with(data_volume={"size": 32769}), "data_volume.size", id="data-size-large"),
    pytest.param(_with(data_volume={"size": 100, "type": "NVME"}), "data_volume.type", id="data-type"),
    pytest.param(_with(data_volume={"size": 100, "count": 0}), "data_volume.count", id="data-count-0"),
    pytest.param(_with(data_volume={"size": 100, "count": 9}), "data_volume.count", id="data-count-9"),
    pytest.param(_with(hps_cluster_id=str(uuid.uuid4())), "hps_cluster_id", id="unsupported-hps-cluster"),
    pytest.param(
        _with(network__hyper_cluster={"id": str(uuid.uuid4())}),
        "network.hyper_cluster",
        id="unsupported-hyper-cluster",
    ),
    pytest.param(
        _with(network__allowed_address_pairs=[{"ip_address": "192.168.0.99"}]),
        "network.allowed_address_pairs",
        id="unsupported-address-pairs",
    ),
    pytest.param(
        _with(network__hyper_group={"id": str(uuid.uuid4())}),
        "network.hyper_group",
        id="unsupported-hyper-group",
    ),
    pytest.param(_with(tags=[{"key": "team", "value": "ml"}]), "tags", id="unknown-key"),
    pytest.param(_with(network__port_id=str(uuid.uuid4())), "network.port_id", id="unknown-network-key"),
    pytest.param(
        _with(charging_info=_MONTHLY | {"discount": 10}), "charging_info.discount", id="unknown-charging-key"
    ),
    pytest.param(_with(root_volume={"size": 100, "iops": 3000}), "root_volume.iops", id="unknown-root-key"),
    pytest.param(
        _with(data_volume={"size": 100, "shareable": True}), "data_volume.shareable", id="unknown-data-key"
    ),
]


@pytest.mark.parametrize(("body", "field_path"), INVALID_BODIES)
def test_it_refuses_an_invalid_create_naming_the_field(
    emulator: EmulatorHandle, body: dict[str, Any], field_path: str
) -> None:
    response = post_create(emulator, body)

    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error_code"] == "ModelArts.0104"
    assert error["error_msg"].startswith(f"Invalid parameter: {field_path} "), error["error_msg"]
    assert "X-Request-Id" in response.headers


def test_it_refuses_a_charging_mode_the_flavor_does_not_sell(emulator: EmulatorHandle) -> None:
    body = _with(
        name="ascend",
        flavor="physical.kat2ne.48xlarge.8.313t",
        image_id=NPU_BMS_IMAGE_ID,
        charging_info={"charging_mode": "POST_PAID", "period_type": "HOUR", "period_num": 1},
    )

    response = post_create(emulator, body)

    assert response.status_code == 400
    assert response.json()["error_msg"].startswith("Invalid parameter: charging_info.charging_mode")


def test_it_refuses_malformed_json(emulator: EmulatorHandle) -> None:
    response = signed_request(emulator, "POST", servers_path(emulator), raw_body=b'{"name": ')

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0104"


def test_it_refuses_a_json_body_that_is_not_an_object(emulator: EmulatorHandle) -> None:
    response = post_create(emulator, ["name"])

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0104"
