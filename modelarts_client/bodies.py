"""The create request, field for field as the API documents it (seed Tables 2 to 5)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _without_none(instance: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for each in fields(instance):
        value = getattr(instance, each.name)
        if value is None:
            continue
        body[each.name] = _without_none(value) if hasattr(value, "__dataclass_fields__") else value
    return body


@dataclass(frozen=True)
class ServerNetwork:
    vpc_id: str
    subnet_id: str
    security_group_id: str
    ipv6_enable: bool | None = None
    roce_id: str | None = None


@dataclass(frozen=True)
class ChargingInfo:
    charging_mode: str
    period_type: str
    period_num: int
    is_auto_pay: bool | None = None
    is_auto_renew: bool | None = None


@dataclass(frozen=True)
class RootVolume:
    size: int | None = None
    type: str | None = None


@dataclass(frozen=True)
class DataVolume:
    """Data disks (SDK `ServerDataVolume`): `count` disks of `size` GB each."""

    size: int
    type: str
    count: int


@dataclass(frozen=True)
class CreateServerRequest:
    name: str
    flavor: str
    image_id: str
    network: ServerNetwork
    admin_pass: str | None = field(default=None, repr=False)
    key_pair_name: str | None = None
    arch: str | None = None
    availability_zone: str | None = None
    charging_info: ChargingInfo | None = None
    count: int | None = None
    enterprise_project_id: str | None = None
    root_volume: RootVolume | None = None
    data_volume: DataVolume | None = None
    server_type: str | None = None
    # Already base64: the caller encodes the script, so size limits are checked where it is written.
    userdata: str | None = None

    def to_body(self, userdata_field: str = "userdata") -> dict[str, Any]:
        body = _without_none(self)
        if "userdata" in body and userdata_field != "userdata":
            body[userdata_field] = body.pop("userdata")
        return body
