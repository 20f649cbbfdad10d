"""The create call: the seed's example, the server object, names in use."""

from __future__ import annotations

import base64
import copy
import dataclasses
import ipaddress
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from modelarts_emulator import catalogue, config
from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.errors import ApiError
from modelarts_emulator.store import Store
from modelarts_emulator.validation import validate_create_request
from tests.emulator.helpers import (
    NPU_BMS_IMAGE_ID,
    SEED_CREATE_REQUEST,
    TABLE_6_FIELDS,
    create_server,
    post_create,
    servers_path,
    signed_request,
)
from tests.fixtures.emulator import EmulatorHandle

# Keys of the SDK's ServerResponse beyond the seed's Table 6 that every server object carries.
SDK_FIELDS = {"subnet_id", "volumes", "category"}
# Kept in the emulator's record, never on the wire: neither the seed nor the SDK has them.
INTERNAL_FIELDS = {"fail_reason", "availability_zone", "arch", "server_type"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_it_accepts_the_seed_example_unchanged(emulator: EmulatorHandle) -> None:
    response = post_create(emulator, SEED_CREATE_REQUEST)

    assert response.status_code == 200, response.text
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    server = response.json()
    # A password login has no key pair, and an absent optional string is left out rather than null.
    assert set(server) == (TABLE_6_FIELDS - {"key_pair_name"}) | SDK_FIELDS
    assert not set(server) & INTERNAL_FIELDS
    assert server["name"] == "EI-evs-1107"
    assert server["flavor"] == "Si2.large.4"
    assert server["status"] == "CREATING"
    assert server["charging_mode"] == "POST_PAID"
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
    assert server["volumes"] == [
        {"size": 100, "type": "ROOT", "evs_type": "GPSSD", "evs_id": server["volumes"][0]["evs_id"]}
    ]
    assert UUID.match(server["volumes"][0]["evs_id"])
    assert set(server["cloud_server"]) == {"id", "type"}


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


def _roomy_app(tmp_path: Path) -> tuple[EmulatorApp, str]:
    """The emulator in process with a quota of 400 (the HTTP fixture's project holds 100)."""
    roomy = dataclasses.replace(config.default_config().projects[0], server_quota=400)
    app = EmulatorApp(
        config=dataclasses.replace(config.default_config(), projects=(roomy,)),
        store=Store(tmp_path / "store.sqlite3"),
    )
    return app, roomy.id


def _buy(app: EmulatorApp, project_id: str, subnet_id: str, name: str, count: int) -> list:
    body = copy.deepcopy(SEED_CREATE_REQUEST)
    body.update(name=name, count=count)
    body["network"]["subnet_id"] = subnet_id
    owner = config.default_config().access_keys[0].identity
    return app.create_servers(spec=validate_create_request(body), owner=owner, project_id=project_id)


def test_the_wide_subnet_holds_more_servers_than_a_slash_24_and_never_gives_an_address_twice(
    tmp_path: Path,
) -> None:
    app, project_id = _roomy_app(tmp_path)
    wide = next(subnet for subnet in catalogue.SUBNETS if subnet.name == "subnet-devserver-wide")

    made = [record for index in range(30) for record in _buy(app, project_id, wide.id, f"wide-{index}", 10)]

    addresses = [record.private_ip for record in made]
    assert len(made) == 300 and len(set(addresses)) == 300
    assert all(ipaddress.ip_address(address) in ipaddress.ip_network(wide.cidr) for address in addresses)
    assert any(address.startswith("192.168.65.") for address in addresses), "past the first 256 addresses"


def test_a_full_subnet_is_refused_and_a_freed_address_is_given_again(tmp_path: Path) -> None:
    app, project_id = _roomy_app(tmp_path)
    subnet = catalogue.subnet_with_id(SEED_CREATE_REQUEST["network"]["subnet_id"])
    made = [record for index in range(24) for record in _buy(app, project_id, subnet.id, f"full-{index}", 10)]
    made += _buy(app, project_id, subnet.id, "last", 5)
    assert len({record.private_ip for record in made}) == 245  # .10 to .254

    with pytest.raises(ApiError, match="no free IP addresses left"):
        _buy(app, project_id, subnet.id, "one-too-many", 1)
    freed = made[100]
    app.store.delete_server(freed.id)  # gone, as a deleted server leaves the store

    (again,) = _buy(app, project_id, subnet.id, "in-the-gap", 1)
    assert again.private_ip == freed.private_ip


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

    server = post_create(emulator, body).json()

    assert server["key_pair_name"] == "KeyPair-dev"
    assert server["endpoints"][0]["key_pair_names"] == ["KeyPair-dev"]
    assert server["endpoints_response"][0]["ssh_keys"] == ["KeyPair-dev"]
    assert server["charging_mode"] == "PRE_PAID"
    assert (server["volumes"][0]["size"], server["volumes"][0]["evs_type"]) == (200, "SSD")


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

    response = post_create(emulator, body)

    assert response.status_code == 200, response.text
    assert response.json()["cloud_server"]["type"] == "BMS"
    assert response.json()["image"]["arch"] == "ARM"


def test_it_accepts_user_data_in_the_newer_spelling(emulator: EmulatorHandle) -> None:
    body = {**SEED_CREATE_REQUEST, "name": "newer-sdk", "user_data": base64.b64encode(b"echo").decode()}

    assert post_create(emulator, body).status_code == 200


def test_it_shows_each_data_disk_as_a_data_volume(emulator: EmulatorHandle) -> None:
    body = {
        **SEED_CREATE_REQUEST,
        "name": "with-disks",
        "data_volume": {"size": 500, "type": "SSD", "count": 2},
    }

    server = post_create(emulator, body).json()

    root, *data = server["volumes"]
    assert root["type"] == "ROOT"
    assert [(disk["size"], disk["type"], disk["evs_type"]) for disk in data] == [(500, "DATA", "SSD")] * 2
    assert len({root["evs_id"], *(disk["evs_id"] for disk in data)}) == 3
    assert all(UUID.match(disk["evs_id"]) for disk in data)


def test_a_data_volume_defaults_to_one_general_purpose_disk(emulator: EmulatorHandle) -> None:
    body = {**SEED_CREATE_REQUEST, "name": "one-disk", "data_volume": {"size": 32768}}

    volumes = post_create(emulator, body).json()["volumes"]

    assert [(disk["type"], disk["size"], disk["evs_type"]) for disk in volumes[1:]] == [
        ("DATA", 32768, "GPSSD")
    ]


def test_it_refuses_a_name_already_used_in_the_project(emulator: EmulatorHandle) -> None:
    create_server(emulator, name="taken")

    response = post_create(emulator, {**SEED_CREATE_REQUEST, "name": "taken"})

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.6301"
    assert "taken" in response.json()["error_msg"]


def test_it_frees_the_name_once_the_server_is_deleted(emulator: EmulatorHandle) -> None:
    server = create_server(emulator, name="reused")
    emulator.force_status(server["id"], "DELETED")

    assert post_create(emulator, {**SEED_CREATE_REQUEST, "name": "reused"}).status_code == 200


def test_concurrent_creates_of_one_name_let_exactly_one_win(emulator: EmulatorHandle) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: post_create(emulator, {**SEED_CREATE_REQUEST, "name": "race"}), range(8))
        )

    codes = sorted(answer.json().get("error_code", "ok") for answer in answers)
    assert codes == ["ModelArts.6301"] * 7 + ["ok"]
