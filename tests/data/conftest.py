"""Small real-layout data folders that the data tests write themselves."""

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image


def _image(rng, shape, dtype, high):
    base = rng.integers(0, high, size=shape)
    return base.astype(dtype)


def write_field(base: Path, hr_id: str, rng, *, frames=100, dtype=np.uint16, high=4096, fmt="tif", lr=(256, 256)):
    (base / "hr").mkdir(parents=True, exist_ok=True)
    (base / "lr" / hr_id).mkdir(parents=True, exist_ok=True)
    hr = _image(rng, (lr[0] * 2, lr[1] * 2), dtype, high)
    stack = [_image(rng, lr, dtype, high) for _ in range(frames)]
    save(base / "hr" / f"{hr_id}.{fmt}", hr)
    for k, frame in enumerate(stack):
        save(base / "lr" / hr_id / f"{k:03d}.{fmt}", frame)
    return hr, stack


def save(path: Path, array: np.ndarray) -> None:
    if path.suffix == ".png":
        Image.fromarray(array).save(path)
    else:
        tifffile.imwrite(path, array)


@pytest.fixture
def make_root(tmp_path):
    """make_root(n_hr=3, name="MITO", ...) -> (root, {hr_id: (hr, frames)})."""

    def make(n_hr=3, name="MITO", seed=0, **kwargs):
        rng = np.random.default_rng(seed)
        root = tmp_path / "real"
        fields = {f"cell{i:02d}": write_field(root / name, f"cell{i:02d}", rng, **kwargs) for i in range(n_hr)}
        return root, fields

    return make


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"
