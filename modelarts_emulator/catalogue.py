"""The emulated region's fixed resources: flavors, images, VPCs, subnets, security groups, key pairs.

The ids named in the create API page's example are kept verbatim; every other id is derived from
the resource's name so it is the same on every run.
"""

from __future__ import annotations

import uuid
from typing import Any

from modelarts_emulator.resources import (
    PRE_PAID,
    Accelerator,
    Flavor,
    Image,
    KeyPair,
    SecurityGroup,
    Subnet,
    Vpc,
)

_ID_NAMESPACE = uuid.UUID("6f1c2b7e-3d4a-5b6c-8d9e-0a1b2c3d4e5f")

AVAILABILITY_ZONES = ("cn-north-4a", "cn-north-4b", "cn-north-4c")


def _stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}"))


_V100 = "NVIDIA-V100"
FLAVORS: tuple[Flavor, ...] = (
    Flavor("Si2.large.4", "ECS", "X86", cpu=2, memory_gib=8),
    Flavor("Si2.xlarge.4", "ECS", "X86", cpu=4, memory_gib=16),
    Flavor("Si2.2xlarge.4", "ECS", "X86", cpu=8, memory_gib=32),
    Flavor("c7.4xlarge.2", "ECS", "X86", cpu=16, memory_gib=32, sold_out=True),
    Flavor(
        "p2s.2xlarge.8",
        "ECS",
        "X86",
        cpu=8,
        memory_gib=64,
        accelerator=Accelerator("GPU", _V100, 1, 32),
        stock_per_zone=12,
    ),
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
        stock_per_zone=20,
    ),
    Flavor(
        "physical.p2.large",
        "BMS",
        "X86",
        cpu=72,
        memory_gib=512,
        accelerator=Accelerator("GPU", _V100, 8, 32),
        stock_per_zone=2,
        roce_num=4,
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
        stock_per_zone=16,
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
        stock_per_zone=4,
        roce_num=8,
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
    # Room for a big account (16,381 servers): the scale benchmarks fill one to 10,000 and more.
    Subnet(
        _stable_id("subnet", "subnet-devserver-wide"),
        "subnet-devserver-wide",
        "192.168.64.0/18",
        "192.168.64.1",
        SEED_VPC_ID,
        "cn-north-4a",
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


def _same_text(wanted: str | None, actual: str, *, ignore_case: bool = False) -> bool:
    if not wanted:
        return True
    return wanted.lower() == actual.lower() if ignore_case else wanted == actual


def flavor_offers(
    *, server_type: str | None, arch: str | None, charging_mode: str | None
) -> list[dict[str, Any]]:
    """The flavor list's rows, one per flavor, charging mode and zone.

    The API documents the server_type filter in lower case while its rows carry upper case, so
    that filter ignores case.
    """
    return [
        flavor.offer_json(charging_mode=mode, availability_zone=zone)
        for flavor in FLAVORS
        if _same_text(server_type, flavor.server_type, ignore_case=True) and _same_text(arch, flavor.arch)
        for mode in flavor.charging_modes
        if _same_text(charging_mode, mode)
        for zone in AVAILABILITY_ZONES
    ]


def images_for(*, server_type: str | None, flavor_name: str | None) -> list[Image]:
    """The images of a server type, or those that boot on a flavor (none for a flavor that does not exist)."""
    images = [image for image in IMAGES if _same_text(server_type, image.server_type, ignore_case=True)]
    if not flavor_name:
        return images
    flavor = flavor_named(flavor_name)
    return [image for image in images if flavor is not None and image.fits(flavor)]
