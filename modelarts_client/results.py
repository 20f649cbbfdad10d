"""Typed views of what the cloud answers.

Every field may be missing and every value may be one this code has never seen: parsing
never fails on shape, it leaves what it cannot read as None or empty and keeps the whole
answer in `raw`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from modelarts_client import statuses

T = TypeVar("T")
JsonObject = dict[str, Any]


def _object(value: Any) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[JsonObject]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(raw: JsonObject, key: str) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _int(raw: JsonObject, key: str) -> int | None:
    value = raw.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _bool(raw: JsonObject, key: str) -> bool | None:
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _strings(raw: JsonObject, key: str) -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [str(item) for item in value if item is not None and not isinstance(item, dict | list)]


@dataclass(frozen=True)
class CloudServer:
    id: str | None
    type: str | None

    @classmethod
    def from_api(cls, raw: JsonObject) -> CloudServer:
        return cls(id=_str(raw, "id"), type=_str(raw, "type"))


@dataclass(frozen=True)
class ServerImage:
    """An image as a server embeds it and as the images call lists it (SDK `ServerImageResponse`)."""

    arch: str | None
    image_id: str | None
    name: str | None
    server_type: str | None
    status: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> ServerImage:
        data = _object(raw)
        return cls(
            arch=_str(data, "arch"),
            image_id=_str(data, "image_id"),
            name=_str(data, "name"),
            server_type=_str(data, "server_type"),
            status=_str(data, "status"),
        )


@dataclass(frozen=True)
class Endpoint:
    dev_service: str | None
    service: str | None
    uri: str | None
    key_pair_names: list[str]
    ssh_keys: list[str]
    allowed_access_ips: list[str]

    @classmethod
    def from_api(cls, raw: JsonObject) -> Endpoint:
        return cls(
            dev_service=_str(raw, "dev_service"),
            service=_str(raw, "service"),
            uri=_str(raw, "uri"),
            key_pair_names=_strings(raw, "key_pair_names"),
            ssh_keys=_strings(raw, "ssh_keys"),
            allowed_access_ips=_strings(raw, "allowed_access_ips"),
        )


@dataclass(frozen=True)
class Volume:
    size: int | None
    type: str | None
    evs_type: str | None
    evs_id: str | None

    @classmethod
    def from_api(cls, raw: JsonObject) -> Volume:
        return cls(
            size=_int(raw, "size"),
            type=_str(raw, "type"),
            evs_type=_str(raw, "evs_type"),
            evs_id=_str(raw, "evs_id"),
        )


@dataclass(frozen=True)
class DevServer:
    """A server object (seed Table 6, SDK `ServerResponse`): only the fields those two name."""

    id: str | None
    name: str | None
    status: str | None
    flavor: str | None
    charging_mode: str | None
    create_at: int | None
    update_at: int | None
    key_pair_name: str | None
    order_id: str | None
    vpc_id: str | None
    subnet_id: str | None
    cloud_server: CloudServer | None
    image: ServerImage | None
    endpoints: list[Endpoint]
    volumes: list[Volume]
    category: str | None
    raw: JsonObject = field(default_factory=dict, repr=False)
    # The X-Request-Id of the answer this came from, where it came alone (not from a list).
    request_id: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> DevServer:
        data = _object(raw)
        cloud_server = (
            CloudServer.from_api(data["cloud_server"]) if isinstance(data.get("cloud_server"), dict) else None
        )
        # The SDK names the image `image`; the seed also names it `server_image_response`.
        image_raw = (
            data.get("image") if isinstance(data.get("image"), dict) else data.get("server_image_response")
        )
        image = ServerImage.from_api(image_raw) if isinstance(image_raw, dict) else None
        # The seed names both lists; the newer API fills `endpoints`, older answers only `endpoints_response`.
        endpoint_list = _objects(data.get("endpoints")) or _objects(data.get("endpoints_response"))
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            status=_str(data, "status"),
            flavor=_str(data, "flavor"),
            charging_mode=_str(data, "charging_mode"),
            create_at=_int(data, "create_at"),
            update_at=_int(data, "update_at"),
            key_pair_name=_str(data, "key_pair_name"),
            order_id=_str(data, "order_id"),
            vpc_id=_str(data, "vpc_id"),
            subnet_id=_str(data, "subnet_id"),
            cloud_server=cloud_server,
            image=image,
            endpoints=[Endpoint.from_api(item) for item in endpoint_list],
            volumes=[Volume.from_api(item) for item in _objects(data.get("volumes"))],
            category=_str(data, "category"),
            raw=data,
        )

    @property
    def server_type(self) -> str | None:
        """The API has no top-level server type: the cloud server's type, else the image's."""
        return (self.cloud_server.type if self.cloud_server else None) or (
            self.image.server_type if self.image else None
        )

    @property
    def arch(self) -> str | None:
        """The API has no top-level architecture: the image's."""
        return self.image.arch if self.image else None

    @property
    def private_ip(self) -> str | None:
        return next((endpoint.uri for endpoint in self.endpoints if endpoint.uri), None)

    @property
    def is_transitional(self) -> bool:
        return statuses.is_transitional(self.status)

    @property
    def is_failed(self) -> bool:
        return statuses.is_failed(self.status)


@dataclass(frozen=True)
class Page(Generic[T]):
    current: int
    pages: int
    size: int
    total: int
    data: list[T]

    @classmethod
    def from_api(cls, raw: Any, parse_item: Callable[[Any], T]) -> Page[T]:
        if isinstance(raw, list):
            items = [parse_item(item) for item in raw]
            return cls(
                current=1 if items else 0,
                pages=1 if items else 0,
                size=len(items),
                total=len(items),
                data=items,
            )
        data = _object(raw)
        items = [parse_item(item) for item in _objects(data.get("data"))]
        total = _int(data, "total")
        return cls(
            current=_int(data, "current") or 0,
            pages=_int(data, "pages") or 0,
            size=_int(data, "size") if _int(data, "size") is not None else len(items),
            total=total if total is not None else len(items),
            data=items,
        )


@dataclass(frozen=True)
class FlavorRow:
    """One row of the flavors call (SDK `ServerFlavorinstanceResponse`): a flavor in one charging mode and zone."""

    flavor: str | None
    arch: str | None
    server_type: str | None
    flavor_type: str | None
    specification: str | None
    charging_mode: str | None
    availability_zone: str | None
    count: int | None
    sku_code: str | None
    roce_num: int | None
    status: str | None
    is_sold_out: bool
    raw: JsonObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, raw: Any) -> FlavorRow:
        data = _object(raw)
        return cls(
            flavor=_str(data, "flavor"),
            arch=_str(data, "arch"),
            server_type=_str(data, "server_type"),
            flavor_type=_str(data, "flavor_type"),
            specification=_str(data, "specification"),
            charging_mode=_str(data, "charging_mode"),
            availability_zone=_str(data, "availability_zone"),
            count=_int(data, "count"),
            sku_code=_str(data, "sku_code"),
            roce_num=_int(data, "roce_num"),
            status=_str(data, "status"),
            # The SDK documents false as the default: a row that does not say is on sale.
            is_sold_out=_bool(data, "is_sold_out") is True,
            raw=data,
        )


@dataclass(frozen=True)
class Flavor:
    """One flavor, gathered from its rows: where and how it is sold, and where it is sold out."""

    name: str
    arch: str | None
    server_type: str | None
    flavor_type: str | None
    specification: str | None
    roce_num: int | None
    rows: tuple[FlavorRow, ...]

    @property
    def charging_modes(self) -> list[str]:
        """Modes in which some zone still sells it."""
        return _unique(row.charging_mode for row in self.rows if not row.is_sold_out)

    @property
    def zones(self) -> list[str]:
        """Zones that still sell it in some mode; empty where the rows name no zone."""
        return _unique(row.availability_zone for row in self.rows if not row.is_sold_out)

    @property
    def sold_out(self) -> bool:
        return all(row.is_sold_out for row in self.rows)

    def sold_out_for(self, *, charging_mode: str | None, zone: str | None) -> bool:
        """Whether no row sells it in this mode (and this zone, where one is chosen)."""
        return not any(
            not row.is_sold_out
            and (not charging_mode or row.charging_mode in (charging_mode, None))
            and (not zone or row.availability_zone in (zone, None))
            for row in self.rows
        )

    def sku_code(self, charging_mode: str) -> str | None:
        return next((row.sku_code for row in self.rows if row.charging_mode == charging_mode), None)


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def group_flavor_rows(rows: Iterable[FlavorRow]) -> list[Flavor]:
    """One Flavor per flavor name, in the order the cloud first lists each."""
    by_name: dict[str, list[FlavorRow]] = {}
    for row in rows:
        if row.flavor:
            by_name.setdefault(row.flavor, []).append(row)
    return [
        Flavor(
            name=name,
            arch=_first(row.arch for row in group),
            server_type=_first(row.server_type for row in group),
            flavor_type=_first(row.flavor_type for row in group),
            specification=_first(row.specification for row in group),
            roce_num=_first(row.roce_num for row in group),
            rows=tuple(group),
        )
        for name, group in by_name.items()
    ]


def _first(values: Iterable[T | None]) -> T | None:
    return next((value for value in values if value is not None), None)


@dataclass(frozen=True)
class Vpc:
    id: str | None
    name: str | None
    cidr: str | None
    status: str | None
    raw: JsonObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, raw: Any) -> Vpc:
        data = _object(raw)
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            cidr=_str(data, "cidr"),
            status=_str(data, "status"),
            raw=data,
        )


@dataclass(frozen=True)
class Subnet:
    id: str | None
    name: str | None
    cidr: str | None
    gateway_ip: str | None
    vpc_id: str | None
    availability_zone: str | None
    status: str | None
    ipv6_enable: bool | None
    raw: JsonObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, raw: Any) -> Subnet:
        data = _object(raw)
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            cidr=_str(data, "cidr"),
            gateway_ip=_str(data, "gateway_ip"),
            vpc_id=_str(data, "vpc_id"),
            availability_zone=_str(data, "availability_zone"),
            status=_str(data, "status"),
            ipv6_enable=_bool(data, "ipv6_enable"),
            raw=data,
        )


@dataclass(frozen=True)
class SecurityGroup:
    id: str | None
    name: str | None
    description: str | None
    vpc_id: str | None
    raw: JsonObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, raw: Any) -> SecurityGroup:
        data = _object(raw)
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            description=_str(data, "description"),
            vpc_id=_str(data, "vpc_id"),
            raw=data,
        )


@dataclass(frozen=True)
class KeyPair:
    name: str | None
    fingerprint: str | None
    public_key: str | None
    raw: JsonObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, raw: Any) -> KeyPair:
        # ECS wraps each entry as {"keypair": {...}}; accept the bare object too.
        wrapper = _object(raw)
        data = _object(wrapper.get("keypair")) or wrapper
        return cls(
            name=_str(data, "name"),
            fingerprint=_str(data, "fingerprint"),
            public_key=_str(data, "public_key"),
            raw=data,
        )


@dataclass(frozen=True)
class IamToken:
    token: str = field(repr=False)
    expires_at: datetime
