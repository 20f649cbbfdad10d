"""Paged server lists (own and whole project) and the catalogue the create form reads."""

from __future__ import annotations

import pytest

from modelarts_emulator import catalogue
from tests.emulator.helpers import SEED_CREATE_REQUEST, create_server, servers_path, signed_request
from tests.fixtures.emulator import EmulatorHandle


def _list(emulator: EmulatorHandle, suffix: str = "", **query: object) -> dict:
    response = signed_request(emulator, "GET", servers_path(emulator, suffix), query=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_it_pages_by_offset_and_limit(emulator: EmulatorHandle) -> None:
    create_server(emulator, name="page", count=7)

    first = _list(emulator, limit=3)
    third = _list(emulator, limit=3, offset=6)

    assert (first["current"], first["pages"], first["size"], first["total"]) == (1, 3, 3, 7)
    assert [server["name"] for server in first["data"]] == ["page-1", "page-2", "page-3"]
    assert (third["current"], len(third["data"])) == (3, 1)
    assert third["data"][0]["name"] == "page-7"


def test_it_defaults_to_ten_a_page(emulator: EmulatorHandle) -> None:
    create_server(emulator, name="many", count=10)
    create_server(emulator, name="more", count=2)

    page = _list(emulator)

    assert (page["size"], len(page["data"]), page["total"], page["pages"]) == (10, 10, 12, 2)


def test_it_sorts_by_create_time_descending(emulator: EmulatorHandle) -> None:
    for name in ("sort-a", "sort-b", "sort-c"):
        create_server(emulator, name=name)

    page = _list(emulator, sort_key="createTime", sort_dir="DESC")

    assert [server["name"] for server in page["data"]] == ["sort-c", "sort-b", "sort-a"]


def test_it_sorts_by_update_time(emulator: EmulatorHandle) -> None:
    older = create_server(emulator, name="upd-a")
    create_server(emulator, name="upd-b")
    emulator.force_status(older["id"], "STOPPED")

    page = _list(emulator, sort_key="updateTime", sort_dir="DESC")

    assert page["data"][0]["name"] == "upd-a"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 1025}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort_key": "name"}, "sort_key"),
        ({"sort_dir": "UP"}, "sort_dir"),
    ],
)
def test_it_refuses_bad_paging(emulator: EmulatorHandle, query: dict, field: str) -> None:
    response = signed_request(emulator, "GET", servers_path(emulator), query=query)

    assert response.status_code == 400
    assert response.json()["error_msg"].startswith(f"Invalid parameter: {field} ")


def test_it_accepts_the_largest_page(emulator: EmulatorHandle) -> None:
    create_server(emulator)

    page = _list(emulator, "/all", limit=1024)

    assert (page["size"], page["total"], page["pages"]) == (1024, 1, 1)


def test_own_list_shows_only_the_callers_servers_and_all_shows_every_one(emulator: EmulatorHandle) -> None:
    mine = create_server(emulator, name="mine")
    response = signed_request(
        emulator,
        "POST",
        servers_path(emulator),
        body={**SEED_CREATE_REQUEST, "name": "theirs"},
        access_key=emulator.second_access_key,
        secret_key=emulator.second_secret_key,
    )
    assert response.status_code == 200, response.text

    own = _list(emulator)
    everyone = _list(emulator, "/all")
    by_owner = _list(emulator, "/all", owner="devserver-teammate")
    synced = signed_request(emulator, "PUT", servers_path(emulator, "/sync")).json()

    assert [server["id"] for server in own["data"]] == [mine["id"]]
    assert sorted(server["name"] for server in everyone["data"]) == ["mine", "theirs"]
    assert [server["name"] for server in by_owner["data"]] == ["theirs"]
    assert [server["id"] for server in synced["data"]] == [mine["id"]]


FLAVOR_ROW_KEYS = {
    "flavor",
    "arch",
    "server_type",
    "flavor_type",
    "specification",
    "charging_mode",
    "availability_zone",
    "count",
    "sku_code",
    "roce_num",
    "status",
    "is_sold_out",
}
IMAGE_ROW_KEYS = {"image_id", "name", "arch", "server_type", "status"}


def _flavors(emulator: EmulatorHandle, **query: str) -> dict:
    response = signed_request(emulator, "GET", servers_path(emulator, "/flavors"), query=query)
    assert response.status_code == 200, response.text
    return response.json()


def _images(emulator: EmulatorHandle, **query: str) -> dict:
    response = signed_request(emulator, "GET", servers_path(emulator, "/images"), query=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_flavors_list_one_row_per_flavor_charging_mode_and_zone(emulator: EmulatorHandle) -> None:
    page = _flavors(emulator)

    rows = page["data"]
    assert all(set(row) == FLAVOR_ROW_KEYS for row in rows)
    offers = [(row["flavor"], row["charging_mode"], row["availability_zone"]) for row in rows]
    assert len(offers) == len(set(offers))
    expected_rows = sum(len(flavor.charging_modes) for flavor in catalogue.FLAVORS) * len(
        catalogue.AVAILABILITY_ZONES
    )
    assert page["total"] == len(rows) == expected_rows
    assert {row["flavor"] for row in rows} == {flavor.name for flavor in catalogue.FLAVORS}
    assert {row["charging_mode"] for row in rows if row["flavor"] == "physical.kat2ne.48xlarge.8.313t"} == {
        "PRE_PAID"
    }
    assert len({row["sku_code"] for row in rows if row["flavor"] == "Si2.large.4"}) == 2


def test_flavor_rows_describe_the_hardware_in_their_specification(emulator: EmulatorHandle) -> None:
    rows = {
        (row["flavor"], row["charging_mode"], row["availability_zone"]): row
        for row in _flavors(emulator)["data"]
    }

    cpu = rows[("Si2.large.4", "POST_PAID", "cn-north-4a")]
    gpu = rows[("p2s.2xlarge.8", "POST_PAID", "cn-north-4a")]
    npu_node = rows[("physical.kat2ne.48xlarge.8.313t", "PRE_PAID", "cn-north-4b")]
    assert (cpu["flavor_type"], cpu["specification"], cpu["roce_num"]) == ("CPU", "2 vCPUs | 8 GiB", 0)
    assert (gpu["flavor_type"], gpu["specification"]) == (
        "GPU",
        "8 vCPUs | 64 GiB | GPU: 1 * NVIDIA-V100 (32 GiB)",
    )
    assert (npu_node["flavor_type"], npu_node["server_type"], npu_node["arch"]) == ("NPU", "BMS", "ARM")
    assert npu_node["specification"].endswith("NPU: 8 * Ascend-910B (64 GiB)")
    assert npu_node["roce_num"] == 8
    assert cpu["count"] > 0 and cpu["is_sold_out"] is False and cpu["status"] == "normal"


def test_sold_out_flavors_have_no_stock(emulator: EmulatorHandle) -> None:
    rows = _flavors(emulator)["data"]

    sold_out = {row["flavor"] for row in rows if row["is_sold_out"]}
    assert sold_out == {"c7.4xlarge.2", "p2s.4xlarge.8", "kai1s.2xlarge.4"}
    assert all(row["count"] == 0 for row in rows if row["is_sold_out"])
    assert all(row["count"] > 0 for row in rows if not row["is_sold_out"])


def test_flavors_filter_by_type_arch_and_charging_mode(emulator: EmulatorHandle) -> None:
    arm_bms = _flavors(emulator, server_type="bms", arch="ARM", charging_mode="PRE_PAID")
    upper_case = _flavors(emulator, server_type="BMS", arch="ARM", charging_mode="PRE_PAID")
    post_paid_bms = _flavors(emulator, server_type="bms", charging_mode="POST_PAID")

    assert {row["flavor"] for row in arm_bms["data"]} == {"physical.kat2ne.48xlarge.8.313t"}
    assert len(arm_bms["data"]) == len(catalogue.AVAILABILITY_ZONES)
    assert upper_case == arm_bms
    assert {row["flavor"] for row in post_paid_bms["data"]} == {"physical.p2.large"}
    assert all(row["charging_mode"] == "POST_PAID" for row in post_paid_bms["data"])


def _accelerator_type(image_row: dict) -> str | None:
    image = catalogue.image_with_id(image_row["image_id"])
    assert image is not None, image_row
    return image.accelerator_type


def test_images_for_a_flavor_are_the_ones_that_fit(emulator: EmulatorHandle) -> None:
    for_gpu = _images(emulator, flavor_name="p2s.2xlarge.8")
    for_cpu = _images(emulator, flavor_name="Si2.large.4")
    unknown = _images(emulator, flavor_name="nope")

    assert all(set(image) == IMAGE_ROW_KEYS for image in for_gpu["data"] + for_cpu["data"])
    gpu_kinds = {(image["arch"], image["server_type"], _accelerator_type(image)) for image in for_gpu["data"]}
    assert gpu_kinds == {("X86", "ECS", "GPU"), ("X86", "ECS", None)}
    assert all(_accelerator_type(image) is None for image in for_cpu["data"])
    assert "c90fb553-2cdb-4b81-b56a-ef68812c6cf7" in {image["image_id"] for image in for_cpu["data"]}
    assert for_cpu["total"] == len(for_cpu["data"])
    assert (unknown["data"], unknown["total"]) == ([], 0)


def test_images_filter_by_server_type_in_either_case(emulator: EmulatorHandle) -> None:
    everything = _images(emulator)
    bare_metal = _images(emulator, server_type="bms")

    assert everything["total"] == len(catalogue.IMAGES)
    assert {image["server_type"] for image in bare_metal["data"]} == {"BMS"}
    assert _images(emulator, server_type="BMS") == bare_metal
    assert all(image["status"] == "ACTIVE" for image in everything["data"])


def test_network_and_key_pair_lookups(emulator: EmulatorHandle) -> None:
    project = emulator.project_id
    vpcs = signed_request(emulator, "GET", f"/v1/{project}/vpcs").json()["vpcs"]
    subnets = signed_request(
        emulator, "GET", f"/v1/{project}/subnets", query={"vpc_id": catalogue.SEED_VPC_ID}
    ).json()["subnets"]
    groups = signed_request(
        emulator, "GET", f"/v1/{project}/security-groups", query={"vpc_id": catalogue.SEED_VPC_ID}
    ).json()["security_groups"]
    key_pairs = signed_request(emulator, "GET", f"/v2.1/{project}/os-keypairs").json()["keypairs"]

    assert len(vpcs) == 2
    assert all(vpc["status"] == "OK" for vpc in vpcs)
    assert catalogue.SEED_SUBNET_ID in {subnet["id"] for subnet in subnets}
    assert {subnet["vpc_id"] for subnet in subnets} == {catalogue.SEED_VPC_ID}
    assert len({subnet["availability_zone"] for subnet in subnets}) >= 2
    assert catalogue.SEED_SECURITY_GROUP_ID in {group["id"] for group in groups}
    assert len(groups) == 2
    assert {entry["keypair"]["name"] for entry in key_pairs} == {"KeyPair-dev", "KeyPair-ci"}
    assert all(entry["keypair"]["public_key"].startswith("ssh-ed25519 ") for entry in key_pairs)


def test_a_zero_limit_answers_only_the_total(emulator: EmulatorHandle) -> None:
    create_server(emulator, name="zero", count=2)

    page = _list(emulator, "/all", limit=0)

    assert (page["data"], page["total"], page["size"], page["pages"]) == ([], 2, 0, 0)
