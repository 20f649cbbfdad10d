"""The emulated region's fixed resources: flavors, images, VPCs, subnets, security groups, key pairs.

The ids named in the create API page's example are kept verbatim; every other id is derived from
the resource's name so it is the same on every run.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

_ID_NAMESPACE = uuid.UUID("6f1c2b7e-3d4a-5b6c-8d9e-0a1b2c3d4e5f")

AVAILABILITY_ZONES = ("cn-north-4a", "cn-north-4b", "cn-north-4c")
POST_PAID = "POST_PAID"
PRE_PAID = "PRE_PAID"
BOTH_CHARGING_MODES = (POST_PAID, PRE_PAID)


def _stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}"))


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

    @property
    def accelerator_type(self) -> str | None:
        return self.accelerator.type if self.accelerator else None

    def description(self) -> str:
        base = f"{self.cpu} vCPUs | {self.memory_gib} GiB | {self.name}"
        if self.accelerator is None:
            return base
        card = self.accelerator
        return f"{card.type}: {card.count} x {card.name} ({card.memory_gib} GiB) | {base}"

    def as_json(self) -> dict[str, Any]:
        accelerator = None
        if self.accelerator is not None:
            accelerator = {
                "type": self.accelerator.type,
                "name": self.accelerator.name,
                "count": self.accelerator.count,
                "memory": self.accelerator.memory_gib,
            }
        return {
            "name": self.name,
            "server_type": self.server_type,
            "arch": self.arch,
            "cpu": self.cpu,
            "memory": self.memory_gib,
            "accelerator": accelerator,
            "charging_modes": list(self.charging_modes),
            "status": "sold_out" if self.sold_out else "normal",
            "description": self.description(),
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
            "id": self.id,
            "name": self.name,
            "arch": self.arch,
            "server_type": self.server_type,
            "accelerator_type": self.accelerator_type,
            "os": self.os,
            "status": "ACTIVE",
            "min_disk_gb": self.min_disk_gb,
        }

    def summary_json(self) -> dict[str, str]:
        """The image as a server object embeds it (seed Table 10)."""
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


_V100 = "NVIDIA-V100"
FLAVORS: tuple[Flavor, ...] = (
    Flavor("Si2.large.4", "ECS", "X86", cpu=2, memory_gib=8),
    Flavor("Si2.xlarge.4", "ECS", "X86", cpu=4, memory_gib=16),
    Flavor("Si2.2xlarge.4", "ECS", "X86", cpu=8, memory_gib=32),
    Flavor("c7.4xlarge.2", "ECS", "X86", cpu=16, memory_gib=32, sold_out=True),
    Flavor("p2s.2xlarge.8", "ECS", "X86", cpu=8, memory_gib=64, accelerator=Accelerator("GPU", _V100, 1, 32)),
    Flavor(
        "p2s.4xlarge.8",
        "ECS",
        "X86",
        cpu=16,
        memory_gib=128,
        accelerator=Accelerator("GPU", _V100, 2, 32),
        sold_out=True,
    ),
    Flavor(
        "pi2.4xlarge.4",
        "ECS",
        "X86",
        cpu=16,
        memory_gib=64,
        accelerator=Accelerator("GPU", "NVIDIA-T4", 1, 16),
    ),
    Flavor(
        "physical.p2.large",
        "BMS",
        "X86",
        cpu=72,
        memory_gib=512,
        accelerator=Accelerator("GPU", _V100, 8, 32),
    ),
    Flavor("kc1.large.4", "ECS", "ARM", cpu=2, memory_gib=8),
    Flavor("kc1.2xlarge.4", "ECS", "ARM", cpu=8, memory_gib=32),
    Flavor(
        "kai1s.xlarge.4",
        "ECS",
        "ARM",
        cpu=4,
        memory_gib=16,
        accelerator=Accelerator("NPU", "Ascend-310", 1, 8),
    ),
    Flavor(
        "kai1s.2xlarge.4",
        "ECS",
        "ARM",
        cpu=8,
        memory_gib=32,
        accelerator=Accelerator("NPU", "Ascend-310", 2, 8),
        sold_out=True,
    ),
    Flavor(
        "physical.kat2ne.48xlarge.8.313t",
        "BMS",
        "ARM",
        cpu=192,
        memory_gib=1536,
        accelerator=Accelerator("NPU", "Ascend-910B", 8, 64),
        charging_modes=(PRE_PAID,),
    ),
)


def _image(
    name: str, arch: str, server_type: str, accelerator_type: str | None, os: str, min_disk: int
) -> Image:
    return Image(_stable_id("image", name), name, arch, server_type, accelerator_type, os, min_disk)


SEED_IMAGE_ID = "c90fb553-2cdb-4b81-b56a-ef68812c6cf7"
IMAGES: tuple[Image, ...] = (
    Image(SEED_IMAGE_ID, "Ubuntu18.04_x86_64_CPU", "X86", "ECS", None, "Ubuntu 18.04 server 64bit", 40),
    _image("Ubuntu20.04_x86_64_CPU", "X86", "ECS", None, "Ubuntu 20.04 server 64bit", 40),
    _image("EulerOS2.10_x86_64_CPU", "X86", "ECS", None, "EulerOS 2.10 64bit", 40),
    _image("Ubuntu20.04_x86_64_CUDA11.8_GPU", "X86", "ECS", "GPU", "Ubuntu 20.04 server 64bit", 60),
    _image("Ubuntu22.04_x86_64_CUDA12.1_GPU", "X86", "ECS", "GPU", "Ubuntu 22.04 server 64bit", 80),
    _image("Ubuntu20.04_x86_64_CPU_BMS", "X86", "BMS", None, "Ubuntu 20.04 server 64bit", 100),
    _image("Ubuntu20.04_x86_64_CUDA11.8_GPU_BMS", "X86", "BMS", "GPU", "Ubuntu 20.04 server 64bit", 100),
    _image("EulerOS2.10_aarch64_CPU", "ARM", "ECS", None, "EulerOS 2.10 64bit", 40),
    _image("Ubuntu22.04_aarch64_CPU", "ARM", "ECS", None, "Ubuntu 22.04 server 64bit", 40),
    _image("EulerOS2.10_aarch64_CANN6.3_Ascend310", "ARM", "ECS", "NPU", "EulerOS 2.10 64bit", 60),
    _image("EulerOS2.10_aarch64_CANN7.0_Ascend910B_BMS", "ARM", "BMS", "NPU", "EulerOS 2.10 64bit", 100),
    _image(
        "HCE2.0_aarch64_CANN8.0_Ascend910B_BMS", "ARM", "BMS", "NPU", "Huawei Cloud EulerOS 2.0 64bit", 100
    ),
)

SEED_VPC_ID = "05982b48-a70f-43a1-a2b0-1fe36a236172"
SEED_SUBNET_ID = "38cf274a-98f9-4f6f-b622-5ed0e4a3db54"
SEED_SECURITY_GROUP_ID = "150a2c76-1334-45f6-b28f-419f9b1d1742"
_TRAINING_VPC_ID = _stable_id("vpc", "vpc-training")

VPCS: tuple[Vpc, ...] = (
    Vpc(SEED_VPC_ID, "vpc-devserver", "192.168.0.0/16", "Development servers"),
    Vpc(_TRAINING_VPC_ID, "vpc-training", "10.10.0.0/16", "Training clusters"),
)

SUBNETS: tuple[Subnet, ...] = (
    Subnet(SEED_SUBNET_ID, "subnet-devserver-a", "192.168.0.0/24", "192.168.0.1", SEED_VPC_ID, "cn-north-4a"),
    Subnet(
        _stable_id("subnet", "subnet-devserver-b"),
        "subnet-devserver-b",
        "192.168.1.0/24",
        "192.168.1.1",
        SEED_VPC_ID,
        "cn-north-4b",
    ),
    Subnet(
        _stable_id("subnet", "subnet-devserver-c"),
        "subnet-devserver-c",
        "192.168.2.0/24",
        "192.168.2.1",
        SEED_VPC_ID,
        "cn-north-4c",
        ipv6_enable=True,
    ),
    Subnet(
        _stable_id("subnet", "subnet-training-a"),
        "subnet-training-a",
        "10.10.1.0/24",
        "10.10.1.1",
        _TRAINING_VPC_ID,
        "cn-north-4a",
    ),
    Subnet(
        _stable_id("subnet", "subnet-training-b"),
        "subnet-training-b",
        "10.10.2.0/24",
        "10.10.2.1",
        _TRAINING_VPC_ID,
        "cn-north-4b",
    ),
)

SECURITY_GROUPS: tuple[SecurityGroup, ...] = (
    SecurityGroup(SEED_SECURITY_GROUP_ID, "sg-devserver-default", "Default security group", SEED_VPC_ID),
    SecurityGroup(
        _stable_id("security-group", "sg-devserver-ssh"),
        "sg-devserver-ssh",
        "SSH from the office",
        SEED_VPC_ID,
    ),
    SecurityGroup(
        _stable_id("security-group", "sg-training-default"),
        "sg-training-default",
        "Default security group",
        _TRAINING_VPC_ID,
    ),
    SecurityGroup(
        _stable_id("security-group", "sg-training-roce"),
        "sg-training-roce",
        "RoCE traffic between training nodes",
        _TRAINING_VPC_ID,
    ),
)

KEY_PAIRS: tuple[KeyPair, ...] = (KeyPair("KeyPair-dev"), KeyPair("KeyPair-ci"))

_FLAVORS_BY_NAME = {flavor.name: flavor for flavor in FLAVORS}
_IMAGES_BY_ID = {image.id: image for image in IMAGES}
_VPCS_BY_ID = {vpc.id: vpc for vpc in VPCS}
_SUBNETS_BY_ID = {subnet.id: subnet for subnet in SUBNETS}
_SECURITY_GROUPS_BY_ID = {group.id: group for group in SECURITY_GROUPS}
_KEY_PAIRS_BY_NAME = {key_pair.name: key_pair for key_pair in KEY_PAIRS}


def flavor_named(name: str) -> Flavor | None:
    return _FLAVORS_BY_NAME.get(name)


def image_with_id(image_id: str) -> Image | None:
    return _IMAGES_BY_ID.get(image_id)


def vpc_with_id(vpc_id: str) -> Vpc | None:
    return _VPCS_BY_ID.get(vpc_id)


def subnet_with_id(subnet_id: str) -> Subnet | None:
    return _SUBNETS_BY_ID.get(subnet_id)


def security_group_with_id(group_id: str) -> SecurityGroup | None:
    return _SECURITY_GROUPS_BY_ID.get(group_id)


def key_pair_named(name: str) -> KeyPair | None:
    return _KEY_PAIRS_BY_NAME.get(name)
