"""Parsing what the cloud answers: every field may be missing, any value may be new."""

from __future__ import annotations

from typing import Any

import pytest

from modelarts_client import (
    CloudServer,
    DevServer,
    FlavorRow,
    KeyPair,
    Page,
    SecurityGroup,
    ServerImage,
    Subnet,
    Vpc,
    group_flavor_rows,
    statuses,
)

SEED_RESPONSE: dict[str, Any] = {
    "charging_mode": "PRE_PAID",
    "cloud_server": {"type": "ECS"},
    "create_at": 1699348284990,
    "flavor": "Si2.large.4",
    "id": "62383738-e52a-450a-9f84-f9e705402be8",
    "image": {
        "arch": "X86",
        "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        "name": "Ubuntu18.04_x86_64_CPU",
        "server_type": "ECS",
    },
    "name": "EI-evs-1107",
    "status": "CREATING",
    "update_at": 1699348285077,
}


def test_it_reads_the_seed_example_response() -> None:
    server = DevServer.from_api(SEED_RESPONSE)

    assert server.id == "62383738-e52a-450a-9f84-f9e705402be8"
    assert server.name == "EI-evs-1107"
    assert server.status == statuses.CREATING
    assert server.flavor == "Si2.large.4"
    assert server.charging_mode == "PRE_PAID"
    assert server.create_at == 1699348284990
    assert server.update_at == 1699348285077
    assert server.cloud_server == CloudServer(id=None, type="ECS")
    assert server.image == ServerImage(
        arch="X86",
        image_id="c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        name="Ubuntu18.04_x86_64_CPU",
        server_type="ECS",
    )
    assert server.server_type == "ECS"
    assert server.arch == "X86"
    assert server.is_transitional
    assert server.private_ip is None
    assert server.raw == SEED_RESPONSE


def test_it_accepts_an_empty_object() -> None:
    server = DevServer.from_api({})

    assert server.id is None
    assert server.status is None
    assert server.create_at is None
    assert server.cloud_server is None
    assert server.image is None
    assert server.endpoints == []
    assert server.volumes == []
    assert not server.is_transitional


@pytest.mark.parametrize("not_an_object", [None, [], "text", 7])
def test_it_accepts_an_answer_that_is_not_an_object(not_an_object: Any) -> None:
    server = DevServer.from_api(not_an_object)

    assert server.id is None
    assert server.raw == {}


def test_it_keeps_an_unknown_status_and_unknown_keys() -> None:
    raw = {**SEED_RESPONSE, "status": "HIBERNATING", "brand_new_field": {"nested": [1, 2]}}

    server = DevServer.from_api(raw)

    assert server.status == "HIBERNATING"
    assert not server.is_transitional
    assert not server.is_failed
    assert server.raw["brand_new_field"] == {"nested": [1, 2]}


def test_it_reads_the_image_under_its_older_name() -> None:
    raw = {
        "server_image_response": {"arch": "ARM", "image_id": "i-1", "name": "EulerOS", "server_type": "BMS"}
    }

    server = DevServer.from_api(raw)

    assert server.image == ServerImage(arch="ARM", image_id="i-1", name="EulerOS", server_type="BMS")
    assert server.arch == "ARM"


def test_it_reads_endpoints_and_volumes_and_the_private_ip() -> None:
    raw = {
        "endpoints": [
            {"dev_service": "SSH", "service": "SSH", "uri": "", "key_pair_names": ["kp"]},
            {"dev_service": "SSH", "service": "SSH", "uri": "192.168.0.12", "ssh_keys": ["k1"]},
        ],
        "volumes": [{"size": 100, "type": "ROOT", "evs_type": "SSD", "evs_id": "v-1"}, "junk"],
        "vpc_id": "vpc-1",
        "subnet_id": "subnet-1",
        "category": "SERVER",
        "order_id": "CS2311",
        "key_pair_name": "kp",
    }

    server = DevServer.from_api(raw)

    assert [endpoint.uri for endpoint in server.endpoints] == ["", "192.168.0.12"]
    assert server.endpoints[0].key_pair_names == ["kp"]
    assert server.endpoints[1].ssh_keys == ["k1"]
    assert server.private_ip == "192.168.0.12"
    assert len(server.volumes) == 1
    assert server.volumes[0].size == 100
    assert server.volumes[0].evs_id == "v-1"
    assert (server.vpc_id, server.subnet_id) == ("vpc-1", "subnet-1")
    assert (server.category, server.order_id, server.key_pair_name) == ("SERVER", "CS2311", "kp")


def test_it_falls_back_to_endpoints_response() -> None:
    raw = {
        "endpoints_response": [{"allowed_access_ips": ["1.2.3.4"], "dev_service": "SSH", "ssh_keys": ["k"]}]
    }

    server = DevServer.from_api(raw)

    assert server.endpoints[0].allowed_access_ips == ["1.2.3.4"]
    assert server.private_ip is None


def test_it_tolerates_values_of_the_wrong_type() -> None:
    raw = {
        "create_at": "1699348284990",
        "update_at": "yesterday",
        "volumes": {"not": "a list"},
        "endpoints": "nope",
        "cloud_server": "ECS",
        "image": ["x"],
        "name": {"nested": True},
    }

    server = DevServer.from_api(raw)

    assert server.create_at == 1699348284990
    assert server.update_at is None
    assert server.volumes == []
    assert server.endpoints == []
    assert server.cloud_server is None
    assert server.image is None
    assert server.name is None


def test_a_page_reads_its_counters_and_items() -> None:
    raw = {"current": 2, "pages": 3, "size": 1, "total": 3, "data": [SEED_RESPONSE, "junk"]}

    page = Page.from_api(raw, DevServer.from_api)

    assert (page.current, page.pages, page.size, page.total) == (2, 3, 1, 3)
    assert [server.name for server in page.data] == ["EI-evs-1107"]


def test_a_page_without_counters_counts_its_items() -> None:
    page = Page.from_api({"data": [SEED_RESPONSE]}, DevServer.from_api)

    assert (page.size, page.total) == (1, 1)


def test_a_bare_list_is_read_as_one_page() -> None:
    page = Page.from_api([SEED_RESPONSE, SEED_RESPONSE], DevServer.from_api)

    assert page.total == 2
    assert len(page.data) == 2


def _flavor_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "flavor": "Snt9b.xlarge",
        "arch": "ARM",
        "server_type": "BMS",
        "flavor_type": "NPU",
        "specification": "NPU: 8 * Ascend-910B (64 GiB) | 192 vCPUs | 1536 GiB",
        "charging_mode": "POST_PAID",
        "availability_zone": "cn-north-4a",
        "count": 3,
        "sku_code": "modelarts.snt9b.xlarge.postpaid",
        "roce_num": 8,
        "status": "normal",
        "is_sold_out": False,
    }
    return {**row, **overrides}


def test_a_flavor_row_reads_every_sdk_field() -> None:
    row = FlavorRow.from_api(_flavor_row())

    assert (row.flavor, row.arch, row.server_type, row.flavor_type) == ("Snt9b.xlarge", "ARM", "BMS", "NPU")
    assert row.specification.startswith("NPU: 8 * Ascend-910B")
    assert (row.charging_mode, row.availability_zone, row.count) == ("POST_PAID", "cn-north-4a", 3)
    assert (row.sku_code, row.roce_num, row.status) == ("modelarts.snt9b.xlarge.postpaid", 8, "normal")
    assert row.is_sold_out is False


def test_a_flavor_row_without_is_sold_out_is_on_sale() -> None:
    raw = _flavor_row()
    del raw["is_sold_out"]

    assert FlavorRow.from_api(raw).is_sold_out is False
    assert FlavorRow.from_api(_flavor_row(is_sold_out="true")).is_sold_out is True


def test_rows_group_into_one_flavor_with_its_modes_and_zones() -> None:
    rows = [
        FlavorRow.from_api(_flavor_row()),
        FlavorRow.from_api(_flavor_row(charging_mode="PRE_PAID", sku_code="prepaid")),
        FlavorRow.from_api(_flavor_row(availability_zone="cn-north-4b")),
        FlavorRow.from_api(_flavor_row(availability_zone="cn-north-4c", is_sold_out=True)),
        FlavorRow.from_api(_flavor_row(flavor="Si2.large.4", arch="X86", server_type="ECS", flavor_type="CPU")),
        FlavorRow.from_api({"flavor": None, "arch": "X86"}),
    ]

    snt9b, si2 = group_flavor_rows(rows)

    assert snt9b.name == "Snt9b.xlarge"
    assert (snt9b.arch, snt9b.server_type, snt9b.flavor_type, snt9b.roce_num) == ("ARM", "BMS", "NPU", 8)
    assert snt9b.charging_modes == ["POST_PAID", "PRE_PAID"]
    assert snt9b.zones == ["cn-north-4a", "cn-north-4b"]
    assert not snt9b.sold_out
    assert snt9b.sold_out_for(charging_mode="POST_PAID", zone="cn-north-4c")
    assert not snt9b.sold_out_for(charging_mode="PRE_PAID", zone="cn-north-4a")
    assert snt9b.sold_out_for(charging_mode="PRE_PAID", zone="cn-north-4b")
    assert snt9b.sku_code("PRE_PAID") == "prepaid"
    assert si2.name == "Si2.large.4"


def test_a_flavor_sold_out_in_every_row_is_sold_out() -> None:
    rows = [
        FlavorRow.from_api(_flavor_row(is_sold_out=True)),
        FlavorRow.from_api(_flavor_row(charging_mode="PRE_PAID", is_sold_out=True)),
    ]

    (flavor,) = group_flavor_rows(rows)

    assert flavor.sold_out
    assert flavor.charging_modes == []
    assert flavor.zones == []


def test_an_image_reads_the_sdk_fields() -> None:
    raw = {
        "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        "name": "Ubuntu18.04_x86_64_CPU",
        "arch": "X86",
        "server_type": "ECS",
        "status": "ACTIVE",
    }

    image = ServerImage.from_api(raw)

    assert image == ServerImage(
        arch="X86", image_id=raw["image_id"], name="Ubuntu18.04_x86_64_CPU", server_type="ECS", status="ACTIVE"
    )


def test_the_network_neighbours_read_their_shapes() -> None:
    vpc = Vpc.from_api({"id": "v", "name": "vpc-a", "cidr": "192.168.0.0/16", "status": "OK", "extra": 1})
    subnet = Subnet.from_api(
        {
            "id": "s",
            "name": "subnet-a",
            "cidr": "192.168.0.0/24",
            "gateway_ip": "192.168.0.1",
            "vpc_id": "v",
            "availability_zone": "cn-north-4a",
            "status": "ACTIVE",
            "ipv6_enable": False,
        }
    )
    group = SecurityGroup.from_api({"id": "g", "name": "default", "description": "", "vpc_id": "v"})
    wrapped = KeyPair.from_api({"keypair": {"name": "kp", "fingerprint": "f", "public_key": "ssh-rsa A"}})
    bare = KeyPair.from_api({"name": "kp2"})

    assert (vpc.id, vpc.cidr, vpc.raw["extra"]) == ("v", "192.168.0.0/16", 1)
    assert subnet.ipv6_enable is False
    assert subnet.gateway_ip == "192.168.0.1"
    assert group.vpc_id == "v"
    assert (wrapped.name, wrapped.fingerprint, wrapped.public_key) == ("kp", "f", "ssh-rsa A")
    assert bare.name == "kp2"


@pytest.mark.parametrize("status", sorted(statuses.TRANSITIONAL_STATUSES))
def test_transitional_statuses_are_transitional(status: str) -> None:
    assert statuses.is_transitional(status)
    assert not statuses.is_failed(status)


@pytest.mark.parametrize("status", sorted(statuses.FAILED_STATUSES))
def test_failed_statuses_are_failed_and_settled(status: str) -> None:
    assert statuses.is_failed(status)
    assert not statuses.is_transitional(status)


@pytest.mark.parametrize(
    "status", [statuses.RUNNING, statuses.STOPPED, statuses.DELETED, "SOMETHING_NEW", None]
)
def test_settled_and_unknown_statuses_are_not_transitional(status: str | None) -> None:
    assert not statuses.is_transitional(status)


def test_every_documented_status_is_known() -> None:
    documented = {
        "CREATING", "CREATE_FAILED", "RUNNING", "STARTING", "START_FAILED", "STOPPING", "STOPPED",
        "STOP_FAILED", "REBOOTING", "REBOOT_FAILED", "DELETING", "DELETE_FAILED", "DELETED", "ERROR",
        "CHANGINGOS", "CHANGINGOS_FAILED", "REINSTALLINGOS", "REINSTALLINGOS_FAILED",
    }  # fmt: skip

    assert documented == statuses.KNOWN_STATUSES
    assert all(getattr(statuses, name) == name for name in documented)
