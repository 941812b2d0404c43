"""MicroMS3IM: closed forms (identity, scale invariance) and agreement with the ``microssim`` package.

The reference test needs ``pip install --no-deps microssim==0.0.5 torchmetrics lightning-utilities`` and runs
with ``-m reference`` (see tests/metrics/test_microssim.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import MicroMS3IM, MicroSSIM, micro_ms3im


def _set(seed: int = 0, n: int = 3, size: int = 192) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Smooth blobs on a background of 100 and a dimmer, offset, noisy prediction (as test_microssim)."""
    rng = np.random.default_rng(seed)
    gt = [ndimage.gaussian_filter(100 + 400 * rng.random((size, size)), 2) for _ in range(n)]
    pred = [0.5 * g + 20 + rng.normal(0, 5, g.shape) for g in gt]
    return gt, pred


def test_identical_and_scaled_images_score_one() -> None:
    gt, _ = _set()
    # y = 3x: MicroSSIM's factor is 1/3 (its closed form), so every scale compares x with itself: 1 exactly.
    assert np.allclose(micro_ms3im(gt, gt), 1.0, atol=1e-9)
    assert np.allclose(micro_ms3im(gt, [3.0 * g for g in gt]), 1.0, atol=1e-5)


def test_fit_is_microssims_and_noise_lowers_the_score() -> None:
    gt, pred = _set()
    fitted, plain = MicroMS3IM().fit(gt, pred), MicroSSIM().fit(gt, pred)
    assert fitted.ri_factor == plain.ri_factor and fitted.offset_test == plain.offset_test
    values = fitted.score(np.stack(gt), np.stack(pred))
    assert values.shape == (3,) and np.all((values > 0) & (values < 1))


def test_small_images_are_refused_with_the_size_needed() -> None:
    gt, pred = _set(size=64)
    with pytest.raises(InvalidArgumentError, match="at least 176x176"):
        micro_ms3im(gt, pred)


@pytest.mark.reference
def test_equal_to_the_microssim_package() -> None:
    microssim = pytest.importorskip("microssim", reason="pip install --no-deps microssim==0.0.5 (see module doc)")
    gt, pred = _set(seed=1, n=3, size=200)  # 200: odd sizes at the coarser scales exercise the pooling crop
    reference = microssim.MicroMS3IM()
    reference.fit(gt, pred)
    mine = MicroMS3IM().fit(gt, pred)
    for g, p in zip(gt, pred, strict=True):
        # The package scores in float32 (torch), we in float64: agreement to float32 rounding.
        assert mine.score(g, p) == pytest.approx(float(reference.score(g, p)), abs=2e-5)
