"""Maintainer tool: the figure of docs/simulator.md, one row per sub-dataset of the simulated default.

    python tools/simulator_figures.py [--version 2.0] [--out docs/figures/simulator-fields.png]

For the first test field of each sub-dataset (full size, 100 frames): LR frame 0, the mean of the burst, the HR
image, and HR minus the registered mean LR (mean LR up-sampled by bicubic x2, shifted onto the HR by phase
correlation to 1/20 pixel, mapped by the best affine intensity map). What is left in the last panel is what
averaging cannot recover: noise, and everything that moved or differs between the two scans. Panels show the
central quarter of the field (HR 256 x 256) so that single pixels stay visible.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.simulate import default_params, simulate_field

ROOT = Path(__file__).resolve().parents[1]


def registered_mean(lr: np.ndarray, hr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean LR up-sampled, registered and affinely mapped onto ``hr``; returns it and the shift (HR px)."""
    mean = torch.from_numpy(lr.astype(np.float64).mean(axis=0))[None, None]
    up = torch.nn.functional.interpolate(mean, scale_factor=2, mode="bicubic", align_corners=False)[0, 0].numpy()
    target = hr.astype(np.float64)
    shift = phase_cross_correlation(target, up, upsample_factor=20, normalization=None)[0]
    moved = ndimage.shift(up, shift, order=3, mode="nearest")
    design = np.stack([moved.ravel(), np.ones(moved.size)], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, target.ravel(), rcond=None)
    return a * moved + b, np.asarray(shift)


def _show(ax: plt.Axes, image: np.ndarray, title: str, symmetric: bool = False) -> None:
    if symmetric:
        limit = float(np.percentile(np.abs(image), 99.5))
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap="gray", vmin=float(np.percentile(image, 0.5)), vmax=float(np.percentile(image, 99.8)))
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", choices=["1.0", "2.0"], default="2.0")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "simulator-fields.png")
    args = parser.parse_args()
    # Run as a script, tools/ is on sys.path: the oracle tool owns the test split's field indices.
    from simulator_oracle import test_indices

    fig, axes = plt.subplots(len(DATASET_NAMES), 4, figsize=(12, 12.5))
    for row, name in zip(axes, DATASET_NAMES, strict=True):
        index = test_indices(name)[0]
        field = simulate_field(name, index, params=default_params(name, version=args.version))  # type: ignore[arg-type]
        mean, shift = registered_mean(field.lr, field.hr)
        hr = field.hr.astype(np.float64)
        crop, lr_crop = np.s_[128:384, 128:384], np.s_[64:192, 64:192]
        _show(row[0], field.lr[0][lr_crop].astype(np.float64), f"{name} f{index:04d}: LR frame 0")
        _show(row[1], field.lr.mean(axis=0)[lr_crop], "mean of 100 LR frames")
        _show(row[2], hr[crop], "HR")
        _show(row[3], (hr - mean)[crop], f"HR − registered mean LR (shift {shift[0]:+.2f}, {shift[1]:+.2f} px)", True)
    fig.suptitle(f"Simulated default {args.version}: central quarter of the first test field", fontsize=11)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=80)
    # A 256-colour palette keeps the committed PNG small (grey and one diverging map need no more).
    image = Image.open(args.out).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
