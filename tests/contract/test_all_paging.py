"""Reconcile-like listing of /all through the SDK, which sends no paging parameters for ListAllDevServers."""

from __future__ import annotations

import pytest
from huaweicloudsdkmodelarts.v1 import (
    CreateDevServerRequest,
    ListAllDevServersRequest,
    ListAllDevServersResponse,
)

from tests.contract.sdk import SdkClients, assert_wire_matches, sdk_clients_for, seed_create_body
from tests.fixtures.emulator import EmulatorHandle

pytestmark = pytest.mark.contract

SERVER_COUNT = 12  # more than the list's default page of 10
FIRST_BATCH = 10  # the most one create may ask for


def _create_servers(sdk: SdkClients, prefix: str) -> None:
    for name, count in ((f"{prefix}-a", FIRST_BATCH), (f"{prefix}-b", SERVER_COUNT - FIRST_BATCH)):
        sdk.modelarts.create_dev_server(CreateDevServerRequest(body=seed_create_body(name=name, count=count)))


def test_with_all_paging_none_one_call_lists_every_server(unpaged_emulator: EmulatorHandle) -> None:
    unpaged_emulator.reset()
    sdk = sdk_clients_for(unpaged_emulator)
    _create_servers(sdk, "reconciled")

    answer = sdk.modelarts.list_all_dev_servers(ListAllDevServersRequest())

    assert_wire_matches(answer, ListAllDevServersResponse)
    assert (answer.current, answer.pages, answer.size, answer.total) == (1, 1, SERVER_COUNT, SERVER_COUNT)
    names = {server.name for server in answer.data}
    assert names == {f"reconciled-a-{index}" for index in range(1, FIRST_BATCH + 1)} | {
        "reconciled-b-1",
        "reconciled-b-2",
    }


def test_with_offset_paging_the_sdk_call_sees_only_the_first_page(sdk: SdkClients) -> None:
    _create_servers(sdk, "paged")

    answer = sdk.modelarts.list_all_dev_servers(ListAllDevServersRequest())

    assert_wire_matches(answer, ListAllDevServersResponse)
    assert (answer.total, answer.pages, len(answer.data)) == (SERVER_COUNT, 2, 10)
