"""Configuration defaults, secret-free reprs, and the create body as it goes on the wire."""

from __future__ import annotations

import pytest

from modelarts_client import (
    AkSkCredentials,
    ChargingInfo,
    CloudConfig,
    CreateServerRequest,
    IamCredentials,
    IamToken,
    RootVolume,
    ServerNetwork,
)

NETWORK = ServerNetwork(
    vpc_id="05982b48-a70f-43a1-a2b0-1fe36a236172",
    subnet_id="38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
    security_group_id="150a2c76-1334-45f6-b28f-419f9b1d1742",
)


def test_credentials_never_show_their_secret() -> None:
    aksk = AkSkCredentials(access_key="AK123", secret_key="very-secret-sk")
    iam = IamCredentials(domain_name="dom", user_name="ann", password="very-secret-pw")

    assert "AK123" in repr(aksk)
    assert "very-secret-sk" not in repr(aksk)
    assert "very-secret-pw" not in repr(iam)
    config = CloudConfig(region="r", project_id="p", credentials=aksk)
    assert "very-secret-sk" not in repr(config)


def test_a_token_never_shows_its_value() -> None:
    from datetime import UTC, datetime

    token = IamToken(token="MIIPAgYJKoZIhvcNAQcC", expires_at=datetime(2030, 1, 1, tzinfo=UTC))

    assert "MIIPAgYJ" not in repr(token)


def test_empty_endpoints_default_to_the_region() -> None:
    config = CloudConfig(region="cn-north-4", project_id="p", credentials=AkSkCredentials("a", "s"))

    assert config.modelarts_url == "https://modelarts.cn-north-4.myhuaweicloud.com"
    assert config.vpc_url == "https://vpc.cn-north-4.myhuaweicloud.com"
    assert config.ecs_url == "https://ecs.cn-north-4.myhuaweicloud.com"
    assert config.iam_url == "https://iam.cn-north-4.myhuaweicloud.com"
    assert (config.connect_timeout, config.read_timeout, config.read_retries) == (5.0, 30.0, 3)
    assert (config.retry_backoff, config.retry_backoff_max) == (0.5, 8.0)
    assert config.userdata_field == "userdata"


def test_single_endpoint_points_every_service_at_one_url() -> None:
    config = CloudConfig.single_endpoint(
        "http://127.0.0.1:8999/",
        region="cn-north-4",
        project_id="p",
        credentials=AkSkCredentials("a", "s"),
        read_timeout=2.0,
    )

    urls = {config.modelarts_url, config.vpc_url, config.ecs_url, config.iam_url}
    assert urls == {"http://127.0.0.1:8999"}
    assert config.read_timeout == 2.0


def test_an_unknown_userdata_field_is_refused() -> None:
    with pytest.raises(ValueError, match="userdata_field"):
        CloudConfig(region="r", project_id="p", credentials=AkSkCredentials("a", "s"), userdata_field="data")


def test_the_create_body_leaves_out_what_is_unset() -> None:
    request = CreateServerRequest(
        name="EI-evs-1107",
        flavor="Si2.large.4",
        image_id="c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        network=NETWORK,
        admin_pass="@DevServer",
    )

    assert request.to_body("userdata") == {
        "name": "EI-evs-1107",
        "flavor": "Si2.large.4",
        "image_id": "c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        "network": {
            "vpc_id": "05982b48-a70f-43a1-a2b0-1fe36a236172",
            "subnet_id": "38cf274a-98f9-4f6f-b622-5ed0e4a3db54",
            "security_group_id": "150a2c76-1334-45f6-b28f-419f9b1d1742",
        },
        "admin_pass": "@DevServer",
    }
    assert "@DevServer" not in repr(request)


def test_the_create_body_carries_every_optional_field() -> None:
    request = CreateServerRequest(
        name="full",
        flavor="Si2.large.4",
        image_id="c90fb553-2cdb-4b81-b56a-ef68812c6cf7",
        network=ServerNetwork("v", "s", "g", ipv6_enable=False, roce_id="r"),
        key_pair_name="kp",
        arch="X86",
        availability_zone="cn-north-4a",
        charging_info=ChargingInfo("PRE_PAID", "MONTH", 1, is_auto_pay=True, is_auto_renew=False),
        count=2,
        enterprise_project_id="0",
        root_volume=RootVolume(size=200, type="SSD"),
        server_type="ECS",
        userdata="ZWNobyBoaQ==",
    )

    body = request.to_body("userdata")

    assert body["network"] == {
        "vpc_id": "v",
        "subnet_id": "s",
        "security_group_id": "g",
        "ipv6_enable": False,
        "roce_id": "r",
    }
    assert body["charging_info"] == {
        "charging_mode": "PRE_PAID",
        "period_type": "MONTH",
        "period_num": 1,
        "is_auto_pay": True,
        "is_auto_renew": False,
    }
    assert body["root_volume"] == {"size": 200, "type": "SSD"}
    assert body["userdata"] == "ZWNobyBoaQ=="
    assert "admin_pass" not in body
    assert (body["count"], body["arch"], body["server_type"]) == (2, "X86", "ECS")


def test_the_userdata_field_switch_renames_only_that_key() -> None:
    request = CreateServerRequest(
        name="n", flavor="f", image_id="i", network=NETWORK, key_pair_name="kp", userdata="ZWNobw=="
    )

    body = request.to_body("user_data")

    assert body["user_data"] == "ZWNobw=="
    assert "userdata" not in body
