"""Maintainer tool: the "oracle" score of the simulated data, per sub-dataset, on the test split.

    python tools/simulator_oracle.py --version 2.0 --workers 2 [--fields N] [--json out.json]

The oracle is what a trivial method reaches when it is allowed to look at the answer's intensity scale: the
mean of all the field's LR frames, up-sampled by bicubic x2 (PyTorch, align_corners=False, as the bicubic
baseline), then mapped by the best global affine intensity map a x + b fitted to the HR target by least
squares, clipped to [0, 1] and scored with the paper recipe (8-bit PSNR and SSIM, ``microsr_bench.metrics``).
One prediction per field (the mean), so each field counts once. A simulator whose oracle beats every model of
the paper is too clean (issue 12: simulator 1.0 gave 33.6 dB / 0.914 on two MITO fields).

Fields are simulated directly (full size, 100 frames, the test split's field indices), so no cache is needed;
``--version 1.0`` scores the retired 1.0 model the same way. ``--ceiling`` (2.0, simulating) scores instead the
noiseless expected HR image, affinely mapped, against the noisy HR: what the HR's own noise leaves to any method
that predicts the sample perfectly (a noise-limited ceiling, not a bound on every metric). ``--cache-dir DIR``
reads the test split of already generated full 2.0 data instead (e.g. the cache of ``tools/freeze_manifests.py
--size full --cache-dir DIR``), which gives the same images without simulating them again.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from pathlib import Path

import numpy as np
import torch

from microsr_bench.data.cards import DATASET_NAMES, get_card
from microsr_bench.data.simulated import simulated_hr_id
from microsr_bench.data.splits import assign_splits
from microsr_bench.metrics.recipes import score_pair


def oracle_prediction(lr: np.ndarray, hr: np.ndarray, max_value: int) -> np.ndarray:
    """Mean LR frame, bicubic x2, best affine map to ``hr``; float in [0, 1]."""
    mean = torch.from_numpy(lr.astype(np.float64).mean(axis=0) / max_value)[None, None]
    up = torch.nn.functional.interpolate(mean, scale_factor=2, mode="bicubic", align_corners=False)[0, 0].numpy()
    target = hr.astype(np.float64) / max_value
    design = np.stack([up.ravel(), np.ones(up.size)], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, target.ravel(), rcond=None)
    return np.clip(a * up + b, 0.0, 1.0)


def ceiling_field(job: tuple[str, int, str, int]) -> tuple[str, int, float, float]:
    """Paper-recipe score of the affinely mapped noiseless HR against the noisy HR of one 2.0 field."""
    from microsr_bench.simulate import default_params
    from microsr_bench.simulate import random_stream as stream
    from microsr_bench.simulate.live import acquire_live_hr, build_live_model, expected_live_hr

    name, index, _, frames = job
    model = build_live_model(name, index, (512, 512), frames, default_params(name))
    top = get_card(name).max_value
    hr = acquire_live_hr(model, frames, stream(name, index, "hr")).astype(np.float64) / top
    clean = expected_live_hr(model, frames)
    design = np.stack([clean.ravel(), np.ones(clean.size)], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, hr.ravel(), rcond=None)
    scores = score_pair(
        reference=hr, prediction=np.clip(a * clean + b, 0.0, 1.0), recipes=("paper",), metrics=("psnr", "ssim")
    )
    return name, index, scores["paper"]["psnr"], scores["paper"]["ssim"]


def score_field(job: tuple[str, int, str, int]) -> tuple[str, int, float, float]:
    from microsr_bench.simulate import default_params, simulate_field

    name, index, version, frames = job
    field = simulate_field(name, index, frames=frames, params=default_params(name, version=version))  # type: ignore[arg-type]
    top = get_card(name).max_value
    prediction = oracle_prediction(field.lr, field.hr, top)
    scores = score_pair(
        reference=field.hr.astype(np.float64) / top, prediction=prediction, recipes=("paper",), metrics=("psnr", "ssim")
    )
    return name, index, scores["paper"]["psnr"], scores["paper"]["ssim"]


def score_cached(
    name: str, cache_dir: Path, limit: int | None, size: str = "full"
) -> list[tuple[str, int, float, float]]:
    """Oracle scores of the test fields of generated data in ``cache_dir``."""
    from microsr_bench.data import load_benchmark

    bench = load_benchmark(name, source="simulated", size=size, cache_dir=cache_dir, progress=False)  # type: ignore[arg-type]
    table = bench["test"].with_format("numpy")
    ids = np.asarray(table["hr_id"])
    top = get_card(name).max_value
    results = []
    for hr_id in sorted(set(ids.tolist()))[:limit]:
        rows = table.select(np.flatnonzero(ids == hr_id))
        lr, hr = np.stack(list(rows["lr"])), rows[0]["hr"]
        prediction = oracle_prediction(lr, hr, top)
        scores = score_pair(
            reference=hr.astype(np.float64) / top, prediction=prediction, recipes=("paper",), metrics=("psnr", "ssim")
        )
        results.append((name, int(hr_id[1:]), scores["paper"]["psnr"], scores["paper"]["ssim"]))
    return results


def test_indices(name: str) -> list[int]:
    card = get_card(name)
    ids = [simulated_hr_id(i) for i in range(card.hr_images.total)]
    return [int(hr_id[1:]) for hr_id in assign_splits(name, ids, card.hr_images)["test"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", choices=["1.0", "2.0"], default="2.0")
    parser.add_argument("--fields", type=int, help="at most this many test fields per dataset (default: all)")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write per-field scores here")
    parser.add_argument("--cache-dir", type=Path, help="read generated full 2.0 data from this cache instead")
    parser.add_argument("--ceiling", action="store_true", help="score the noiseless HR against the HR (2.0)")
    args = parser.parse_args()
    if args.cache_dir is not None:
        if args.version != "2.0" or args.frames != 100:
            parser.error("--cache-dir holds the full 2.0 data: use it with --version 2.0 and 100 frames")
        results = [r for name in DATASET_NAMES for r in score_cached(name, args.cache_dir, args.fields)]
        report(args, results)
        return
    jobs = [
        (name, index, args.version, args.frames)
        for name in DATASET_NAMES
        for index in test_indices(name)[: args.fields]
    ]
    if args.ceiling and args.version != "2.0":
        parser.error("--ceiling is for simulator 2.0")
    task = ceiling_field if args.ceiling else score_field
    if args.workers > 1:
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = pool.map(task, jobs)
    else:
        results = [task(job) for job in jobs]
    report(args, results)


def report(args: argparse.Namespace, results: list[tuple[str, int, float, float]]) -> None:
    what = (
        "noise-limited ceiling (noiseless HR, best affine map)"
        if getattr(args, "ceiling", False)
        else (f"oracle (mean of {args.frames} frames, bicubic x2, best affine map)")
    )
    print(f"{what}, simulator {args.version}, paper recipe")
    print(f"{'dataset':8} {'fields':>6} {'PSNR':>7} {'SSIM':>7}")
    table = {}
    for name in DATASET_NAMES:
        rows = [r for r in results if r[0] == name]
        psnr, ssim = float(np.mean([r[2] for r in rows])), float(np.mean([r[3] for r in rows]))
        table[name] = {"fields": len(rows), "psnr": psnr, "ssim": ssim}
        print(f"{name:8} {len(rows):6d} {psnr:7.2f} {ssim:7.3f}")
    if args.json:
        payload = {"version": args.version, "frames": args.frames, "datasets": table, "fields": results}
        args.json.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
