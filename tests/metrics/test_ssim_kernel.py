"""The compiled SSIM kernel: numbers against a direct float64 evaluation, compilation without a cache folder."""

import numpy as np
from scipy.ndimage import correlate1d

from microsr_bench.metrics import _compile as compile_module
from microsr_bench.metrics import _ssim_kernel as kernel_module
from microsr_bench.metrics import ssim
from microsr_bench.metrics._ssim import K1, K2, gaussian_window_1d


def _direct(x, y, data_range):
    """SSIM and CS maps from SciPy's separable correlation on the valid region (an independent evaluation)."""
    w = gaussian_window_1d()

    def filt(image):
        return correlate1d(correlate1d(image, w, axis=0, mode="constant"), w, axis=1, mode="constant")[5:-5, 5:-5]

    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mx, my = filt(x), filt(y)
    vx, vy, cov = filt(x * x) - mx**2, filt(y * y) - my**2, filt(x * y) - mx * my
    cs = (2 * cov + c2) / (vx + vy + c2)
    return float(np.mean((2 * mx * my + c1) / (mx**2 + my**2 + c1) * cs)), float(np.mean(cs))


def test_kernel_equals_a_direct_evaluation_on_odd_shapes():
    rng = np.random.default_rng(4)
    for shape, data_range in (((11, 11), 1.0), ((37, 23), 255.0), ((64, 129), 4095.0)):
        x = rng.random(shape) * data_range
        y = np.clip(x + 0.1 * data_range * rng.standard_normal(shape), 0, data_range)
        expected_ssim, expected_cs = _direct(x, y, data_range)
        got = kernel_module.ssim_and_cs(x, y, gaussian_window_1d(), (K1 * data_range) ** 2, (K2 * data_range) ** 2)
        assert abs(got[0] - expected_ssim) < 1e-13 and abs(got[1] - expected_cs) < 1e-13, (shape, got)


def test_kernel_takes_strided_views():
    # Cropped and sub-sampled views (the recipes' crop_border) reach the kernel as strided arrays: the values
    # must be those of an independent evaluation of the same pixels.
    rng = np.random.default_rng(5)
    x, y = rng.random((80, 90)), rng.random((80, 90))
    vx, vy = x[3:-3:2, 4:-4], y[3:-3:2, 4:-4]
    expected_ssim, expected_cs = _direct(np.array(vx), np.array(vy), 1.0)
    got = kernel_module.ssim_and_cs(vx, vy, gaussian_window_1d(), K1**2, K2**2)
    assert abs(got[0] - expected_ssim) < 1e-13 and abs(got[1] - expected_cs) < 1e-13
    assert ssim(vx, vy, data_range=1.0) == got[0]


def test_no_writable_cache_folder_compiles_in_memory(monkeypatch):
    # Numba raises RuntimeError at decoration when no folder can hold its cache (read-only install, no
    # writable home): the kernel is then compiled without a cache and gives the same bits.
    import numba

    rng = np.random.default_rng(6)
    x, y = rng.random((40, 40)), rng.random((40, 40))
    expected = ssim(x, y, data_range=1.0)
    real_njit = numba.njit

    def njit_without_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_ssim_and_cs': no locator available")
        return real_njit(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit_without_cache)
    monkeypatch.setattr(compile_module, "_compiled", {})
    assert ssim(x, y, data_range=1.0) == expected
    assert list(compile_module._compiled) == ["microsr_bench.metrics._ssim_kernel._ssim_and_cs"]


def test_compiled_downsampling_has_the_bits_of_the_numpy_formula():
    # MS-SSIM's 2x2 block means: the kernel adds in NumPy's order, ((a + b) + c) + d, then divides by 4.
    from microsr_bench.metrics._ssim import downsample2

    rng = np.random.default_rng(7)
    for shape in ((512, 512), (161, 161), (81, 40), (11, 11)):
        image = rng.random(shape) * 4095
        padded = np.pad(image, ((0, shape[0] % 2), (0, shape[1] % 2)), mode="edge")
        quads = padded.reshape(padded.shape[0] // 2, 2, padded.shape[1] // 2, 2)
        expected = (quads[:, 0, :, 0] + quads[:, 0, :, 1] + quads[:, 1, :, 0] + quads[:, 1, :, 1]) / 4.0
        assert np.array_equal(downsample2(image), expected), shape


def test_a_prepared_reference_gives_the_same_bits():
    # The scorer hands the kernel a reference's local means made once per field (mean_map); the result must
    # be bit for bit the one-pass result, and the means those of an independent filter.
    rng = np.random.default_rng(8)
    w = gaussian_window_1d()
    for shape in ((11, 11), (37, 23), (64, 129), (161, 170)):
        x, y = rng.random(shape), rng.random(shape)
        means = kernel_module.mean_map(x, w)
        direct = correlate1d(correlate1d(x, w, axis=0, mode="constant"), w, axis=1, mode="constant")[5:-5, 5:-5]
        assert means.shape == direct.shape and np.abs(means - direct).max() < 1e-15, shape
        alone = kernel_module.ssim_and_cs(x, y, w, K1**2, K2**2)
        assert kernel_module.ssim_and_cs(x, y, w, K1**2, K2**2, mean_x=means) == alone, shape


def test_a_prepared_reference_gives_ms_ssim_its_bits():
    from microsr_bench.metrics import ms_ssim
    from microsr_bench.metrics._ssim import Reference, ms_ssim_one

    rng = np.random.default_rng(9)
    x = rng.random((200, 181))
    y = np.clip(x + 0.2 * rng.standard_normal(x.shape), 0, 1)
    reference = Reference.prepare(x, 5)
    weights = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    assert ms_ssim_one(x, y, 1.0, weights, reference=reference) == ms_ssim(x, y, data_range=1.0)
