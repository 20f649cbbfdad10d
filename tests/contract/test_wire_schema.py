"""The wire check itself: it passes a conforming answer and names every stray key and wrong type."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from huaweicloudsdkiam.v3 import KeystoneCreateUserTokenByPasswordResponse
from huaweicloudsdkmodelarts.v1 import (
    ListDevServerFlavorsResponse,
    RebootDevServerResponse,
    ServerResponse,
    ShowDevServerResponse,
)

from tests.contract.wire_schema import allowed_fields, document_violations

pytestmark = pytest.mark.contract

CONFORMING_SERVER: dict[str, Any] = {
    "create_at": 1699348284990,
    "update_at": 1699348285077,
    "charging_mode": "PRE_PAID",
    "cloud_server": {"id": "0d2e3c1a-8f4b-4c5d-9e6f-7a8b9c0d1e2f", "type": "ECS"},
    "endpoints_response": [
        {
            "dev_service": "SSH",
            "extensions": {"ssh": "x"},
            "ssh_keys": ["k"],
            "allowed_access_ips": ["1.2.3.4"],
        }
    ],
    "flavor": "Si2.large.4",
    "id": "62383738-e52a-450a-9f84-f9e705402be8",
    "key_pair_name": "k",
    "name": "EI-evs-1107",
    "status": "CREATING",
    "endpoints": [{"dev_service": "SSH", "service": "SSH", "uri": "192.168.0.10", "key_pair_names": ["k"]}],
    "volumes": [{"size": 100, "type": "ROOT", "evs_type": "GPSSD", "evs_id": "e"}],
    "image": {"arch": "X86", "image_id": "i", "name": "Ubuntu18.04_x86_64_CPU", "server_type": "ECS"},
    "server_image_response": {
        "arch": "X86",
        "image_id": "i",
        "name": "n",
        "server_type": "ECS",
        "status": "ACTIVE",
    },
    "category": "SERVER",
    "subnet_id": "38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
}


def _changed(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(CONFORMING_SERVER)
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def test_a_conforming_server_object_passes() -> None:
    assert document_violations(CONFORMING_SERVER, ShowDevServerResponse) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(_changed(("fail_reason",), "no capacity"), "fail_reason: neither", id="top-level-key"),
        pytest.param(_changed(("volumes", 0, "iops"), 3000), "volumes[0].iops: neither", id="nested-key"),
        pytest.param(
            _changed(("endpoints", 0, "allowed_access_ips"), []),
            "endpoints[0].allowed_access_ips: neither",
            id="seed-key-in-the-wrong-object",
        ),
        pytest.param(_changed(("create_at",), "1699348284990"), "create_at: expected int", id="str-for-int"),
        pytest.param(
            _changed(("volumes", 0, "size"), True), "volumes[0].size: expected int", id="bool-for-int"
        ),
        pytest.param(_changed(("name",), 7), "name: expected str", id="int-for-str"),
        pytest.param(_changed(("volumes",), {"size": 100}), "volumes: expected a list", id="object-for-list"),
        pytest.param(_changed(("cloud_server",), None), "cloud_server: expected an object", id="null-object"),
        pytest.param(
            _changed(("endpoints_response", 0, "extensions"), {"ssh": 22}),
            "endpoints_response[0].extensions.ssh: expected str",
            id="dict-value",
        ),
        pytest.param(
            _changed(("endpoints", 0, "key_pair_names"), ["k", 1]),
            "endpoints[0].key_pair_names[1]: expected str",
            id="list-item",
        ),
        pytest.param(
            _changed(("image", "os"), "Ubuntu"), "image.os: neither ServerImageResponse", id="image-key"
        ),
    ],
)
def test_it_names_each_stray_key_and_wrong_type(document: dict[str, Any], expected: str) -> None:
    violations = document_violations(document, ServerResponse)

    assert len(violations) == 1, violations
    assert violations[0].startswith(expected), violations


def test_an_optional_string_may_be_null_but_is_still_typed() -> None:
    assert document_violations(_changed(("order_id",), None), ServerResponse) == []


def test_headers_listed_on_a_response_model_are_not_body_keys() -> None:
    assert "X-Request-Id" not in allowed_fields(RebootDevServerResponse)
    assert "X-Subject-Token" not in allowed_fields(KeystoneCreateUserTokenByPasswordResponse)
    assert document_violations({**CONFORMING_SERVER, "X-Request-Id": "r"}, RebootDevServerResponse)


def test_a_page_checks_each_row_against_the_row_model() -> None:
    row = {"flavor": "Si2.large.4", "count": 3, "is_sold_out": False, "cpu": 2}
    page = {"current": 1, "data": [row], "pages": 1, "size": 1, "total": 1}

    assert document_violations(page, ListDevServerFlavorsResponse) == [
        "data[0].cpu: neither ServerFlavorinstanceResponse nor the seed has this key"
    ]
