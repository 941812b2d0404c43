"""Training patches for the Real-ESRGAN baselines: paired crops (RESRGan-B) and synthesised pairs (RESRGan-S).

Every random choice - which frame or HR image, where the patch lies, the degradation's parameters - is drawn
from one seeded ``numpy.random.Generator`` per sampler, whose state (with the epoch's order and position)
is part of the training checkpoint, so that a resumed run draws exactly the patches an uninterrupted run draws.

Under torchrun every process holds the same stream and draws the choices of the *global* batch
(``batch_size x world_size`` patches); process ``r`` then reads and degrades only items ``r*b .. r*b+b-1``,
as ``torch.utils.data.DistributedSampler`` shards an index list. A run with 2 processes of 6 patches therefore
sees the same patches as one process with 12.

Frames are visited in epochs: a fresh random permutation of the training rows, consumed in order (BasicSR's
shuffled sampler). No augmentation (paper, section IV-C). Pixel values are divided by the card's
``max_value`` (``benchmark_info(split).max_values``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

import datasets
import numpy as np
import torch

from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import InvalidArgumentError

__all__ = [
    "SYNTHESES",
    "PairedPatchSampler",
    "PatchBatch",
    "PatchSampler",
    "SynthesisName",
    "SyntheticPatchSampler",
    "make_synthesis",
    "unique_hr_rows",
]

SynthesisName = Literal["realesrgan", "physics", "bicubic"]
SYNTHESES: tuple[SynthesisName, ...] = get_args(SynthesisName)

#: ``hr [1, 1, H, W]`` in [0, 1] and a Generator -> ``lr [1, 1, H/2, W/2]`` in [0, 1].
Synthesis = Callable[[torch.Tensor, np.random.Generator], torch.Tensor]


@dataclass(frozen=True)
class PatchBatch:
    """One process's share of a training batch: float32 ``lr [b, 1, p/2, p/2]`` and ``hr [b, 1, p, p]``."""

    lr: torch.Tensor
    hr: torch.Tensor


class PatchSampler(Protocol):
    """A checkpointable, seeded stream of training batches."""

    def next_batch(self) -> PatchBatch: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def _check_shard(batch_size: int, rank: int, world_size: int) -> None:
    if batch_size < 1 or world_size < 1 or not 0 <= rank < world_size:
        raise InvalidArgumentError(
            f"Need batch_size >= 1 and 0 <= rank < world_size, got batch_size={batch_size}, rank={rank}, "
            f"world_size={world_size}."
        )


class _EpochStream:
    """Indices ``0..n-1`` in random epochs, plus the generator for everything else; checkpointable."""

    def __init__(self, n: int, seed: int) -> None:
        if n < 1:
            raise InvalidArgumentError("The training split is empty: there is nothing to sample patches from.")
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(0)
        self.cursor = 0
        self.epoch = 0

    def take(self, count: int) -> np.ndarray:
        out = np.empty(count, dtype=np.int64)
        for k in range(count):
            if self.cursor >= len(self.order):
                self.order = self.rng.permutation(self.n)
                self.cursor = 0
                self.epoch += 1
            out[k] = self.order[self.cursor]
            self.cursor += 1
        return out

    def state_dict(self) -> dict[str, Any]:
        # Tensors and Python scalars only: checkpoints are read back with torch.load(weights_only=True).
        return {
            "n": self.n,
            "rng": self.rng.bit_generator.state,
            "order": torch.from_numpy(self.order.astype(np.int64)),
            "cursor": self.cursor,
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["n"] != self.n:
            raise InvalidArgumentError(
                f"The checkpoint's patch stream ran over {state['n']} training items, this data has {self.n}. Resume "
                "with the same training data, or start over (--no-resume)."
            )
        self.rng.bit_generator.state = state["rng"]
        self.order = state["order"].numpy().astype(np.int64)
        self.cursor = int(state["cursor"])
        self.epoch = int(state["epoch"])


def _scales(split: datasets.Dataset) -> np.ndarray:
    info = benchmark_info(split)
    return np.array([float(info.max_values[str(name)]) for name in split["dataset"]], dtype=np.float32)


class PairedPatchSampler:
    """Aligned random crops from real LR/HR pairs: an LR patch of ``p/2`` at ``(y, x)`` and HR at ``(2y, 2x)``.

    This is BasicSR's ``paired_random_crop`` without flips or rotations.
    """

    def __init__(
        self,
        split: datasets.Dataset,
        *,
        patch_size: int,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        _check_shard(batch_size, rank, world_size)
        for column in ("lr", "hr", "dataset"):
            if column not in split.column_names:
                raise InvalidArgumentError(
                    f"Paired training needs columns lr, hr and dataset; this split has {split.column_names}. Pass a "
                    "split from load_benchmark (train or validation)."
                )
        self.rows = split.select_columns(["lr", "hr"]).with_format("numpy")
        self.scale = _scales(split)
        self.patch = patch_size
        self.batch_size, self.rank, self.world_size = batch_size, rank, world_size
        self.stream = _EpochStream(len(split), seed)
        self.lr_shape = tuple(self.rows[0]["lr"].shape[-2:])
        if min(self.lr_shape) < patch_size // 2:
            raise InvalidArgumentError(
                f"LR frames of {self.lr_shape} are smaller than the LR patch of {patch_size // 2} pixels; lower "
                "patch_size."
            )

    def next_batch(self) -> PatchBatch:
        total = self.batch_size * self.world_size
        index = self.stream.take(total)
        half = self.patch // 2
        ys = self.stream.rng.integers(0, self.lr_shape[0] - half + 1, size=total)
        xs = self.stream.rng.integers(0, self.lr_shape[1] - half + 1, size=total)
        lrs, hrs = [], []
        for k in range(self.rank * self.batch_size, (self.rank + 1) * self.batch_size):
            row = self.rows[int(index[k])]
            y, x, scale = int(ys[k]), int(xs[k]), self.scale[int(index[k])]
            lrs.append(np.asarray(row["lr"], dtype=np.float32)[..., y : y + half, x : x + half] / scale)
            hrs.append(
                np.asarray(row["hr"], dtype=np.float32)[..., 2 * y : 2 * y + self.patch, 2 * x : 2 * x + self.patch]
                / scale
            )
        return PatchBatch(lr=_stack(lrs), hr=_stack(hrs))

    def state_dict(self) -> dict[str, Any]:
        return self.stream.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.stream.load_state_dict(state)


def _stack(patches: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack([p.reshape(p.shape[-2:]) for p in patches])[:, None].copy())


def unique_hr_rows(split: datasets.Dataset) -> datasets.Dataset:
    """One row per HR image: the split itself if it is an HR view, else the first frame of each ``hr_id``."""
    if "hr" not in split.column_names or "hr_id" not in split.column_names:
        raise InvalidArgumentError(
            f"HR-only training needs columns hr_id and hr; this split has {split.column_names}. Pass "
            "bench.hr_images('train') or a paired split from load_benchmark."
        )
    ids = split["hr_id"]
    firsts = sorted({hr_id: i for i, hr_id in reversed(list(enumerate(ids)))}.values())
    return split if len(firsts) == len(ids) else split.select(firsts)


class SyntheticPatchSampler:
    """Pairs synthesised from HR images only (RESRGan-S): crop, degrade to LR, then cut an aligned patch.

    Per item: an HR image (epoch order), a ``synth_crop`` crop position, a seed for the degradation, and the
    LR patch position inside the degraded crop - all drawn up front from the checkpointed stream. As in the
    official pipeline the degradation runs on a crop larger than the patch (its filters need room), and the
    L1/perceptual targets are the (later USM-sharpened) HR patch. Each image is degraded on its own, so every
    degradation parameter is drawn per image.
    """

    def __init__(
        self,
        split: datasets.Dataset,
        synthesis: Synthesis,
        *,
        patch_size: int,
        synth_crop: int,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        _check_shard(batch_size, rank, world_size)
        images = unique_hr_rows(split)
        self.rows = images.select_columns(["hr"]).with_format("numpy")
        self.scale = _scales(images)
        self.synthesis = synthesis
        self.patch, self.crop = patch_size, synth_crop
        self.batch_size, self.rank, self.world_size = batch_size, rank, world_size
        self.stream = _EpochStream(len(images), seed)
        self.hr_shape = tuple(self.rows[0]["hr"].shape[-2:])
        if min(self.hr_shape) < synth_crop:
            raise InvalidArgumentError(
                f"HR images of {self.hr_shape} are smaller than synth_crop={synth_crop}; lower synth_crop."
            )

    def next_batch(self) -> PatchBatch:
        total = self.batch_size * self.world_size
        rng = self.stream.rng
        index = self.stream.take(total)
        cy = rng.integers(0, self.hr_shape[0] - self.crop + 1, size=total)
        cx = rng.integers(0, self.hr_shape[1] - self.crop + 1, size=total)
        seeds = rng.integers(0, 2**63 - 1, size=total)
        half, lr_crop = self.patch // 2, self.crop // 2
        ys = rng.integers(0, lr_crop - half + 1, size=total)
        xs = rng.integers(0, lr_crop - half + 1, size=total)
        lrs, hrs = [], []
        for k in range(self.rank * self.batch_size, (self.rank + 1) * self.batch_size):
            image = np.asarray(self.rows[int(index[k])]["hr"], dtype=np.float32) / self.scale[int(index[k])]
            crop = image.reshape(self.hr_shape)[cy[k] : cy[k] + self.crop, cx[k] : cx[k] + self.crop]
            hr = torch.from_numpy(np.clip(crop, 0.0, 1.0).copy())[None, None]
            lr = self.synthesis(hr, np.random.default_rng(int(seeds[k])))
            y, x = int(ys[k]), int(xs[k])
            lrs.append(lr[0, 0, y : y + half, x : x + half].numpy())
            hrs.append(hr[0, 0, 2 * y : 2 * y + self.patch, 2 * x : 2 * x + self.patch].numpy())
        return PatchBatch(lr=_stack(lrs), hr=_stack(hrs))

    def state_dict(self) -> dict[str, Any]:
        return self.stream.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.stream.load_state_dict(state)


def make_synthesis(
    name: str, *, dataset: str = "MITO", calibration_split: datasets.Dataset | None = None, noise_sigma: float = 0.0
) -> Synthesis:
    """The LR synthesis of RESRGan-S by name: ``realesrgan`` (second-order pipeline), ``physics`` or ``bicubic``
    (bicubic down-sampling plus Gaussian noise of sd ``noise_sigma``).

    ``realesrgan`` is :class:`microsr_bench.degradations.SecondOrderDegradation` with the official x2 settings.
    ``physics`` is :class:`microsr_bench.degradations.physics.PhysicsDegradation` for ``dataset``, calibrated
    on ``calibration_split``'s LR stacks when one is given (RESRGan-S passes its real validation split: the
    training split's LR frames are never read), else with the generic defaults of
    :class:`~microsr_bench.degradations.physics.PhysicsParams` (never the simulator's).
    """
    if name == "realesrgan":
        from microsr_bench.degradations import SecondOrderDegradation

        pipeline = SecondOrderDegradation()
        return lambda hr, rng: pipeline(hr, generator=rng)
    if name == "physics":
        from microsr_bench.degradations.physics import PhysicsDegradation, calibrate_from_benchmark

        calibration = None
        if calibration_split is not None:
            calibration = calibrate_from_benchmark(calibration_split, dataset=dataset, split="validation")
        physics = PhysicsDegradation(dataset=dataset, calibration=calibration)
        return lambda hr, rng: physics(hr, generator=rng)
    if name == "bicubic":
        from microsr_bench.degradations.bicubic import BicubicDegradation

        bicubic = BicubicDegradation(noise_sigma=noise_sigma)
        return lambda hr, rng: bicubic(hr, generator=rng)
    raise InvalidArgumentError(f"synthesis must be one of {', '.join(SYNTHESES)}, got {name!r}.")
