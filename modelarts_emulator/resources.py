"""The kinds of fixed resources a region offers, and the wire shape each is listed in.

Every wire shape holds only keys of the matching model in Huawei's Python SDK (ModelArts
`ServerFlavorinstanceResponse` and `ServerImageResponse`, VPC v2 `Vpc`, `Subnet` and
`SecurityGroup`, ECS `NovaSimpleKeypair`); what the API does not carry (CPU count, memory, the
accelerator cards, an image's OS) stays in the dataclass for the emulator's own checks.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

POST_PAID = "POST_PAID"
PRE_PAID = "PRE_PAID"
BOTH_CHARGING_MODES = (POST_PAID, PRE_PAID)
FLAVOR_ON_SALE = "normal"
IMAGE_ACTIVE = "ACTIVE"
CPU_FLAVOR_TYPE = "CPU"


@dataclass(frozen=True)
class Accelerator:
    type: str  # "GPU" or "NPU"
    name: str
    count: int
    memory_gib: int


@dataclass(frozen=True)
class Flavor:
    name: str
    server_type: str
    arch: str
    cpu: int
    memory_gib: int
    accelerator: Accelerator | None = None
    charging_modes: tuple[str, ...] = BOTH_CHARGING_MODES
    sold_out: bool = False
    # Servers of the flavor still available in each zone while it is on sale.
    stock_per_zone: int = 50
    # RoCE network cards of a bare-metal accelerator node; 0 elsewhere.
    roce_num: int = 0

    @property
    def accelerator_type(self) -> str | None:
        return self.accelerator.type if self.accelerator else None

    def flavor_type(self) -> str:
        return self.accelerator.type if self.accelerator else CPU_FLAVOR_TYPE

    def specification(self) -> str:
        base = f"{self.cpu} vCPUs | {self.memory_gib} GiB"
        if self.accelerator is None:
            return base
        card = self.accelerator
        return f"{base} | {card.type}: {card.count} * {card.name} ({card.memory_gib} GiB)"

    def sku_code(self, charging_mode: str) -> str:
        billing = "prepaid" if charging_mode == PRE_PAID else "postpaid"
        return f"modelarts.devserver.{self.name.lower()}.{billing}"

    def offer_json(self, *, charging_mode: str, availability_zone: str) -> dict[str, Any]:
        """One row of the flavor list: this flavor sold in one charging mode in one zone."""
        return {
            "flavor": self.name,
            "arch": self.arch,
            "server_type": self.server_type,
            "flavor_type": self.flavor_type(),
            "specification": self.specification(),
            "charging_mode": charging_mode,
            "availability_zone": availability_zone,
            "count": 0 if self.sold_out else self.stock_per_zone,
            "sku_code": self.sku_code(charging_mode),
            "roce_num": self.roce_num,
            "status": FLAVOR_ON_SALE,
            "is_sold_out": self.sold_out,
        }


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    arch: str
    server_type: str
    accelerator_type: str | None
    os: str
    min_disk_gb: int

    def fits(self, flavor: Flavor) -> bool:
        if (self.arch, self.server_type) != (flavor.arch, flavor.server_type):
            return False
        # CPU images boot on any flavor of their arch and type; accelerator images need the cards' driver.
        return self.accelerator_type is None or self.accelerator_type == flavor.accelerator_type

    def as_json(self) -> dict[str, Any]:
        return {
            "image_id": self.id,
            "name": self.name,
            "arch": self.arch,
            "server_type": self.server_type,
            "status": IMAGE_ACTIVE,
        }

    def summary_json(self) -> dict[str, str]:
        """The image as a server object embeds it: the seed's example, key for key."""
        return {"arch": self.arch, "image_id": self.id, "name": self.name, "server_type": self.server_type}


@dataclass(frozen=True)
class Vpc:
    id: str
    name: str
    cidr: str
    description: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "cidr": self.cidr,
            "status": "OK",
            "description": self.description,
        }


@dataclass(frozen=True)
class Subnet:
    id: str
    name: str
    cidr: str
    gateway_ip: str
    vpc_id: str
    availability_zone: str
    ipv6_enable: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "cidr": self.cidr,
            "gateway_ip": self.gateway_ip,
            "vpc_id": self.vpc_id,
            "availability_zone": self.availability_zone,
            "status": "ACTIVE",
            "ipv6_enable": self.ipv6_enable,
        }


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    vpc_id: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description, "vpc_id": self.vpc_id}


@dataclass(frozen=True)
class KeyPair:
    name: str

    def _key_blob(self) -> bytes:
        key_type = b"ssh-ed25519"
        key_bytes = hashlib.sha256(f"emulator-keypair:{self.name}".encode()).digest()
        return b"".join(len(part).to_bytes(4, "big") + part for part in (key_type, key_bytes))

    def public_key(self) -> str:
        return f"ssh-ed25519 {base64.b64encode(self._key_blob()).decode()} {self.name}"

    def fingerprint(self) -> str:
        digest = hashlib.md5(self._key_blob(), usedforsecurity=False).hexdigest()
        return ":".join(digest[index : index + 2] for index in range(0, len(digest), 2))

    def as_json(self) -> dict[str, Any]:
        return {
            "keypair": {"name": self.name, "public_key": self.public_key(), "fingerprint": self.fingerprint()}
        }
