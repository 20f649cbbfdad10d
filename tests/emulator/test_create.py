"""The create call: the seed's example, the server object, and every validation refusal."""

from __future__ import annotations

import base64
import copy
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from modelarts_emulator import catalogue
from tests.emulator.helpers import (
    SEED_CREATE_REQUEST,
    TABLE_6_FIELDS,
    create_server,
    servers_path,
    signed_request,
)
from tests.fixtures.emulator import EmulatorHandle

EXTRA_FIELDS = {"subnet_id", "volumes", "category", "availability_zone", "server_type", "arch", "fail_reason"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GPU_IMAGE_ID = next(image.id for image in catalogue.IMAGES if image.name == "Ubuntu20.04_x86_64_CUDA11.8_GPU")
NPU_BMS_IMAGE_ID = next(
    image.id for image in catalogue.IMAGES if image.name == "HCE2.0_aarch64_CANN8.0_Ascend910B_BMS"
)
OTHER_VPC = catalogue.VPCS[1]
OTHER_VPC_SUBNET = next(subnet for subnet in catalogue.SUBNETS if subnet.vpc_id == OTHER_VPC.id)
OTHER_VPC_GROUP = next(group for group in catalogue.SECURITY_GROUPS if group.vpc_id == OTHER_VPC.id)


def _post_create(emulator: EmulatorHandle, body: Any) -> Any:
    return signed_request(emulator, "POST", servers_path(emulator), body=body)


def test_it_accepts_the_seed_example_unchanged(emulator: EmulatorHandle) -> None:
    response = _post_create(emulator, SEED_CREATE_REQUEST)

    assert response.status_code == 200, response.text
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    server = response.json()
    assert set(server) >= TABLE_6_FIELDS | EXTRA_FIELDS
    assert server["name"] == "EI-evs-1107"
    assert server["flavor"] == "Si2.large.4"
    assert server["status"] == "CREATING"
    assert server["charging_mode"] == "POST_PAID"
    assert server["key_pair_name"] is None
    assert UUID.match(server["id"])
    assert server["order_id"]
    assert server["create_at"] == server["update_at"]
    assert server["cloud_server"]["type"] == "ECS"
    assert UUID.match(server["cloud_server"]["id"])
    expected_image = {
        "arch": "X86",
        "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        "name": "Ubuntu18.04_x86_64_CPU",
        "server_type": "ECS",
    }
    assert server["image"] == expected_image
    assert server["server_image_response"] == expected_image
    assert server["vpc_id"] == "05982b48-a70f-43a1-a2b0-1fe36a236172"
    assert server["subnet_id"] == "38cf274a-98f9-4f6f-b622-5ed0e4a3db54"
    assert server["category"] == "SERVER"
    assert server["volumes"][0]["type"] == "ROOT"
    assert server["volumes"][0]["size"] == 100


def test_it_never_returns_or_stores_the_password(emulator: EmulatorHandle, emulator_process: Any) -> None:
    server = create_server(emulator)

    shown = signed_request(emulator, "GET", servers_path(emulator, f"/{server['id']}"))
    assert "admin_pass" not in shown.json()
    assert "@DevServer" not in shown.text
    assert b"@DevServer" not in emulator_process.store_path.read_bytes()
    assert "@DevServer" not in emulator_process.output()


def test_it_allocates_a_private_address_from_the_subnet(emulator: EmulatorHandle) -> None:
    first = create_server(emulator, name="ip-a")
    second = create_server(emulator, name="ip-b")

    addresses = [server["endpoints"][0]["uri"] for server in (first, second)]
    assert all(address.startswith("192.168.0.") for address in addresses)
    assert addresses[0] != addresses[1]
    assert first["endpoints"][0]["dev_service"] == "SSH"


def test_it_creates_count_servers_with_numbered_names(emulator: EmulatorHandle) -> None:
    first = create_server(emulator, name="batch", count=3)

    assert first["name"] == "batch-1"
    listing = signed_request(emulator, "GET", servers_path(emulator), query={"limit": 10}).json()
    assert sorted(server["name"] for server in listing["data"]) == ["batch-1", "batch-2", "batch-3"]


def test_it_uses_a_key_pair_and_charging_info(emulator: EmulatorHandle) -> None:
    body = {key: value for key, value in SEED_CREATE_REQUEST.items() if key != "admin_pass"}
    body.update(
        name="with-key",
        key_pair_name="KeyPair-dev",
        charging_info={"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1},
        root_volume={"size": 200, "type": "SSD"},
        availability_zone="cn-north-4b",
        userdata=base64.b64encode(b"#!/bin/bash\necho hi\n").decode(),
    )

    server = _post_create(emulator, body).json()

    assert server["key_pair_name"] == "KeyPair-dev"
    assert server["endpoints"][0]["key_pair_names"] == ["KeyPair-dev"]
    assert server["charging_mode"] == "PRE_PAID"
    assert (server["volumes"][0]["size"], server["volumes"][0]["evs_type"]) == (200, "SSD")
    assert server["availability_zone"] == "cn-north-4b"


def test_it_accepts_an_npu_bare_metal_server_with_roce(emulator: EmulatorHandle) -> None:
    body = copy.deepcopy(SEED_CREATE_REQUEST)
    body.update(
        name="ascend-node",
        flavor="physical.kat2ne.48xlarge.8.313t",
        image_id=NPU_BMS_IMAGE_ID,
        arch="ARM",
        server_type="BMS",
        charging_info={"charging_mode": "PRE_PAID", "period_type": "YEAR", "period_num": 1},
    )
    body["network"]["roce_id"] = str(uuid.uuid4())

    response = _post_create(emulator, body)

    assert response.status_code == 200, response.text
    assert response.json()["cloud_server"]["type"] == "BMS"
    assert response.json()["arch"] == "ARM"


def test_it_accepts_user_data_in_the_newer_spelling(emulator: EmulatorHandle) -> None:
    body = {**SEED_CREATE_REQUEST, "name": "newer-sdk", "user_data": base64.b64encode(b"echo").decode()}

    assert _post_create(emulator, body).status_code == 200


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
]


@pytest.mark.parametrize(("body", "field_path"), INVALID_BODIES)
def test_it_refuses_an_invalid_create_naming_the_field(
    emulator: EmulatorHandle, body: dict[str, Any], field_path: str
) -> None:
    response = _post_create(emulator, body)

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

    response = _post_create(emulator, body)

    assert response.status_code == 400
    assert response.json()["error_msg"].startswith("Invalid parameter: charging_info.charging_mode")


def test_it_refuses_malformed_json(emulator: EmulatorHandle) -> None:
    response = signed_request(emulator, "POST", servers_path(emulator), raw_body=b'{"name": ')

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0104"


def test_it_refuses_a_json_body_that_is_not_an_object(emulator: EmulatorHandle) -> None:
    response = _post_create(emulator, ["name"])

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0104"


def test_it_refuses_a_name_already_used_in_the_project(emulator: EmulatorHandle) -> None:
    create_server(emulator, name="taken")

    response = _post_create(emulator, _with(name="taken"))

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.6301"
    assert "taken" in response.json()["error_msg"]


def test_it_frees_the_name_once_the_server_is_deleted(emulator: EmulatorHandle) -> None:
    server = create_server(emulator, name="reused")
    emulator.force_status(server["id"], "DELETED")

    assert _post_create(emulator, _with(name="reused")).status_code == 200


def test_concurrent_creates_of_one_name_let_exactly_one_win(emulator: EmulatorHandle) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _post_create(emulator, _with(name="race")), range(8)))

    codes = sorted(answer.json().get("error_code", "ok") for answer in answers)
    assert codes == ["ModelArts.6301"] * 7 + ["ok"]
