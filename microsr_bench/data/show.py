"""A PNG panel of one field of view, like the paper's Fig. 1: LR frame, bicubic, HR and the mean of the LR frames."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from microsr_bench.data.cards import SPLITS, SplitName
from microsr_bench.data.load import BenchmarkDict
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import InvalidArgumentError

#: File types the panel can be written as (matplotlib writers; JPEG through Pillow), by suffix.
PANEL_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf", ".svg": "svg"}


def panel_path(out: str | Path | None, name: str, split: str, index: int) -> Path:
    """Where ``show`` writes: ``out`` itself, or ``NAME_SPLIT_INDEX.png`` inside ``out`` when it is a folder.

    ``out`` is a folder when it exists as one or ends with a path separator (then it is created). Anything
    else must end in a supported suffix; checked here, before any data is loaded or generated.
    """
    default = f"{name}_{split}_{index}.png"
    if out is None:
        return Path(default)
    text = str(out)
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path / default
    if path.suffix.lower() not in PANEL_FORMATS:
        raise InvalidArgumentError(
            f"--out {text!r}: cannot tell the image type from the suffix {path.suffix or '(none)'!r}; expected a "
            f"file ending in {', '.join(PANEL_FORMATS)}, or a folder (existing, or ending with '/') to write "
            f"{default} into."
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise InvalidArgumentError(f"--out {text!r}: {path.parent} is a file, not a folder; choose another path.")
    return path


def _display_range(image: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(image, [0.1, 99.9])
    return float(low), float(max(high, low + 1e-9))


def _bicubic_x2(image: np.ndarray) -> np.ndarray:
    tensor = torch.from_numpy(image.astype(np.float64))[None, None]
    return torch.nn.functional.interpolate(tensor, scale_factor=2, mode="bicubic", align_corners=False)[0, 0].numpy()


def field_images(bench: BenchmarkDict, split: SplitName, index: int) -> dict[str, np.ndarray]:
    """The images of the ``index``-th field of view of a split (fields sorted by id)."""
    if split not in SPLITS:
        raise InvalidArgumentError(f"split must be one of {', '.join(SPLITS)}, got {split!r}.")
    rows = bench[split]
    hr_ids = sorted(set(rows["hr_id"]))
    if not 0 <= index < len(hr_ids):
        raise InvalidArgumentError(f"index must be in 0..{len(hr_ids) - 1} for the {split} split, got {index}.")
    hr_id = hr_ids[index]
    positions = [i for i, h in enumerate(rows["hr_id"]) if h == hr_id]
    frames = rows.select(positions).with_format("numpy")
    stack = np.stack([frames[i]["lr"] for i in range(len(frames))]).astype(np.float64)
    return {
        "hr_id": np.array(hr_id),
        "LR frame 0": stack[0],
        "bicubic x2 of frame 0": _bicubic_x2(stack[0]),
        "HR": frames[0]["hr"].astype(np.float64),
        f"mean of {len(stack)} LR frames": stack.mean(axis=0),
    }


def _zoom_window(hr: np.ndarray, fraction: int = 4) -> tuple[float, float]:
    """Top-left corner (relative) of the 1/fraction window where the HR image has most structure."""
    h, w = hr.shape
    size_y, size_x = h // fraction, w // fraction
    best, corner = -1.0, (0.0, 0.0)
    for y in range(0, h - size_y + 1, max(1, size_y // 4)):
        for x in range(0, w - size_x + 1, max(1, size_x // 4)):
            score = float(hr[y : y + size_y, x : x + size_x].std())
            if score > best:
                best, corner = score, (y / h, x / w)
    return corner


def render_panel(bench: BenchmarkDict, out: str | Path, *, split: SplitName = "test", index: int = 0) -> Path:
    """Write the panel image of one field of view and return its path.

    ``out`` is a file ending in one of :data:`PANEL_FORMATS`, or a folder to write ``NAME_SPLIT_INDEX.png``
    into (see :func:`panel_path`). The file appears complete or not at all.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = bench.benchmark.datasets[0] if len(bench.benchmark.datasets) == 1 else "+".join(bench.benchmark.datasets)
    out = panel_path(out, name, split, index)
    images = field_images(bench, split, index)
    hr_id = str(images.pop("hr_id"))
    top, left = _zoom_window(images["HR"])
    info = bench.benchmark
    fig, axes = plt.subplots(2, 4, figsize=(16, 8.8), dpi=100, layout="constrained")
    for col, (title, image) in enumerate(images.items()):
        low, high = _display_range(image)
        axes[0, col].imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        axes[0, col].set_title(f"{title}\n{image.shape[0]}x{image.shape[1]}", fontsize=10)
        h, w = image.shape
        y, x = round(top * h), round(left * w)
        crop = image[y : y + h // 4, x : x + w // 4]
        axes[1, col].imshow(crop, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        axes[1, col].set_title(f"zoom x4: rows {y}-{y + h // 4}, columns {x}-{x + w // 4}", fontsize=9, pad=3)
    for ax in axes.ravel():
        ax.set_axis_off()
    kind = "SIMULATED data (physics model)" if info.is_simulated else f"real data ({info.source})"
    fig.suptitle(
        f"{name} {split} field {hr_id} - {kind}; each image scaled to its 0.1-99.9 percentiles for display",
        fontsize=11,
    )
    _save_atomically(fig, out)
    return out


def _save_atomically(fig: Any, out: Path) -> None:
    """Save under a temporary name in the same folder, then rename: an error or a kill leaves no partial file."""
    import matplotlib.pyplot as plt

    fmt = PANEL_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InvalidArgumentError(
            f"{out}: unsupported image type; expected a file ending in {', '.join(PANEL_FORMATS)}."
        )
    tmp = out.with_name(f".{out.stem}.tmp-{os.getpid()}{out.suffix}")
    try:
        with disk_full_as_error(f"the panel image {out.name}", out.parent, hint="or choose another --out"):
            out.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(tmp, format=fmt)
            tmp.replace(out)
    finally:
        plt.close(fig)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
