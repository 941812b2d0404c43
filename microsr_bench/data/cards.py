"""Dataset cards: what each sub-dataset of the benchmark is, as typed, frozen metadata (Table I)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from microsr_bench.registry import Registry

SplitName = Literal["train", "validation", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "validation", "test")

Acquisition = Literal["confocal-1p", "multiphoton"]
#: Whether the simulated sample is alive (cells, organelles and membranes move) or fixed (only the instrument
#: drifts); see docs/simulator.md for the choice of the default.
MotionSetting = Literal["live", "fixed"]

PAPER_CITATION = """@misc{cooper2024videorate,
  title  = {Providing Real-World Benchmarks for Super-Resolving Fluorescence Microscope Imagery
            Using Generative Adversarial Networks},
  author = {Cooper, J. and Issa, T. B. and Vinegoni, C. and Weissleder, R.},
  note   = {San Jos\\'e State University and Harvard University}
}"""

VIDEO_RATE_CITATION = """@inproceedings{issa2020videorate,
  title     = {Video-rate acquisition fluorescence microscopy via generative adversarial networks},
  author    = {Issa, T. B. and Vinegoni, C. and Shaw, A. and Feruglio, P. F. and Weissleder, R.
               and Uminsky, D.},
  booktitle = {2020 IEEE 20th International Conference on Bioinformatics and Bioengineering (BIBE)},
  pages     = {569--576},
  year      = {2020}
}"""


@dataclass(frozen=True)
class SplitCounts:
    """Number of high-resolution images (fields of view) in each split."""

    train: int
    validation: int
    test: int

    def __post_init__(self) -> None:
        for split in SPLITS:
            value = getattr(self, split)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"SplitCounts.{split} must be a positive int, got {value!r}.")

    def __getitem__(self, split: str) -> int:
        if split not in SPLITS:
            raise KeyError(split)
        return int(getattr(self, split))

    @property
    def total(self) -> int:
        return self.train + self.validation + self.test


@dataclass(frozen=True)
class DatasetCard:
    """One sub-dataset of the benchmark, as described in Table I and section III of the paper."""

    #: Short name used everywhere (ids, folders, records): MITO, MPM, MEM or NUC.
    name: str
    #: The imaged structure, in words.
    structure: str
    #: How it was acquired: one-photon confocal or multiphoton laser scanning.
    acquisition: Acquisition
    #: One sentence for tables.
    description: str
    #: High-resolution images (fields of view) per split; Table I's pair counts divided by 100.
    hr_images: SplitCounts
    #: Low-resolution (video-rate) frame shape, rows x columns.
    lr_shape: tuple[int, int] = (256, 256)
    #: High-resolution (slow scan) image shape, rows x columns.
    hr_shape: tuple[int, int] = (512, 512)
    #: Linear up-sampling factor from LR to HR.
    scale: int = 2
    #: Video-rate frames recorded per field of view, each paired with the field's one HR image.
    frames_per_hr: int = 100
    #: Bits of the detector's converter; pixel values lie in [0, max_value].
    bit_depth: int = 12
    #: Frame rates and scan modes of the two acquisitions (paper, section III).
    lr_frame_rate_hz: float = 20.0
    hr_frame_rate_hz: float = 0.08
    lr_scan: str = "bidirectional"
    hr_scan: str = "unidirectional"
    instrument: str = "Olympus FV1000 laser-scanning confocal microscope"
    citations: tuple[str, ...] = field(default=(PAPER_CITATION, VIDEO_RATE_CITATION))
    #: Simulated data only: a live sample (organelle, membrane and cell motion) or a fixed one.
    motion: MotionSetting = "live"

    def __post_init__(self) -> None:
        if self.motion not in ("live", "fixed"):
            raise ValueError(f"{self.name}: motion must be 'live' or 'fixed', got {self.motion!r}.")
        if self.hr_shape != (self.lr_shape[0] * self.scale, self.lr_shape[1] * self.scale):
            raise ValueError(f"{self.name}: hr_shape {self.hr_shape} is not lr_shape {self.lr_shape} x {self.scale}.")

    @property
    def max_value(self) -> int:
        """Largest pixel value of the converter: ``2**bit_depth - 1``."""
        return 2**self.bit_depth - 1

    def pairs(self, split: SplitName) -> int:
        """Paired (LR frame, HR image) samples in a split, as in Table I."""
        return self.hr_images[split] * self.frames_per_hr

    @property
    def total_pairs(self) -> int:
        return self.hr_images.total * self.frames_per_hr


CARDS: Registry[DatasetCard] = Registry("dataset")

for _card in (
    DatasetCard(
        name="MITO",
        structure="mitochondria",
        acquisition="confocal-1p",
        description="Mitochondrial networks, one-photon confocal.",
        hr_images=SplitCounts(train=36, validation=11, test=3),
    ),
    DatasetCard(
        name="MPM",
        structure="mitochondria",
        acquisition="multiphoton",
        description="Mitochondrial networks, multiphoton: broader PSF, fewer photons, scattered background.",
        hr_images=SplitCounts(train=36, validation=11, test=24),
    ),
    DatasetCard(
        name="MEM",
        structure="membrane",
        acquisition="confocal-1p",
        description="Cell membranes, one-photon confocal.",
        hr_images=SplitCounts(train=36, validation=11, test=19),
    ),
    DatasetCard(
        name="NUC",
        structure="nuclei",
        acquisition="confocal-1p",
        description="Nuclei with chromatin texture, one-photon confocal.",
        hr_images=SplitCounts(train=36, validation=11, test=18),
    ),
):
    CARDS.add(_card.name, _card)

#: The four sub-datasets in the paper's order.
DATASET_NAMES: tuple[str, ...] = ("MITO", "MPM", "MEM", "NUC")


def get_card(name: str) -> DatasetCard:
    """Return the card of a sub-dataset; an unknown name lists the valid ones and the closest match."""
    return CARDS.get(name)


def list_benchmarks() -> list[str]:
    """Names of the sub-datasets, in the paper's order."""
    return list(DATASET_NAMES)
