"""What each protocol hands to ``fit`` and what it scores: the training, validation and test data."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch

from microsr_bench.data.info import benchmark_info
from microsr_bench.data.load import BenchmarkDict, SourceName, load_benchmark
from microsr_bench.data.profiles import SizeName
from microsr_bench.imageio import encode_tiff
from microsr_bench.protocols.protocols import BlindSynthetic, Burst, Paired, Protocol, ZeroShot

SYNTHETIC_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "dataset": datasets.Value("string"),
        "hr_id": datasets.Value("string"),
        "frame": datasets.Value("int32"),
        "lr": datasets.Image(),
        "hr": datasets.Image(),
    }
)


@dataclass
class ProtocolData:
    """The splits a protocol allows: ``train`` and ``validation`` go to ``fit``; ``test`` is scored."""

    train: datasets.Dataset
    validation: datasets.Dataset
    #: The loaded data whose test split is scored (its other splits are never given to the method).
    test: BenchmarkDict

    @property
    def fingerprints(self) -> dict[str, str]:
        """Fingerprints of what was trained on and what was scored (for result caching)."""
        train_info = benchmark_info(self.train)
        return {
            "train": "|".join(train_info.fingerprints[n]["train"] for n in train_info.datasets),
            "train_shots": str(train_info.shots),
            **({"train_fields": str(train_info.fields)} if train_info.fields is not None else {}),
            "test": "|".join(self.test.benchmark.fingerprints[n]["test"] for n in self.test.benchmark.datasets),
        }


def protocol_data(
    protocol: Protocol,
    *,
    source: SourceName = "auto",
    size: SizeName = "full",
    cache_dir: str | Path | None = None,
    progress: bool = True,
    seed: int = 0,
) -> ProtocolData:
    """Load the data of a protocol (see ``protocols.py`` for what each one allows)."""

    def load(name: str, shots: int | None = None, fields: int | None = None) -> BenchmarkDict:
        return load_benchmark(
            name, shots=shots, fields=fields, source=source, size=size, cache_dir=cache_dir, progress=progress
        )

    if isinstance(protocol, Paired):
        bench = load(protocol.dataset, protocol.shots, protocol.fields)
        return ProtocolData(bench["train"], bench["validation"], bench)
    if isinstance(protocol, Burst):
        bench = load(protocol.dataset, protocol.shots)
        return ProtocolData(bench["train"], bench["validation"], bench)
    if isinstance(protocol, ZeroShot):
        src = load(protocol.source, protocol.source_shots)
        tgt = load(protocol.target)  # never the source: ZeroShot refuses target == source
        return ProtocolData(src["train"], src["validation"], tgt)
    bench = load(protocol.dataset)
    train = synthetic_pairs(bench, protocol, seed=seed, progress=progress)
    return ProtocolData(train, bench["validation"], bench)


def _degradation(protocol: BlindSynthetic, bench: BenchmarkDict) -> Any:
    if protocol.degradation == "realesrgan":
        from microsr_bench.degradations import SecondOrderDegradation

        return SecondOrderDegradation()
    if protocol.degradation == "bicubic":
        from microsr_bench.degradations.bicubic import BicubicDegradation

        return BicubicDegradation(noise_sigma=protocol.noise_sigma)
    from microsr_bench.degradations.physics import PhysicsDegradation, calibrate_from_benchmark

    # Calibrated on the validation split's LR stacks: the protocol never shows a training LR frame.
    calibration = calibrate_from_benchmark(bench, dataset=protocol.dataset, split="validation")
    return PhysicsDegradation(protocol.dataset, calibration=calibration)


def _seed(seed: int, hr_id: str) -> int:
    digest = hashlib.sha256(f"microsr-bench/synthetic/{seed}/{hr_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def synthetic_pairs(
    bench: BenchmarkDict, protocol: BlindSynthetic, *, seed: int = 0, progress: bool = True
) -> datasets.Dataset:
    """Pairs made from the HR training images only: ``synthetic_frames`` synthetic LR frames per HR image.

    No real LR frame is read. Ids are ``<NAME>/<hr_id>/s<k>`` so they can never collide with real frame ids.
    """
    from tqdm.auto import tqdm

    pipeline = _degradation(protocol, bench)
    info = bench.benchmark
    hr_view = bench.hr_images("train").with_format("numpy")
    columns: dict[str, list[Any]] = {k: [] for k in SYNTHETIC_FEATURES}
    for row in tqdm(hr_view, desc=f"synthesising LR ({protocol.degradation})", disable=not progress):
        name, hr_id = str(row["dataset"]), str(row["hr_id"])
        scale = info.max_values[name]
        hr = torch.from_numpy(row["hr"].astype(np.float32) / scale)[None, None]
        batch = hr.expand(protocol.synthetic_frames, 1, *hr.shape[-2:]).contiguous()
        lr = pipeline(batch, generator=np.random.default_rng(_seed(seed, f"{name}/{hr_id}")))
        lr_uint = np.clip(np.round(lr[:, 0].numpy().astype(np.float64) * scale), 0, scale).astype(np.uint16)
        hr_bytes = encode_tiff(row["hr"])
        for k in range(protocol.synthetic_frames):
            columns["id"].append(f"{name}/{hr_id}/s{k:03d}")
            columns["dataset"].append(name)
            columns["hr_id"].append(hr_id)
            columns["frame"].append(k)
            columns["lr"].append({"bytes": encode_tiff(lr_uint[k]), "path": None})
            columns["hr"].append({"bytes": hr_bytes, "path": None})
    table = datasets.Dataset.from_dict(columns, features=SYNTHETIC_FEATURES)
    synthetic_info = dataclasses.replace(
        info,
        source_details={n: {**d, "synthetic_lr": protocol.degradation} for n, d in info.source_details.items()},
    )
    return synthetic_info.stamp(table)


def burst_inputs(bench: BenchmarkDict, dataset: str, k: int) -> list[tuple[str, list[int]]]:
    """Non-overlapping bursts of ``k`` consecutive test frames of one field: (first frame id, row indices).

    A field's frames are taken in frame order; a last, incomplete burst is dropped. Every burst holds frames
    of one field only.
    """
    test = bench["test"]
    fields: dict[str, list[tuple[int, int, str]]] = {}
    for index, (name, hr_id, frame, row_id) in enumerate(
        zip(test["dataset"], test["hr_id"], test["frame"], test["id"], strict=True)
    ):
        if name == dataset:
            fields.setdefault(hr_id, []).append((int(frame), index, row_id))
    bursts = []
    for hr_id in sorted(fields):
        frames = sorted(fields[hr_id])
        for start in range(0, len(frames) - k + 1, k):
            chunk = frames[start : start + k]
            bursts.append((chunk[0][2], [index for _, index, _ in chunk]))
    return bursts
