"""Huawei's official SDK clients pointed at an emulator, and the checks every contract test makes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkiam.v3 import IamClient
from huaweicloudsdkmodelarts.v1 import (
    ModelArtsClient,
    ServerCreateRequest,
    ServerNetwork,
    ShowDevServerRequest,
    ShowDevServerResponse,
)
from huaweicloudsdkvpc.v2 import VpcClient

from tests.contract.wire_schema import document_violations
from tests.emulator.helpers import SEED_CREATE_REQUEST
from tests.fixtures.emulator import EmulatorHandle

SETTLE_TIMEOUT_SECONDS = 15.0
POLL_INTERVAL_SECONDS = 0.1


@dataclass(frozen=True)
class SdkClients:
    modelarts: ModelArtsClient
    vpc: VpcClient
    ecs: EcsClient
    iam: IamClient


def sdk_clients_for(emulator: EmulatorHandle) -> SdkClients:
    """One client per service, all on the emulator's plain-http base URL (no region: nothing is looked up)."""
    project = BasicCredentials(emulator.access_key, emulator.secret_key, emulator.project_id)
    # IAM's client insists on domain-level credentials; the token call itself is not signed-checked.
    domain = GlobalCredentials(emulator.access_key, emulator.secret_key)
    endpoints = [emulator.base_url]
    return SdkClients(
        modelarts=ModelArtsClient.new_builder().with_credentials(project).with_endpoints(endpoints).build(),
        vpc=VpcClient.new_builder().with_credentials(project).with_endpoints(endpoints).build(),
        ecs=EcsClient.new_builder().with_credentials(project).with_endpoints(endpoints).build(),
        iam=IamClient.new_builder().with_credentials(domain).with_endpoints(endpoints).build(),
    )


def wire_json(response: SdkResponse) -> Any:
    """The answer's body exactly as it came over the wire, before the SDK's model dropped anything."""
    assert response.raw_content, "the SDK response kept no raw body"
    return json.loads(response.raw_content)


def assert_wire_matches(response: SdkResponse, model: type) -> Any:
    """Fail with every stray key and mistyped value of the raw answer; return the raw JSON."""
    document = wire_json(response)
    violations = document_violations(document, model)
    assert not violations, "the wire answer breaks " + model.__name__ + ":\n" + "\n".join(violations)
    return document


def seed_create_body(**overrides: Any) -> ServerCreateRequest:
    """The seed page's example create request as the SDK's model, with optional fields added."""
    network = ServerNetwork(**SEED_CREATE_REQUEST["network"])
    fields = {key: value for key, value in SEED_CREATE_REQUEST.items() if key != "network"}
    return ServerCreateRequest(**{**fields, "network": network, **overrides})


def wait_for_status(clients: SdkClients, server_id: str, status: str) -> ShowDevServerResponse:
    """Show the server until it reaches the status (each answer checked on the wire), within a bound."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    seen = []
    while time.monotonic() < deadline:
        shown = clients.modelarts.show_dev_server(ShowDevServerRequest(id=server_id))
        assert_wire_matches(shown, ShowDevServerResponse)
        if shown.status == status:
            return shown
        seen.append(shown.status)
        time.sleep(POLL_INTERVAL_SECONDS)
    raise AssertionError(f"{server_id} did not reach {status} in {SETTLE_TIMEOUT_SECONDS}s; saw {seen[-5:]}")


def refusal_code(call: Any, *args: Any) -> tuple[int, str]:
    """The HTTP status and error_code of a call the SDK reports as a refusal."""
    try:
        call(*args)
    except ClientRequestException as refusal:
        return refusal.status_code, refusal.error_code
    raise AssertionError("the call was expected to be refused")
