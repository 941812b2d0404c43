"""Live comparison with BasicSR 1.4.2 (``pytest -m reference``; needs the reference packages).

Images and weights are made here with seeds the stored fixtures do not use; the stored fixtures are
also regenerated in memory and compared with the files, so a fixture that no longer matches its
official package fails here.
"""

import numpy as np
import pytest
import torch

from baselines.realesrgan.rrdbnet import RRDBNet
from microsr_bench.metrics import niqe, score_pair
from microsr_bench.metrics._imresize import imresize
from tools.reference import _shim, basicsr_metrics, inputs
from tools.reference._fixture import read_fixture

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module", autouse=True)
def _official():
    _shim.install()


def test_psnr_ssim_equal_basicsr_on_new_images():
    from basicsr.metrics.psnr_ssim import calculate_psnr, calculate_ssim

    for seed, size in ((5, 128), (6, 200)):
        target, test = inputs.structured_pair(seed, size)
        ours = score_pair(test, target, recipes=("paper",), metrics=("psnr", "ssim"))["paper"]
        t8, x8 = inputs.to_uint8(target), inputs.to_uint8(test)
        assert abs(ours["psnr"] - calculate_psnr(t8, x8, crop_border=0)) <= 1e-6
        assert abs(ours["ssim"] - calculate_ssim(t8, x8, crop_border=0)) <= 1e-6


@pytest.mark.parametrize(("kind", "seed"), [("cells", 7), ("smooth", 8), ("sparse", 9)])
def test_niqe_equals_basicsr_on_new_images(kind, seed):
    from basicsr.metrics.niqe import calculate_niqe

    image = inputs.make_image(kind, 288, seed)
    # 1e-3: a patch's shape fit may land on the neighbouring 0.001 grid point (float32 rounding differs).
    assert niqe(image, crop_border=2) == pytest.approx(calculate_niqe(image, 2, input_order="HW"), abs=1e-3)


def test_imresize_equals_basicsr():
    from basicsr.utils.matlab_functions import imresize as official

    x = np.random.default_rng(11).random((13, 10))
    np.testing.assert_allclose(imresize(x, 0.5), official(x, 0.5), atol=2e-7)  # BasicSR computes in float32


@pytest.mark.parametrize(("kwargs", "shape"), [({"num_feat": 16, "num_block": 2, "num_grow_ch": 8}, (2, 3, 10, 8))])
def test_rrdbnet_output_equals_basicsr(kwargs, shape):
    from basicsr.archs.rrdbnet_arch import RRDBNet as Official

    official, ours = Official(3, 3, scale=2, **kwargs).eval(), RRDBNet(3, 3, scale=2, **kwargs).eval()
    weights = inputs.deterministic_state(official.state_dict(), 21)
    official.load_state_dict(weights)
    ours.load_state_dict(weights)
    x = inputs.network_input(shape, 21)
    with torch.no_grad():
        np.testing.assert_allclose(ours(x).numpy(), official(x).numpy(), rtol=0, atol=1e-5)


def test_stored_metric_fixture_is_reproduced():
    stored = read_fixture("basicsr_metrics")
    # BasicSR's SSIM filters with OpenCV, whose kernels differ between CPUs: regenerated on an Intel Xeon, the
    # fixture made on an AMD EPYC moved by 9e-16. A hand-edited number moves by far more than 1e-12.
    fresh_rows = basicsr_metrics.psnr_ssim()
    assert [(r["seed"], r["size"]) for r in fresh_rows] == [(r["seed"], r["size"]) for r in stored["psnr_ssim"]]
    for fresh_row, stored_row in zip(fresh_rows, stored["psnr_ssim"], strict=True):
        for key in ("psnr", "ssim"):
            assert fresh_row[key] == pytest.approx(stored_row[key], rel=1e-12, abs=0), (fresh_row, key)
    # imresize runs in float32 torch: the same CPU difference moves it by one or two float32 steps (6e-8).
    fresh = basicsr_metrics.imresize_half()
    np.testing.assert_allclose(fresh, stored["imresize_half_7x9"], rtol=1e-6, atol=0)
