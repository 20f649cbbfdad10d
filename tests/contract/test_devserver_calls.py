"""Every DevServer call the product makes, through Huawei's SDK, with each raw answer checked on the wire."""

from __future__ import annotations

import base64

import pytest
from huaweicloudsdkmodelarts.v1 import (
    BatchActionDevServerIds,
    BatchDevServersActionRequest,
    BatchDevServersActionResponse,
    ChargingInfo,
    CreateDevServerRequest,
    CreateDevServerResponse,
    DevServerBatchRequest,
    EvsVolume,
    ListAllDevServersRequest,
    ListAllDevServersResponse,
    ListDevServerFlavorsRequest,
    ListDevServerFlavorsResponse,
    ListDevServerImagesRequest,
    ListDevServerImagesResponse,
    ListDevServersRequest,
    ListDevServersResponse,
    ServerDataVolume,
    ServerStartRequest,
    ShowDevServerRequest,
    StartDevServerRequest,
    StartDevServerResponse,
    StopDevServerRequest,
    SyncDevServersRequest,
    SyncDevServersResponse,
)

from tests.contract.sdk import (
    SdkClients,
    assert_wire_matches,
    refusal_code,
    seed_create_body,
    wait_for_status,
)
from tests.fixtures.emulator import EmulatorHandle

pytestmark = pytest.mark.contract

NPU_BMS_FLAVOR = "physical.kat2ne.48xlarge.8.313t"


def _create(sdk: SdkClients, **overrides: object) -> CreateDevServerResponse:
    answer = sdk.modelarts.create_dev_server(CreateDevServerRequest(body=seed_create_body(**overrides)))
    assert_wire_matches(answer, CreateDevServerResponse)
    return answer


def test_a_create_with_every_optional_field_answers_the_sdk_shape(sdk: SdkClients) -> None:
    answer = _create(
        sdk,
        name="full-create",
        admin_pass=None,
        key_pair_name="KeyPair-dev",
        arch="X86",
        server_type="ECS",
        availability_zone="cn-north-4a",
        count=2,
        charging_info=ChargingInfo(
            charging_mode="PRE_PAID", period_type="MONTH", period_num=1, is_auto_pay=True
        ),
        root_volume=EvsVolume(size=200, type="SSD"),
        data_volume=ServerDataVolume(size=500, type="ESSD", count=2),
        user_data=base64.b64encode(b"#!/bin/bash\necho hi\n").decode(),
    )

    assert (answer.name, answer.status, answer.key_pair_name) == ("full-create-1", "CREATING", "KeyPair-dev")
    assert [(volume.type, volume.size, volume.evs_type) for volume in answer.volumes] == [
        ("ROOT", 200, "SSD"),
        ("DATA", 500, "ESSD"),
        ("DATA", 500, "ESSD"),
    ]
    assert answer.endpoints[0].key_pair_names == ["KeyPair-dev"]


def test_own_all_and_sync_lists_answer_pages_of_server_objects(
    sdk: SdkClients, emulator: EmulatorHandle
) -> None:
    created = _create(sdk, name="listed")
    emulator.force_status(created.id, "STOPPED")

    own = sdk.modelarts.list_dev_servers(ListDevServersRequest(limit=5, offset=0, sort_key="updateTime"))
    everyone = sdk.modelarts.list_all_dev_servers(ListAllDevServersRequest())
    synced = sdk.modelarts.sync_dev_servers(SyncDevServersRequest())
    empty_page = sdk.modelarts.list_dev_servers(ListDevServersRequest(limit=0))

    for answer, model in (
        (own, ListDevServersResponse),
        (everyone, ListAllDevServersResponse),
        (synced, SyncDevServersResponse),
        (empty_page, ListDevServersResponse),
    ):
        assert_wire_matches(answer, model)
    assert [(server.id, server.status) for server in own.data] == [(created.id, "STOPPED")]
    assert [server.id for server in everyone.data] == [server.id for server in synced.data] == [created.id]
    assert (empty_page.data, empty_page.total, empty_page.pages) == ([], 1, 0)


def test_start_takes_the_optional_start_request(sdk: SdkClients, emulator: EmulatorHandle) -> None:
    created = _create(sdk, name="restart-me")
    emulator.force_status(created.id, "STOPPED")

    started = sdk.modelarts.start_dev_server(
        StartDevServerRequest(
            id=created.id, body=ServerStartRequest(arch="X86", charging_mode="POST_PAID", server_type="ECS")
        )
    )

    assert_wire_matches(started, StartDevServerResponse)
    assert started.status == "STARTING"


def test_a_batch_action_answers_a_page_of_the_servers_acted_on(
    sdk: SdkClients, emulator: EmulatorHandle
) -> None:
    first = _create(sdk, name="batch-1")
    second = _create(sdk, name="batch-2")
    for server in (first, second):
        wait_for_status(sdk, server.id, "RUNNING")
    emulator.set_lifecycle(create_seconds=60)
    still_creating = _create(sdk, name="batch-3")

    answer = sdk.modelarts.batch_dev_servers_action(
        BatchDevServersActionRequest(
            body=DevServerBatchRequest(
                type="STOP",
                servers=[BatchActionDevServerIds(id=server.id) for server in (first, second, still_creating)],
            )
        )
    )

    assert_wire_matches(answer, BatchDevServersActionResponse)
    assert sorted((server.id, server.status) for server in answer.data) == sorted(
        [(first.id, "STOPPING"), (second.id, "STOPPING")]
    )
    assert answer.total == 2


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"server_type": "bms"},
        {"server_type": "ecs", "arch": "ARM", "charging_mode": "POST_PAID"},
    ],
)
def test_flavor_rows_answer_the_sdk_shape(sdk: SdkClients, query: dict[str, str]) -> None:
    answer = sdk.modelarts.list_dev_server_flavors(ListDevServerFlavorsRequest(**query))

    assert_wire_matches(answer, ListDevServerFlavorsResponse)
    assert answer.data and answer.total == len(answer.data)
    if "server_type" in query:
        assert {row.server_type for row in answer.data} == {query["server_type"].upper()}


def test_a_bare_metal_npu_flavor_is_sold_prepaid_with_roce(sdk: SdkClients) -> None:
    answer = sdk.modelarts.list_dev_server_flavors(ListDevServerFlavorsRequest(server_type="bms", arch="ARM"))

    rows = [row for row in answer.data if row.flavor == NPU_BMS_FLAVOR]
    assert rows and {row.charging_mode for row in rows} == {"PRE_PAID"}
    assert {(row.flavor_type, row.roce_num, row.is_sold_out) for row in rows} == {("NPU", 8, False)}


@pytest.mark.parametrize(
    "query",
    [{}, {"server_type": "bms"}, {"flavor_name": "p2s.2xlarge.8"}, {"flavor_name": "no.such.flavor"}],
)
def test_image_rows_answer_the_sdk_shape(sdk: SdkClients, query: dict[str, str]) -> None:
    answer = sdk.modelarts.list_dev_server_images(ListDevServerImagesRequest(**query))

    assert_wire_matches(answer, ListDevServerImagesResponse)
    assert answer.total == len(answer.data)
    assert bool(answer.data) is (query.get("flavor_name") != "no.such.flavor")


def test_refusals_reach_the_sdk_as_its_error_type(sdk: SdkClients, emulator: EmulatorHandle) -> None:
    created = _create(sdk, name="refused")
    emulator.force_status(created.id, "STOPPED")
    missing_id = "62383738-e52a-450a-9f84-f9e705402be8"

    assert refusal_code(sdk.modelarts.show_dev_server, ShowDevServerRequest(id=missing_id)) == (
        404,
        "ModelArts.6309",
    )
    assert refusal_code(sdk.modelarts.stop_dev_server, StopDevServerRequest(id=created.id)) == (
        400,
        "ModelArts.6307",
    )
    assert refusal_code(
        sdk.modelarts.create_dev_server,
        CreateDevServerRequest(body=seed_create_body(name="refused", hps_cluster_id=missing_id)),
    ) == (400, "ModelArts.0104")
