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


def test_flavors_filter_by_type_arch_and_charging_mode(emulator: EmulatorHandle) -> None:
    everything = signed_request(emulator, "GET", f"/v1/{emulator.project_id}/dev-servers/flavors").json()
    arm_bms = signed_request(
        emulator,
        "GET",
        f"/v1/{emulator.project_id}/dev-servers/flavors",
        query={"server_type": "BMS", "arch": "ARM", "charging_mode": "PRE_PAID"},
    ).json()

    assert everything["total"] == len(catalogue.FLAVORS) == len(everything["data"])
    names = {flavor["name"] for flavor in everything["data"]}
    assert {"Si2.large.4", "p2s.2xlarge.8", "physical.p2.large", "physical.kat2ne.48xlarge.8.313t"} <= names
    assert sum(flavor["status"] == "sold_out" for flavor in everything["data"]) >= 2
    assert [flavor["name"] for flavor in arm_bms["data"]] == ["physical.kat2ne.48xlarge.8.313t"]
    ascend = arm_bms["data"][0]
    assert ascend["accelerator"] == {"type": "NPU", "name": "Ascend-910B", "count": 8, "memory": 64}
    seed_flavor = next(flavor for flavor in everything["data"] if flavor["name"] == "Si2.large.4")
    assert (seed_flavor["cpu"], seed_flavor["memory"], seed_flavor["accelerator"]) == (2, 8, None)


def test_images_for_a_flavor_are_the_ones_that_fit(emulator: EmulatorHandle) -> None:
    path = f"/v1/{emulator.project_id}/dev-servers/images"

    for_gpu = signed_request(emulator, "GET", path, query={"flavor_name": "p2s.2xlarge.8"}).json()
    for_cpu = signed_request(emulator, "GET", path, query={"flavor_name": "Si2.large.4"}).json()
    unknown = signed_request(emulator, "GET", path, query={"flavor_name": "nope"})

    gpu_kinds = {
        (image["arch"], image["server_type"], image["accelerator_type"]) for image in for_gpu["data"]
    }
    assert gpu_kinds == {("X86", "ECS", "GPU"), ("X86", "ECS", None)}
    assert all(image["accelerator_type"] is None for image in for_cpu["data"])
    assert "c90fb553-2cdb-4b81-b56a-ef68812c6cf7" in {image["id"] for image in for_cpu["data"]}
    assert for_cpu["total"] == len(for_cpu["data"])
    assert unknown.status_code == 400
    assert unknown.json()["error_msg"].startswith("Invalid parameter: flavor_name")


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
