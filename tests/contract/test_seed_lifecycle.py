"""The seed page's example create, through the SDK, followed to RUNNING and then through its lifecycle."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    CreateDevServerRequest,
    CreateDevServerResponse,
    DeleteDevServerRequest,
    DeleteDevServerResponse,
    RebootDevServerRequest,
    RebootDevServerResponse,
    ShowDevServerRequest,
    StartDevServerRequest,
    StartDevServerResponse,
    StopDevServerRequest,
    StopDevServerResponse,
)

from tests.contract.sdk import (
    SdkClients,
    assert_wire_matches,
    refusal_code,
    seed_create_body,
    wait_for_status,
)
from tests.emulator.helpers import SEED_CREATE_REQUEST, wait_for

pytestmark = pytest.mark.contract


def _has_left_the_cloud(sdk: SdkClients, server_id: str) -> bool:
    try:
        sdk.modelarts.show_dev_server(ShowDevServerRequest(id=server_id))
    except ClientRequestException as refusal:
        return (refusal.status_code, refusal.error_code) == (404, "ModelArts.6309")
    return False


def test_the_seed_example_lives_through_stop_start_reboot_and_delete(sdk: SdkClients) -> None:
    created = sdk.modelarts.create_dev_server(CreateDevServerRequest(body=seed_create_body()))
    created_wire = assert_wire_matches(created, CreateDevServerResponse)
    assert (created.name, created.flavor, created.status) == ("EI-evs-1107", "Si2.large.4", "CREATING")
    assert created.image.image_id == SEED_CREATE_REQUEST["image_id"]
    assert created.vpc_id == SEED_CREATE_REQUEST["network"]["vpc_id"]
    assert "admin_pass" not in created_wire
    server_id = created.id

    running = wait_for_status(sdk, server_id, "RUNNING")
    assert running.update_at > created.update_at

    stopping = sdk.modelarts.stop_dev_server(StopDevServerRequest(id=server_id))
    assert_wire_matches(stopping, StopDevServerResponse)
    assert stopping.status == "STOPPING"
    wait_for_status(sdk, server_id, "STOPPED")

    starting = sdk.modelarts.start_dev_server(StartDevServerRequest(id=server_id))
    assert_wire_matches(starting, StartDevServerResponse)
    assert starting.status == "STARTING"
    wait_for_status(sdk, server_id, "RUNNING")

    rebooting = sdk.modelarts.reboot_dev_server(RebootDevServerRequest(id=server_id))
    assert_wire_matches(rebooting, RebootDevServerResponse)
    assert rebooting.status == "REBOOTING"
    wait_for_status(sdk, server_id, "RUNNING")

    assert refusal_code(sdk.modelarts.delete_dev_server, DeleteDevServerRequest(id=server_id)) == (
        400,
        "ModelArts.6304",
    )
    sdk.modelarts.stop_dev_server(StopDevServerRequest(id=server_id))
    wait_for_status(sdk, server_id, "STOPPED")
    deleting = sdk.modelarts.delete_dev_server(DeleteDevServerRequest(id=server_id))
    assert_wire_matches(deleting, DeleteDevServerResponse)
    assert deleting.status == "DELETING"
    wait_for_status(sdk, server_id, "DELETED")

    wait_for(lambda: _has_left_the_cloud(sdk, server_id), timeout=10)
