"""Data profiles: the canonical size of the benchmark (Table I) and the reduced sizes used for tests.

The real data exists in one size only, ``full``. The simulated data can also be generated
``small`` (fewer frames per field, for CPU-budget runs) and ``tiny`` (small images and few fields, for
tests). A profile fixes image shapes, frames per field and fields per split for every sub-dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from microsr_bench.data.cards import SplitCounts, SplitName, get_card
from microsr_bench.registry import unknown_name

SizeName = Literal["full", "small", "tiny"]
SIZES: tuple[SizeName, ...] = get_args(SizeName)


@dataclass(frozen=True)
class DataProfile:
    """Shapes and counts of one size of the benchmark."""

    #: Name of the size; only ``full`` is canonical (ranked on a leaderboard).
    name: SizeName
    #: LR frame shape; HR is ``scale`` times larger.
    lr_shape: tuple[int, int]
    #: HR image shape.
    hr_shape: tuple[int, int]
    #: LR frames per field of view.
    frames_per_hr: int
    #: Fields per split, or ``None`` to use each card's Table I counts.
    hr_images_override: SplitCounts | None = None

    @property
    def canonical(self) -> bool:
        return self.name == "full"

    def hr_images(self, dataset: str) -> SplitCounts:
        """Fields of view per split for one sub-dataset under this profile."""
        return self.hr_images_override or get_card(dataset).hr_images

    def pairs(self, dataset: str, split: SplitName) -> int:
        return self.hr_images(dataset)[split] * self.frames_per_hr


PROFILES: dict[str, DataProfile] = {
    "full": DataProfile("full", lr_shape=(256, 256), hr_shape=(512, 512), frames_per_hr=100),
    "small": DataProfile("small", lr_shape=(256, 256), hr_shape=(512, 512), frames_per_hr=10),
    "tiny": DataProfile(
        "tiny",
        lr_shape=(96, 96),
        hr_shape=(192, 192),
        frames_per_hr=4,
        hr_images_override=SplitCounts(train=4, validation=2, test=2),
    ),
}


def get_profile(size: str) -> DataProfile:
    """Return the profile of a size name (``full``, ``small`` or ``tiny``)."""
    if size not in PROFILES:
        raise unknown_name("size", size, list(SIZES))
    return PROFILES[size]
