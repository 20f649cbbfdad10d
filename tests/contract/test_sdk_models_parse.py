"""The project's parsers read what Huawei's official SDK models serialise to, not what our emulator sends.

Each answer here is built from SDK model objects and serialised by the SDK's own
`sanitize_for_serialization` (wire names from each model's attribute_map), so a parser that
expected a key the SDK does not have would find nothing and fail these tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.utils.http_utils import sanitize_for_serialization
from huaweicloudsdkmodelarts.v1 import (
    BatchDevServersActionResponse,
    CloudServer,
    EndpointsRes,
    ListAllDevServersResponse,
    ListDevServerFlavorsResponse,
    ListDevServerImagesResponse,
    ServerFlavorinstanceResponse,
    ServerImageResponse,
    ServerResponse,
    ServerVolume,
)

from devservers import accelerators
from modelarts_client import DevServer, FlavorRow, Page, ServerImage, group_flavor_rows

pytestmark = pytest.mark.contract

V100_SPEC = "GPU: 1*NVIDIA-V100(32GB) | CPU: 8 vCPUs 64GiB"
ASCEND_SPEC = "NPU: 8*Ascend-910B(64GB) | CPU: 192 vCPUs 1536GiB"
SEED_IMAGE_ID = "c90fb553-2cdb-4b81-b56a-ef68812c6cf7"


def _wire(model: Any) -> Any:
    return sanitize_for_serialization(model)


def _row(flavor: str, **values: Any) -> ServerFlavorinstanceResponse:
    defaults: dict[str, Any] = {
        "arch": "X86",
        "server_type": "ECS",
        "flavor_type": "CPU",
        "specification": "CPU: 2 vCPUs 8GiB",
        "charging_mode": "POST_PAID",
        "availability_zone": "cn-north-4a",
        "count": 10,
        "sku_code": f"sku.{flavor}",
        "roce_num": 0,
        "status": "normal",
        "is_sold_out": False,
    }
    return ServerFlavorinstanceResponse(flavor=flavor, **{**defaults, **values})


def _flavor_page() -> Any:
    rows = [
        _row("Si2.large.4"),
        _row("Si2.large.4", charging_mode="PRE_PAID"),
        _row("p2s.2xlarge.8", flavor_type="GPU", specification=V100_SPEC),
        _row("p2s.2xlarge.8", flavor_type="GPU", specification=V100_SPEC, availability_zone="cn-north-4b"),
        _row("c7.4xlarge.2", is_sold_out=True),
        _row(
            "physical.kat2ne.48xlarge.8.313t",
            arch="ARM",
            server_type="BMS",
            flavor_type="NPU",
            specification=ASCEND_SPEC,
            charging_mode="PRE_PAID",
            roce_num=8,
        ),
        _row("pi2.4xlarge.4", flavor_type="GPU", specification="GPU accelerated"),
    ]
    return _wire(ListDevServerFlavorsResponse(current=1, data=rows, pages=1, size=len(rows), total=len(rows)))


def _flavors_by_name() -> dict[str, Any]:
    rows = Page.from_api(_flavor_page(), FlavorRow.from_api).data
    return {flavor.name: flavor for flavor in group_flavor_rows(rows)}


def test_flavor_rows_group_into_the_flavors_the_sdk_lists() -> None:
    flavors = _flavors_by_name()

    assert list(flavors) == [
        "Si2.large.4",
        "p2s.2xlarge.8",
        "c7.4xlarge.2",
        "physical.kat2ne.48xlarge.8.313t",
        "pi2.4xlarge.4",
    ]
    assert flavors["Si2.large.4"].charging_modes == ["POST_PAID", "PRE_PAID"]
    assert flavors["p2s.2xlarge.8"].zones == ["cn-north-4a", "cn-north-4b"]
    assert flavors["physical.kat2ne.48xlarge.8.313t"].charging_modes == ["PRE_PAID"]
    assert (
        flavors["physical.kat2ne.48xlarge.8.313t"].arch,
        flavors["physical.kat2ne.48xlarge.8.313t"].server_type,
    ) == ("ARM", "BMS")


def test_sold_out_comes_from_is_sold_out() -> None:
    flavors = _flavors_by_name()

    assert flavors["c7.4xlarge.2"].sold_out
    assert not flavors["Si2.large.4"].sold_out


def test_accelerators_come_from_the_sdk_specification_and_type() -> None:
    flavors = _flavors_by_name()

    v100 = accelerators.resolve(flavors["p2s.2xlarge.8"], None)
    ascend = accelerators.resolve(flavors["physical.kat2ne.48xlarge.8.313t"], None)
    unknown_count = accelerators.resolve(flavors["pi2.4xlarge.4"], None)

    assert (v100.type, v100.name, v100.count, v100.memory_gib) == ("GPU", "NVIDIA-V100", 1, 32)
    assert (ascend.type, ascend.name, ascend.count, ascend.memory_gib) == ("NPU", "Ascend-910B", 8, 64)
    assert unknown_count.type == "GPU"
    assert not unknown_count.is_known
    assert accelerators.resolve(flavors["Si2.large.4"], None) is None


def test_image_ids_come_from_the_images_call() -> None:
    images = [
        ServerImageResponse(
            arch="X86",
            image_id=SEED_IMAGE_ID,
            name="Ubuntu18.04_x86_64_CPU",
            server_type="ECS",
            status="ACTIVE",
        ),
    ]
    payload = _wire(ListDevServerImagesResponse(current=1, data=images, pages=1, size=1, total=1))

    (image,) = Page.from_api(payload, ServerImage.from_api).data

    assert image == ServerImage(
        arch="X86", image_id=SEED_IMAGE_ID, name="Ubuntu18.04_x86_64_CPU", server_type="ECS", status="ACTIVE"
    )


def _server() -> ServerResponse:
    return ServerResponse(
        id="62383738-e52a-450a-9f84-f9e705402be8",
        name="EI-evs-1107",
        flavor="Si2.large.4",
        status="RUNNING",
        charging_mode="POST_PAID",
        create_at=1699348284990,
        update_at=1699348285077,
        vpc_id="05982b48-a70f-43a1-a2b0-1fe36a236172",
        subnet_id="38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
        cloud_server=CloudServer(id="ecs-1", type="ECS"),
        image=ServerImageResponse(
            arch="X86", image_id=SEED_IMAGE_ID, name="Ubuntu18.04_x86_64_CPU", server_type="ECS"
        ),
        endpoints=[
            EndpointsRes(dev_service="SSH", service="SSH", uri="192.168.0.12", key_pair_names=["KeyPair-dev"])
        ],
        volumes=[
            ServerVolume(
                size=100, type="ROOT", evs_type="SSD", evs_id="5b3d1c7e-0000-4000-8000-000000000001"
            ),
            ServerVolume(
                size=500, type="DATA", evs_type="GPSSD", evs_id="5b3d1c7e-0000-4000-8000-000000000002"
            ),
        ],
        category="SERVER",
    )


def test_a_server_reads_its_type_arch_address_and_disks_from_sdk_fields() -> None:
    server = DevServer.from_api(_wire(_server()))

    assert (server.id, server.name, server.status) == (
        "62383738-e52a-450a-9f84-f9e705402be8",
        "EI-evs-1107",
        "RUNNING",
    )
    assert (server.server_type, server.arch) == ("ECS", "X86")
    assert server.private_ip == "192.168.0.12"
    assert server.endpoints[0].key_pair_names == ["KeyPair-dev"]
    assert [(volume.type, volume.size, volume.evs_type) for volume in server.volumes] == [
        ("ROOT", 100, "SSD"),
        ("DATA", 500, "GPSSD"),
    ]
    assert server.subnet_id == "38cf274a-98f9-4f6f-b622-5ed0e4a3db54"


def test_list_all_and_batch_answers_are_pages_of_servers() -> None:
    listed = _wire(ListAllDevServersResponse(current=1, data=[_server()], pages=1, size=1, total=1))
    batch = _wire(BatchDevServersActionResponse(current=1, data=[_server()], pages=1, size=1, total=1))

    for payload in (listed, batch):
        page = Page.from_api(payload, DevServer.from_api)
        assert page.total == 1
        assert [server.name for server in page.data] == ["EI-evs-1107"]
