"""Which images the form lists first for a flavor, and which it suggests: those built for the
flavor's accelerator, the newest first.

The cloud's image list carries no date, so "newest" reads the versions in the name (Ubuntu 22.04 over
20.04, CUDA 12.1 over 11.8). A CPU flavor gets no suggestion: any of its images fits.
"""

from __future__ import annotations

import re

from devservers.catalog import FlavorChoice
from modelarts_client.results import ServerImage

_WORDS_FOR = {"GPU": ("gpu", "cuda", "nvidia"), "NPU": ("npu", "ascend", "cann")}


def fits_accelerator(image: ServerImage, accelerator_type: str) -> bool:
    name = (image.name or "").lower()
    return any(word in name for word in _WORDS_FOR.get(accelerator_type, ()))


def _versions(image: ServerImage) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", image.name or ""))


def suggested_image(flavor: FlavorChoice | None, images: list[ServerImage]) -> str:
    """The id of the newest image built for the flavor's accelerator; "" for a CPU flavor or none fitting."""
    if flavor is None or flavor.accelerators is None:
        return ""
    fitting = [
        image for image in images if image.image_id and fits_accelerator(image, flavor.accelerators.type)
    ]
    return max(fitting, key=_versions).image_id if fitting else ""


def in_suggested_order(flavor: FlavorChoice | None, images: list[ServerImage]) -> list[ServerImage]:
    """The images as the form lists them: those built for the flavor's accelerator first, newest first
    (the suggestion heads the list), then the others as the cloud lists them."""
    if flavor is None or flavor.accelerators is None:
        return list(images)
    fitting = [image for image in images if fits_accelerator(image, flavor.accelerators.type)]
    others = [image for image in images if not fits_accelerator(image, flavor.accelerators.type)]
    return sorted(fitting, key=_versions, reverse=True) + others
