"""The accelerators of a flavor, which the cloud's API does not give as data.

Sources, in order: the flavor catalogue kept in the database (`FlavorSpec`), then what the flavor
row's free-text `specification` says ("GPU: 1*NVIDIA-V100(32GB)" and the like). Where neither gives
a count but the row's `flavor_type` or the flavor's name says GPU or NPU, the count is unknown and
policy treats the flavor as needing approval: it fails closed, never open.
"""

import re
from dataclasses import dataclass

from devservers.models import FlavorSpec
from modelarts_client import Flavor

# "1*NVIDIA-V100(32GB)", "8 x Ascend-910B (64 GiB)", "2 * T4(16G)": a count, a card, an optional memory.
_CARD_PATTERN = re.compile(
    r"(?P<count>\d{1,3})\s*[*xX\u00d7]\s*(?P<card>[A-Za-z][\w.\-]*(?: [\w.\-]+)?)"
    r"(?:\s*\(\s*(?P<memory>\d{1,4})\s*G(?:i?B)?\s*\))?"
)
_NPU_WORDS = ("npu", "ascend", "snt", "d910", "d310")
_GPU_WORDS = ("gpu", "nvidia", "tesla", "cuda")
# Huawei's naming: p-series (p2s, pi2, p2v, physical.p2) are GPU flavors; kai/kat/kat2ne are Ascend.
_GPU_NAME_PATTERN = re.compile(r"^(?:physical\.)?p[a-z]*\d", re.IGNORECASE)
_NPU_NAME_PATTERN = re.compile(r"^(?:physical\.)?ka[it]\d?[a-z]*\d?", re.IGNORECASE)


@dataclass(frozen=True)
class Accelerators:
    type: str  # "GPU" or "NPU"
    name: str
    # None when the flavor is known to carry accelerators but not how many.
    count: int | None
    memory_gib: int | None
    source: str  # "catalogue", "specification" or "flavor type"

    @property
    def is_known(self) -> bool:
        return self.count is not None

    @property
    def label(self) -> str:
        if self.count is None:
            return f"{self.type}, count unknown"
        memory = f" ({self.memory_gib} GiB)" if self.memory_gib else ""
        return f"{self.count} × {self.name or self.type}{memory}"


def _kind_from_text(text: str) -> str:
    lowered = text.lower()
    if any(word in lowered for word in _NPU_WORDS):
        return "NPU"
    if any(word in lowered for word in _GPU_WORDS):
        return "GPU"
    return ""


def kind_of(flavor: Flavor) -> str:
    """GPU, NPU or '' from what the cloud says of the flavor: its type, its text, its name."""
    said = _kind_from_text(f"{flavor.flavor_type or ''} {flavor.specification or ''}")
    if said:
        return said
    if _NPU_NAME_PATTERN.match(flavor.name):
        return "NPU"
    if _GPU_NAME_PATTERN.match(flavor.name):
        return "GPU"
    return ""


def from_specification(flavor: Flavor) -> Accelerators | None:
    kind = kind_of(flavor)
    if not kind:
        return None
    match = _CARD_PATTERN.search(flavor.specification or "")
    if match is None:
        return Accelerators(type=kind, name="", count=None, memory_gib=None, source="flavor type")
    memory = match["memory"]
    return Accelerators(
        type=kind,
        name=match["card"],
        count=int(match["count"]),
        memory_gib=int(memory) if memory else None,
        source="specification",
    )


def from_catalogue(spec: FlavorSpec) -> Accelerators | None:
    if not spec.accelerator_type or not spec.accelerator_count:
        return None
    return Accelerators(
        type=spec.accelerator_type,
        name=spec.accelerator_name,
        count=spec.accelerator_count,
        memory_gib=spec.accelerator_memory_gib,
        source="catalogue",
    )


def catalogue_entries(names: list[str]) -> dict[str, FlavorSpec]:
    return {spec.name: spec for spec in FlavorSpec.objects.filter(name__in=names)}


def resolve(flavor: Flavor, entry: FlavorSpec | None) -> Accelerators | None:
    """A catalogue entry, even one saying 'no accelerators', wins over the cloud's texts."""
    if entry is not None:
        return from_catalogue(entry)
    return from_specification(flavor)
