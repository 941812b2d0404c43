"""Behaviour and error paths of psnr, ssim, ms_ssim and nrmse (numbers are checked in test_agreement.py)."""

import math

import numpy as np
import pytest
import torch

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import MS_SSIM_WEIGHTS, ms_ssim, nrmse, psnr, ssim, ssim_and_ms_ssim

FR_WITH_RANGE = [psnr, ssim, ms_ssim]


def _pair(shape=(2, 180, 180), seed=0):
    rng = np.random.default_rng(seed)
    target = rng.random(shape)
    return target, np.clip(target + 0.05 * rng.standard_normal(shape), 0, 1)


def test_psnr_closed_form():
    # Every pixel off by 0.1 on a range of 1: MSE = 0.01, PSNR = 10 log10(1 / 0.01) = 20 dB exactly.
    a = np.zeros((16, 16))
    assert psnr(a, a + 0.1, data_range=1.0) == pytest.approx(20.0, abs=1e-12)
    # Same error in 8-bit units: 25.5 levels on 255 is the same 20 dB.
    assert psnr(a, a + 25.5, data_range=255) == pytest.approx(20.0, abs=1e-12)


def test_identical_images():
    # PSNR of an exact match is +inf (scikit-image and BasicSR agree); SSIM and MS-SSIM are exactly 1 up to
    # rounding (numerator equals denominator); NRMSE is 0.
    target, _ = _pair((180, 180))
    assert psnr(target, target, data_range=1.0) == math.inf
    assert ssim(target, target, data_range=1.0) == pytest.approx(1.0, abs=1e-12)
    assert ms_ssim(target, target, data_range=1.0) == pytest.approx(1.0, abs=1e-12)
    assert nrmse(target, target) == 0.0


def test_identical_image_in_a_batch_gives_inf_only_there():
    target, test = _pair((3, 40, 40))
    test[1] = target[1]
    values = psnr(target, test, data_range=1.0)
    assert np.isinf(values[1]) and np.isfinite(values[[0, 2]]).all()


@pytest.mark.parametrize("metric", [psnr, ssim, ms_ssim, nrmse])
def test_float_for_image_array_for_batch(metric):
    target, test = _pair()
    kwargs = {} if metric is nrmse else {"data_range": 1.0}
    single = metric(target[0], test[0], **kwargs)
    batch = metric(target, test, **kwargs)
    assert isinstance(single, float)
    assert isinstance(batch, np.ndarray) and batch.dtype == np.float64 and batch.shape == (2,)
    # The batch is the per-image values, in order (bit-identical: same code path per image).
    assert batch[0] == single
    assert batch[1] == metric(target[1], test[1], **kwargs)


@pytest.mark.parametrize("metric", [psnr, ssim, ms_ssim, nrmse])
def test_numpy_and_torch_give_the_same_numbers(metric):
    target, test = _pair()
    kwargs = {} if metric is nrmse else {"data_range": 1.0}
    expected = metric(target, test, **kwargs)
    np.testing.assert_array_equal(metric(torch.from_numpy(target), torch.from_numpy(test), **kwargs), expected)
    np.testing.assert_array_equal(metric(torch.from_numpy(target), test, **kwargs), expected)


def test_torch_bfloat16_and_integer_tensors_are_accepted():
    # bfloat16 has no NumPy dtype; it is widened to float32 exactly, so it scores like the float32 copy.
    target, test = _pair((64, 64))
    t16 = torch.from_numpy(target).to(torch.bfloat16)
    x16 = torch.from_numpy(test).to(torch.bfloat16)
    assert psnr(t16, x16, data_range=1.0) == psnr(t16.float().numpy(), x16.float().numpy(), data_range=1.0)
    u8 = torch.from_numpy((target * 255).round().astype(np.uint8))
    assert ssim(u8, u8, data_range=255) == pytest.approx(1.0, abs=1e-12)


def test_values_are_not_rescaled_by_dtype():
    # uint8 values compared as they are: the same numbers as the float64 copy with the same data range.
    target, test = _pair((2, 64, 64))
    t8, x8 = (np.round(a * 255).astype(np.uint8) for a in (target, test))
    np.testing.assert_array_equal(
        ssim(t8, x8, data_range=255), ssim(t8.astype(np.float64), x8.astype(np.float64), data_range=255)
    )


@pytest.mark.parametrize("metric", FR_WITH_RANGE)
def test_data_range_is_required_keyword_only(metric):
    target, test = _pair((64, 200))
    with pytest.raises(TypeError, match="data_range"):
        metric(target, test)
    with pytest.raises(TypeError):
        metric(target, test, 1.0)


@pytest.mark.parametrize("metric", FR_WITH_RANGE)
@pytest.mark.parametrize("bad", [None, 0, -1.0, math.inf, math.nan, "1", True])
def test_bad_data_range(metric, bad):
    target, test = _pair((180, 180))
    with pytest.raises(InvalidArgumentError, match="data_range"):
        metric(target, test, data_range=bad)


@pytest.mark.parametrize("metric", [psnr, ssim, ms_ssim, nrmse])
def test_shape_mismatch_names_both_shapes(metric):
    kwargs = {} if metric is nrmse else {"data_range": 1.0}
    with pytest.raises(InvalidArgumentError, match=r"\(180, 180\).*\(180, 181\)"):
        metric(np.zeros((180, 180)), np.zeros((180, 181)), **kwargs)


@pytest.mark.parametrize("shape", [(180,), (1, 1, 180, 180)])
def test_wrong_number_of_axes(shape):
    with pytest.raises(InvalidArgumentError, match=r"\(H, W\) or a batch \(B, H, W\)"):
        psnr(np.zeros(shape), np.zeros(shape), data_range=1.0)


def test_empty_batch_and_empty_image():
    with pytest.raises(InvalidArgumentError, match="too small"):
        psnr(np.zeros((0, 8, 8)), np.zeros((0, 8, 8)), data_range=1.0)
    with pytest.raises(InvalidArgumentError, match="too small"):
        psnr(np.zeros((0, 8)), np.zeros((0, 8)), data_range=1.0)


def test_ssim_needs_one_window():
    # The 11x11 window must fit: a 10-pixel side has no valid region.
    with pytest.raises(InvalidArgumentError, match="at least 11"):
        ssim(np.zeros((10, 40)), np.zeros((10, 40)), data_range=1.0)


@pytest.mark.parametrize("metric", [psnr, ssim, ms_ssim, nrmse])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_pixels_rejected(metric, bad):
    kwargs = {} if metric is nrmse else {"data_range": 1.0}
    target, test = _pair((2, 180, 180))
    test[1, 5, 7] = bad
    with pytest.raises(InvalidArgumentError, match=r"image_test \(image 1 of the batch\) contains 1 NaN or infinite"):
        metric(target, test, **kwargs)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((20, 20), dtype=bool), np.zeros((20, 20), dtype=complex), torch.zeros(20, 20, dtype=torch.bool)],
)
def test_bad_dtypes(bad):
    with pytest.raises(InvalidArgumentError, match="expected an integer or floating-point"):
        psnr(bad, bad, data_range=1.0)


def test_lists_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"numpy\.asarray"):
        psnr([[0.0, 1.0]], [[0.0, 1.0]], data_range=1.0)


def test_nrmse_constant_reference_is_an_error():
    with pytest.raises(InvalidArgumentError, match="constant"):
        nrmse(np.full((3, 8, 8), 0.5), np.zeros((3, 8, 8)))


def test_nrmse_only_min_max():
    with pytest.raises(InvalidArgumentError, match="min-max"):
        nrmse(np.eye(8), np.eye(8), normalization="euclidean")


def test_nrmse_is_scale_invariant():
    # Closed form: sqrt(MSE) / range; scaling both images by 7 scales numerator and denominator alike.
    target, test = _pair((64, 64))
    assert nrmse(target * 7, test * 7) == pytest.approx(nrmse(target, test), rel=1e-12)


def test_ms_ssim_below_minimum_size():
    # 5 scales need a 161-pixel side: 161 -> 81 -> 41 -> 21 -> 11 still holds one 11x11 window.
    ok = np.random.default_rng(0).random((161, 161))
    assert 0 < ms_ssim(ok, ok * 0.9, data_range=1.0) <= 1
    with pytest.raises(InvalidArgumentError, match="at least 161"):
        ms_ssim(ok[:160], ok[:160], data_range=1.0)
    # Fewer scales allow smaller images: 3 scales need 10 * 2^2 + 1 = 41.
    assert ms_ssim(ok[:41, :41], ok[:41, :41], data_range=1.0, weights=(0.3, 0.3, 0.4)) == pytest.approx(1.0)


@pytest.mark.parametrize("weights", [(), (0.5, -0.1), (math.nan,)])
def test_ms_ssim_bad_weights(weights):
    with pytest.raises(InvalidArgumentError, match="weights"):
        ms_ssim(np.zeros((180, 180)), np.zeros((180, 180)), data_range=1.0, weights=weights)


def test_ms_ssim_anticorrelated_terms_clamped_to_zero():
    # An inverted image has negative contrast-structure terms at fine scales; they are clamped at 0 before
    # the fractional power (as piq and TensorFlow do), so MS-SSIM is exactly 0 instead of NaN.
    target, _ = _pair((180, 180))
    assert ms_ssim(target, 1.0 - target, data_range=1.0) == 0.0


def test_ssim_of_inverted_noise_is_negative():
    # White noise against its negative: covariance -var dominates, SSIM is close to -1 (in [-1, 1]).
    noise = np.random.default_rng(1).random((64, 64))
    assert -1.0 <= ssim(noise, 1.0 - noise, data_range=1.0) < -0.9


def test_more_threads_same_numbers(monkeypatch):
    # Worker threads split a batch by image; the numbers cannot depend on how many there are.
    target, test = _pair((5, 64, 64))
    serial = None
    for threads in (1, 2, 3):
        monkeypatch.setattr(torch, "get_num_threads", lambda threads=threads: threads)
        values = ssim(target, test, data_range=1.0)
        if serial is None:
            serial = values
        np.testing.assert_array_equal(values, serial)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_converted_batches_give_each_image_its_own_value(dtype):
    # Non-float64 batches are converted image by image on worker threads; each value must be that image's
    # own: the reference is the same metric called per image on float64 copies, which need no conversion.
    rng = np.random.default_rng(7)
    peak = 1.0 if dtype == "float32" else float(np.iinfo(dtype).max)
    true = (rng.random((5, 170, 170)) * peak).astype(dtype)
    test = (rng.random((5, 170, 170)) * peak).astype(dtype)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # two worker threads
    try:
        for metric, kw in ((psnr, {"data_range": peak}), (ssim, {"data_range": peak}), (nrmse, {})):
            got = metric(true, test, **kw)
            expected = [
                metric(t.astype(np.float64), x.astype(np.float64), **kw) for t, x in zip(true, test, strict=True)
            ]
            assert got.tolist() == expected
        got = ms_ssim(true, test, data_range=peak)
        expected = [
            ms_ssim(t.astype(np.float64), x.astype(np.float64), data_range=peak)
            for t, x in zip(true, test, strict=True)
        ]
        assert got.tolist() == expected
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("shape", "data_range", "weights"),
    [((3, 180, 180), 1.0, MS_SSIM_WEIGHTS), ((2, 171, 203), 255.0, MS_SSIM_WEIGHTS), ((512, 512), 1.0, (0.5, 0.5))],
)
def test_ssim_and_ms_ssim_have_the_bits_of_the_separate_calls(shape, data_range, weights):
    # One filtering serves SSIM and MS-SSIM's finest CS term; each value must be exactly what its own
    # function returns (odd sizes exercise the zero-padded last column block and the odd-size down-sampling).
    target, test = _pair(shape, seed=3)
    target, test = target * data_range, test * data_range
    single, multi = ssim_and_ms_ssim(target, test, data_range=data_range, weights=weights)
    alone_single = ssim(target, test, data_range=data_range)
    alone_multi = ms_ssim(target, test, data_range=data_range, weights=weights)
    assert np.array_equal(single, alone_single) and np.array_equal(multi, alone_multi)
    assert type(single) is type(alone_single) and type(multi) is type(alone_multi)


def test_ssim_and_ms_ssim_refuses_what_ms_ssim_refuses():
    target, test = _pair((100, 100))
    with pytest.raises(InvalidArgumentError, match="161"):
        ssim_and_ms_ssim(target, test, data_range=1.0)
    with pytest.raises(InvalidArgumentError, match="weights"):
        ssim_and_ms_ssim(*_pair((180, 180)), data_range=1.0, weights=(0.5, -1.0))
