"""Which image the form suggests for a flavor: one built for the flavor's accelerator, the newest first.

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
