"""MicroSSIM: closed forms (identity, scale invariance) and agreement with the ``microssim`` package.

The reference test needs ``pip install --no-deps microssim==0.0.5 torchmetrics lightning-utilities`` (the
package pins an old torch, so it is never a dependency) and runs with ``-m reference``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import MicroSSIM, micro_ssim


def _set(seed: int = 0, n: int = 3) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Smooth blobs on a background of 100 (12-bit-like counts) and a dimmer, offset, noisy prediction."""
    rng = np.random.default_rng(seed)
    gt = [ndimage.gaussian_filter(100 + 400 * rng.random((64, 64)), 2) for _ in range(n)]
    pred = [0.5 * g + 20 + rng.normal(0, 5, g.shape) for g in gt]
    return gt, pred


def test_identical_images_score_one() -> None:
    gt, _ = _set()
    # x = y: the scaled SSIM map is 1 everywhere at alpha = 1, its maximum.
    fitted = MicroSSIM().fit(gt, gt)
    assert fitted.ri_factor == pytest.approx(1.0, abs=1e-4)
    assert np.allclose(fitted.score(np.stack(gt), np.stack(gt)), 1.0, atol=1e-6)


def test_a_scaled_prediction_is_not_penalised() -> None:
    gt, _ = _set()
    pred = [3.0 * g for g in gt]  # same structure, 3x the gain (offsets scale too, and are subtracted)
    values = micro_ssim(gt, pred)
    # The factor undoes the gain: alpha = 1/3, and every pair scores 1 (closed form of S_alpha with y = 3x).
    assert MicroSSIM().fit(gt, pred).ri_factor == pytest.approx(1 / 3, rel=1e-4)
    assert np.allclose(values, 1.0, atol=1e-5)


def test_bad_input() -> None:
    with pytest.raises(InvalidArgumentError, match="same number of same-size images"):
        MicroSSIM().fit([np.ones((16, 16))], [np.ones((16, 17))])
    with pytest.raises(InvalidArgumentError, match="needs fitted parameters"):
        MicroSSIM().score(np.ones((16, 16)), np.ones((16, 16)))
    with pytest.raises(InvalidArgumentError, match="bg_percentile must be in"):
        MicroSSIM(bg_percentile=100)


@pytest.mark.reference
def test_equal_to_the_microssim_package() -> None:
    microssim = pytest.importorskip("microssim", reason="pip install --no-deps microssim==0.0.5 (see module doc)")
    gt, pred = _set(seed=1, n=4)
    reference = microssim.MicroSSIM()
    reference.fit(gt, pred)
    mine = MicroSSIM().fit(gt, pred)
    assert mine.offset_true == pytest.approx(reference._offset_gt, rel=1e-12)
    assert mine.offset_test == pytest.approx(reference._offset_pred, rel=1e-12)
    assert mine.max_value == pytest.approx(reference._max_val, rel=1e-12)
    assert mine.ri_factor == pytest.approx(reference._ri_factor, rel=1e-5)  # Brent vs BFGS on the same maximum
    expected = [reference.score(g, p) for g, p in zip(gt, pred, strict=True)]
    assert np.allclose(mine.score(np.stack(gt), np.stack(pred)), expected, rtol=1e-5, atol=0)
    single = microssim.micro_structural_similarity(gt[0], pred[0])
    assert micro_ssim(gt[0], pred[0]) == pytest.approx(single, rel=1e-5)
