"""Every endpoint through the client, against the emulator as a real process (AK/SK signing)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from modelarts_client import (
    AkSkCredentials,
    ChargingInfo,
    CloudConfig,
    CloudError,
    DataVolume,
    DevServer,
    ErrorKind,
    ModelArtsClient,
    RootVolume,
    ServerNetwork,
    statuses,
)
from tests.client.helpers import seed_body, seed_request, wait_for_status
from tests.emulator.helpers import TABLE_6_FIELDS
from tests.fixtures.cloud import ConfigFactory

SEED_VPC_ID = "05982b48-a70f-43a1-a2b0-1fe36a236172"


@pytest.fixture
def quick_lifecycle(emulator: Any) -> None:
    emulator.set_lifecycle(
        create_seconds=0.1, start_seconds=0.1, stop_seconds=0.1, reboot_seconds=0.1, delete_seconds=0.1
    )


def test_the_seed_example_request_returns_every_table_6_field(cloud_client: ModelArtsClient) -> None:
    request = seed_request()
    assert request.to_body("userdata") == seed_body()

    server = cloud_client.create_dev_server(request)

    # The seed logs in with a password, so the answer names no key pair.
    assert set(TABLE_6_FIELDS) - {"key_pair_name"} <= set(server.raw)
    assert "key_pair_name" not in server.raw
    assert server.name == "EI-evs-1107"
    assert server.flavor == "Si2.large.4"
    assert server.status == statuses.CREATING
    assert server.is_transitional
    assert uuid.UUID(server.id or "")
    assert isinstance(server.create_at, int)
    assert isinstance(server.update_at, int)
    assert server.charging_mode
    assert server.cloud_server is not None
    assert server.cloud_server.type == "ECS"
    assert server.image is not None
    assert server.image.image_id == "c90fb553-2cdb-4b81-b56a-ef68812c6cf7"
    assert server.image.name == "Ubuntu18.04_x86_64_CPU"
    assert server.vpc_id == SEED_VPC_ID
    assert server.order_id
    assert server.key_pair_name is None
    assert server.private_ip
    assert "admin_pass" not in server.raw


def test_show_returns_the_created_server(cloud_client: ModelArtsClient) -> None:
    created = cloud_client.create_dev_server(seed_request())

    shown = cloud_client.get_dev_server(created.id or "")

    assert shown.id == created.id
    assert shown.name == created.name


def test_an_unknown_id_is_404(cloud_client: ModelArtsClient) -> None:
    with pytest.raises(CloudError) as error:
        cloud_client.get_dev_server(str(uuid.uuid4()))

    assert error.value.status == 404
    assert error.value.error_code == "ModelArts.6309"
    assert error.value.kind is ErrorKind.PERMANENT


def test_a_duplicate_name_is_refused(cloud_client: ModelArtsClient) -> None:
    cloud_client.create_dev_server(seed_request())

    with pytest.raises(CloudError) as error:
        cloud_client.create_dev_server(seed_request())

    assert error.value.error_code == "ModelArts.6301"
    assert error.value.kind is ErrorKind.PERMANENT


def test_the_lifecycle_calls_move_a_server_through_its_statuses(
    cloud_client: ModelArtsClient, quick_lifecycle: None
) -> None:
    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    wait_for_status(cloud_client, server_id, statuses.RUNNING)

    assert cloud_client.reboot_dev_server(server_id).status == statuses.REBOOTING
    wait_for_status(cloud_client, server_id, statuses.RUNNING)
    assert cloud_client.stop_dev_server(server_id).status == statuses.STOPPING
    wait_for_status(cloud_client, server_id, statuses.STOPPED)
    assert cloud_client.start_dev_server(server_id).status == statuses.STARTING
    wait_for_status(cloud_client, server_id, statuses.RUNNING)
    cloud_client.stop_dev_server(server_id)
    wait_for_status(cloud_client, server_id, statuses.STOPPED)
    deleted = cloud_client.delete_dev_server(server_id)

    assert deleted.status == statuses.DELETING


def test_a_refused_operation_carries_the_service_code(
    cloud_client: ModelArtsClient, quick_lifecycle: None
) -> None:
    server_id = cloud_client.create_dev_server(seed_request()).id or ""
    wait_for_status(cloud_client, server_id, statuses.RUNNING)

    with pytest.raises(CloudError) as start_error:
        cloud_client.start_dev_server(server_id)
    with pytest.raises(CloudError) as delete_error:
        cloud_client.delete_dev_server(server_id)

    assert start_error.value.error_code == "ModelArts.6305"
    assert delete_error.value.error_code == "ModelArts.6304"
    assert not delete_error.value.retry_safe


def test_list_pages_sorts_and_filters(cloud_client: ModelArtsClient) -> None:
    created = [cloud_client.create_dev_server(seed_request(name=f"list-{index}")) for index in range(3)]

    first = cloud_client.list_dev_servers(limit=2, offset=0)
    second = cloud_client.list_dev_servers(limit=2, offset=2)
    newest_first = cloud_client.list_dev_servers(limit=10, sort_key="createTime", sort_dir="DESC")

    assert (first.total, first.pages, first.current, len(first.data)) == (3, 2, 1, 2)
    assert (second.current, len(second.data)) == (2, 1)
    assert [server.id for server in first.data + second.data] == [server.id for server in created]
    assert [server.name for server in newest_first.data] == ["list-2", "list-1", "list-0"]


def test_own_list_and_all_users_list_differ(
    cloud_client: ModelArtsClient, cloud_config_for: ConfigFactory, emulator: Any
) -> None:
    teammate = ModelArtsClient(
        cloud_config_for(credentials=AkSkCredentials(emulator.second_access_key, emulator.second_secret_key))
    )
    cloud_client.create_dev_server(seed_request(name="mine"))
    teammate.create_dev_server(seed_request(name="theirs"))

    own = cloud_client.list_dev_servers()
    everyone = cloud_client.list_dev_servers(all_users=True)
    by_owner = cloud_client.list_dev_servers(all_users=True, owner=emulator.iam_user)

    assert [server.name for server in own.data] == ["mine"]
    assert sorted(server.name for server in everyone.data) == ["mine", "theirs"]
    assert [server.name for server in by_owner.data] == ["mine"]


def test_iter_dev_servers_walks_every_page(cloud_client: ModelArtsClient, emulator: Any) -> None:
    cloud_client.create_dev_server(seed_request(name="paged", count=5))

    names = [server.name for server in cloud_client.iter_dev_servers(page_size=2)]

    assert sorted(names) == [f"paged-{index}" for index in range(1, 6)]
    assert emulator.counters()["GET /v1/{project_id}/dev-servers"] == 3


def test_iter_dev_servers_over_all_users(cloud_client: ModelArtsClient, emulator: Any) -> None:
    cloud_client.create_dev_server(seed_request(name="all", count=3))

    servers = list(cloud_client.iter_dev_servers(all_users=True, page_size=1))

    assert len(servers) == 3
    assert emulator.counters()["GET /v1/{project_id}/dev-servers/all"] == 3


def test_iter_dev_servers_reads_each_server_once_when_all_ignores_paging(unpaged_emulator: Any) -> None:
    config = CloudConfig.single_endpoint(
        unpaged_emulator.base_url,
        region=unpaged_emulator.region,
        project_id=unpaged_emulator.project_id,
        credentials=AkSkCredentials(unpaged_emulator.access_key, unpaged_emulator.secret_key),
    )
    with ModelArtsClient(config) as client:
        client.create_dev_server(seed_request(name="unpaged", count=5))

        servers = list(client.iter_dev_servers(all_users=True, page_size=2))

    assert sorted(server.name or "" for server in servers) == [f"unpaged-{index}" for index in range(1, 6)]
    assert unpaged_emulator.counters()["GET /v1/{project_id}/dev-servers/all"] == 1


def test_sync_returns_the_callers_servers(cloud_client: ModelArtsClient) -> None:
    created = cloud_client.create_dev_server(seed_request())

    page = cloud_client.sync_dev_servers()

    assert [server.id for server in page.data] == [created.id]


def test_batch_action_sends_the_sdk_body_and_reads_a_page_of_servers(
    cloud_client: ModelArtsClient, quick_lifecycle: None
) -> None:
    server_ids = [server.id or "" for server in _created(cloud_client, "batch", 2)]
    for server_id in server_ids:
        wait_for_status(cloud_client, server_id, statuses.RUNNING)

    page = cloud_client.batch_action("STOP", server_ids)

    assert sorted(server.id or "" for server in page.data) == sorted(server_ids)
    assert {server.status for server in page.data} == {statuses.STOPPING}


def _created(client: ModelArtsClient, name: str, count: int) -> list[DevServer]:
    client.create_dev_server(seed_request(name=name, count=count))
    return [server for server in client.iter_dev_servers() if (server.name or "").startswith(name)]


def test_flavors_come_grouped_with_their_modes_zones_and_sold_out_state(cloud_client: ModelArtsClient) -> None:
    rows = cloud_client.list_flavor_rows()
    every = cloud_client.list_flavors()
    arm_bms = cloud_client.list_flavors(server_type="BMS", arch="ARM")
    prepaid_only = cloud_client.list_flavors(charging_mode="PRE_PAID")

    assert len(rows) > len(every)
    assert len({flavor.name for flavor in every}) == len(every)
    assert any(flavor.sold_out for flavor in every)
    assert any(not flavor.sold_out and flavor.zones for flavor in every)
    assert arm_bms
    assert all((flavor.server_type, flavor.arch) == ("BMS", "ARM") for flavor in arm_bms)
    assert all(flavor.charging_modes in ([], ["PRE_PAID"]) for flavor in prepaid_only)
    assert all(row.specification and row.flavor_type for row in rows)


def test_images_filter_by_flavor(cloud_client: ModelArtsClient) -> None:
    every = cloud_client.list_images()
    for_cpu_flavor = cloud_client.list_images(flavor_name="Si2.large.4")
    for_gpu_flavor = cloud_client.list_images(flavor_name="p2s.2xlarge.8")
    for_bms = cloud_client.list_images(server_type="BMS")

    assert "c90fb553-2cdb-4b81-b56a-ef68812c6cf7" in {image.image_id for image in for_cpu_flavor}
    assert not any("GPU" in (image.name or "") for image in for_cpu_flavor)
    assert any("GPU" in (image.name or "") for image in for_gpu_flavor)
    assert len(for_cpu_flavor) < len(every)
    assert for_bms
    assert all(image.server_type == "BMS" for image in for_bms)
    assert all(image.image_id and image.status for image in every)


def test_images_for_an_unknown_flavor_are_none(cloud_client: ModelArtsClient) -> None:
    assert cloud_client.list_images(flavor_name="no-such-flavor") == []


def test_the_network_look_ups_answer_the_seed_network(cloud_client: ModelArtsClient) -> None:
    vpcs = cloud_client.list_vpcs()
    subnets = cloud_client.list_subnets(SEED_VPC_ID)
    groups = cloud_client.list_security_groups(SEED_VPC_ID)
    network = seed_request().network

    assert SEED_VPC_ID in {vpc.id for vpc in vpcs}
    assert all(vpc.cidr for vpc in vpcs)
    assert network.subnet_id in {subnet.id for subnet in subnets}
    assert {subnet.vpc_id for subnet in subnets} == {SEED_VPC_ID}
    assert network.security_group_id in {group.id for group in groups}
    assert {group.vpc_id for group in groups} == {SEED_VPC_ID}


def test_key_pairs_are_listed_from_ecs(cloud_client: ModelArtsClient) -> None:
    key_pairs = cloud_client.list_key_pairs()

    assert key_pairs
    assert all(key_pair.name and key_pair.fingerprint and key_pair.public_key for key_pair in key_pairs)


def test_a_key_pair_login_is_echoed_back(cloud_client: ModelArtsClient) -> None:
    key_pair = cloud_client.list_key_pairs()[0].name

    server = cloud_client.create_dev_server(seed_request(admin_pass=None, key_pair_name=key_pair))

    assert server.key_pair_name == key_pair


def test_the_userdata_field_switch_reaches_the_service(
    cloud_config_for: ConfigFactory,
) -> None:
    client = ModelArtsClient(cloud_config_for(userdata_field="user_data"))

    with pytest.raises(CloudError) as error:
        client.create_dev_server(seed_request(userdata="not base64 at all!"))

    assert error.value.error_msg.startswith("Invalid parameter: user_data ")


def test_create_with_every_optional_field(cloud_client: ModelArtsClient) -> None:
    network = seed_request().network
    request = seed_request(
        name="full-options",
        network=ServerNetwork(
            network.vpc_id, network.subnet_id, network.security_group_id, ipv6_enable=False
        ),
        arch="X86",
        availability_zone="cn-north-4a",
        charging_info=ChargingInfo("PRE_PAID", "MONTH", 1, is_auto_pay=True, is_auto_renew=False),
        count=1,
        enterprise_project_id="0",
        root_volume=RootVolume(size=200, type="SSD"),
        data_volume=DataVolume(size=500, type="GPSSD", count=2),
        server_type="ECS",
        userdata="ZWNobyBoZWxsbw==",
    )

    server: DevServer = cloud_client.create_dev_server(request)

    assert server.charging_mode == "PRE_PAID"
    assert (server.server_type, server.arch) == ("ECS", "X86")
    assert [(volume.type, volume.size, volume.evs_type) for volume in server.volumes] == [
        ("ROOT", 200, "SSD"),
        ("DATA", 500, "GPSSD"),
        ("DATA", 500, "GPSSD"),
    ]
