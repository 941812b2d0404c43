"""Agreement of psnr/ssim/ms_ssim/nrmse and the paper recipe with independent implementations.

References: scikit-image 0.26 (``peak_signal_noise_ratio``, ``structural_similarity`` with
``gaussian_weights=True, sigma=1.5, use_sample_covariance=False``, ``normalized_root_mse``), piq 0.8,
BasicSR 1.4.2 (numbers stored by ``tools/reference/basicsr_metrics.py``), and a small SciPy
re-implementation of Wang's MATLAB ``msssim.m``.
PSNR and NRMSE equal scikit-image exactly (asserted); the other measured differences are below 1e-14
(``python -m tools.skimage_agreement`` prints them) and the assertions allow 1e-6.
"""

import numpy as np
import piq
import pytest
import torch
from scipy.ndimage import correlate1d, gaussian_filter
from skimage.metrics import normalized_root_mse, peak_signal_noise_ratio, structural_similarity

from microsr_bench.metrics import ms_ssim, nrmse, psnr, score_pair, ssim
from tools.reference._fixture import read_fixture
from tools.reference.inputs import structured_pair

TOL = 1e-6


def in_dtype(image: np.ndarray, dtype: str) -> tuple[np.ndarray, float]:
    """The image as stored in ``dtype`` and the data range that goes with it (uint16 holds 12-bit data)."""
    if dtype == "float64":
        return image, 1.0
    peak = 255 if dtype == "uint8" else 4095
    return np.round(image * peak).astype(dtype), float(peak)


def skimage_ssim(a, b, data_range):
    return structural_similarity(
        a, b, data_range=data_range, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )


@pytest.mark.parametrize("size", [256, 512])
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float64"])
def test_psnr_ssim_nrmse_equal_skimage(size, dtype):
    pairs = [structured_pair(seed, size) for seed in (0, 1)]
    stored = [tuple(in_dtype(a, dtype)[0] for a in pair) for pair in pairs]
    data_range = in_dtype(pairs[0][0], dtype)[1]
    target = np.stack([t for t, _ in stored])
    test = np.stack([x for _, x in stored])
    expected_psnr = [peak_signal_noise_ratio(t, x, data_range=data_range) for t, x in stored]
    expected_ssim = [skimage_ssim(t, x, data_range) for t, x in stored]
    expected_nrmse = [normalized_root_mse(t, x, normalization="min-max") for t, x in stored]
    # Batch and per-image calls, NumPy and torch inputs: all the same numbers as scikit-image. PSNR and
    # NRMSE do the same float64 operations in the same order, so docs/metrics.md calls them bit-identical
    # and this asserts exact equality; SSIM's filters sum in another order (the largest difference is printed
    # by tools/skimage_agreement.py).
    np.testing.assert_array_equal(psnr(target, test, data_range=data_range), expected_psnr)
    np.testing.assert_allclose(ssim(target, test, data_range=data_range), expected_ssim, rtol=0, atol=TOL)
    np.testing.assert_array_equal(nrmse(target, test), expected_nrmse)
    assert abs(ssim(target[0], test[0], data_range=data_range) - expected_ssim[0]) <= TOL
    tt, tx = torch.from_numpy(target.astype(np.float64)), torch.from_numpy(test.astype(np.float64))
    np.testing.assert_allclose(ssim(tt, tx, data_range=data_range), expected_ssim, rtol=0, atol=TOL)
    np.testing.assert_allclose(psnr(tt, tx, data_range=data_range), expected_psnr, rtol=0, atol=TOL)


def test_float32_input_is_scored_in_float64():
    # scikit-image computes float32 input in float32; we widen to float64 first, so the reference is
    # scikit-image on the float64 copy of the same float32 values.
    target, test = (a.astype(np.float32) for a in structured_pair(2, 256))
    expected = skimage_ssim(target.astype(np.float64), test.astype(np.float64), 1.0)
    assert abs(ssim(target, test, data_range=1.0) - expected) <= TOL


@pytest.mark.parametrize("shape", [(11, 11), (12, 300), (267, 203), (500, 37)])
def test_ssim_odd_shapes_equal_skimage(shape):
    # Shapes whose valid region does not divide into the internal blocks (last partial blocks).
    rng = np.random.default_rng(3)
    target = gaussian_filter(rng.random(shape), 1.0)
    test = target + 0.05 * rng.standard_normal(shape)
    assert abs(ssim(target, test, data_range=1.0) - skimage_ssim(target, test, 1.0)) <= TOL


def test_piq_default_ssim_downsamples_ours_does_not():
    # piq.ssim(downsample=True), its default, average-pools 512x512 inputs by 2 first; on this image that
    # moves SSIM by ~0.23. With downsample=False piq computes the same SSIM as scikit-image and us.
    target, test = structured_pair(0, 512)
    t, x = (torch.from_numpy(a)[None, None] for a in (target, test))
    reference = skimage_ssim(target, test, 1.0)
    ours = ssim(target, test, data_range=1.0)
    assert abs(ours - reference) <= TOL
    assert abs(float(piq.ssim(t, x, data_range=1.0, downsample=False)) - ours) <= TOL
    assert abs(float(piq.ssim(t, x, data_range=1.0)) - ours) > 0.1


@pytest.mark.parametrize("size", [256, 512])
def test_ms_ssim_equals_piq_on_even_sizes(size):
    # piq.multi_scale_ssim with its defaults (kernel_size=11, kernel_sigma=1.5, k1=0.01, k2=0.03, the five
    # published weights, ReLU on the terms) on float64 tensors is the same computation when every scale
    # has even sides: its 2x2 avg_pool2d then equals our block average.
    pairs = [structured_pair(seed, size) for seed in (0, 1)]
    target = np.stack([t for t, _ in pairs])
    test = np.stack([x for _, x in pairs])
    expected = piq.multi_scale_ssim(
        torch.from_numpy(test)[:, None], torch.from_numpy(target)[:, None], data_range=1.0, reduction="none"
    ).numpy()
    np.testing.assert_allclose(ms_ssim(target, test, data_range=1.0), expected, rtol=0, atol=TOL)


def matlab_ms_ssim(x: np.ndarray, y: np.ndarray, data_range: float) -> float:
    """Wang's ``msssim.m`` re-done with SciPy: valid Gaussian filtering, symmetric-padded 2x2 averaging."""
    window = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    window /= window.sum()

    def local_mean(image):
        return correlate1d(correlate1d(image, window, axis=0), window, axis=1)[5:-5, 5:-5]

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    weights = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    result = 1.0
    for scale, weight in enumerate(weights):
        if scale:
            x, y = (
                (lambda p: (p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2]) / 4)(
                    np.pad(a, ((0, a.shape[0] % 2), (0, a.shape[1] % 2)), mode="symmetric")
                )
                for a in (x, y)
            )
        mx, my = local_mean(x), local_mean(y)
        vx, vy = local_mean(x * x) - mx**2, local_mean(y * y) - my**2
        cov = local_mean(x * y) - mx * my
        cs = (2 * cov + c2) / (vx + vy + c2)
        term = cs if scale < len(weights) - 1 else cs * (2 * mx * my + c1) / (mx**2 + my**2 + c1)
        result *= max(term.mean(), 0.0) ** weight
    return result


@pytest.mark.parametrize("shape", [(171, 181), (255, 255)])
def test_ms_ssim_odd_sizes_follow_msssim_m_not_piq(shape):
    # Odd sides: MATLAB averages the last row with itself (symmetric padding at the bottom/right); piq 0.8
    # replicate-pads the top/left instead. We follow MATLAB; piq then differs by ~1e-4 on these images
    # (measured 5.7e-5 for 171x181 and 1.2e-4 for 255x255).
    target, test = (a[: shape[0], : shape[1]] for a in structured_pair(1, 320))
    ours = ms_ssim(target, test, data_range=1.0)
    assert abs(ours - matlab_ms_ssim(target, test, 1.0)) <= TOL
    piq_value = float(
        piq.multi_scale_ssim(torch.from_numpy(test)[None, None], torch.from_numpy(target)[None, None], data_range=1.0)
    )
    assert 1e-6 < abs(ours - piq_value) < 1e-3


# BasicSR 1.4.2 ``calculate_psnr`` / ``calculate_ssim`` (crop_border=0) on the 8-bit images
# ``clip(round(255 a), 0, 255)`` of ``structured_pair(seed, size)``, stored by
# ``python -m tools.reference.basicsr_metrics``; ``tests/reference/`` recomputes them live.
BASICSR = read_fixture("basicsr_metrics")["psnr_ssim"]


@pytest.mark.parametrize("row", BASICSR, ids=lambda row: f"seed{row['seed']}-{row['size']}")
def test_paper_recipe_equals_basicsr(row):
    target, test = structured_pair(row["seed"], row["size"])
    scores = score_pair(reference=target, prediction=test, recipes=("paper",), metrics=("psnr", "ssim"))["paper"]
    assert abs(scores["psnr"] - row["psnr"]) <= TOL
    assert abs(scores["ssim"] - row["ssim"]) <= TOL


@pytest.mark.parametrize(("base", "amplitude"), [(0.9, 0.001), (0.999, 0.0001)])
def test_bright_low_contrast_images_equal_skimage(base, amplitude):
    # The hard case for E[x^2] - mean^2: variances 1e-6 of means near 1. scikit-image's float32 path is off
    # by 2e-7 and 3e-7 here (measured); both sides in float64 agree to 1e-6.
    rng = np.random.default_rng(0)
    target = base + amplitude * 10 * gaussian_filter(rng.standard_normal((512, 512)), 2)
    test = target + amplitude * rng.standard_normal((512, 512))
    assert abs(ssim(target, test, data_range=1.0) - skimage_ssim(target, test, 1.0)) <= TOL


def test_agreement_script_measures_what_the_docs_claim():
    # docs/metrics.md quotes tools/skimage_agreement.py for its "max difference seen" column: PSNR and
    # NRMSE bit-identical, SSIM within the tolerance asserted above.
    from tools.skimage_agreement import agreement

    found = agreement()
    assert found["psnr"][1] and found["nrmse"][1] and found["ssim"][0] <= TOL
    assert {n for _, _, n in found.values()} == {17}
