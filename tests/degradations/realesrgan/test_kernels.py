"""Blur kernels of the Real-ESRGAN pipeline: closed forms, symmetry, frequency response, sampling law."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import special, stats

from microsr_bench.degradations.realesrgan import kernels as K

SIZES = (7, 9, 11, 13, 15, 17, 19, 21)
PROBS = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)


def _draw(rng: np.random.Generator, **overrides: object) -> K.SampledKernel:
    options: dict = {
        "families": K.KERNEL_FAMILIES,
        "probs": PROBS,
        "sizes": SIZES,
        "sigma_range": (0.2, 3.0),
        "betag_range": (0.5, 4.0),
        "betap_range": (1.0, 2.0),
        "sinc_prob": 0.1,
        "pad_to": 21,
    }
    options.update(overrides)
    return K.sample_blur_kernel(rng, **options)


@pytest.mark.parametrize("family", K.KERNEL_FAMILIES)
def test_every_family_sums_to_one_and_is_padded_to_21(family: K.KernelFamily) -> None:
    # Expected: normalisation to 1 and the official 21 x 21 padding (realesrgan_dataset.py, np.pad to 21).
    rng = np.random.default_rng(1)
    for size in (7, 13, 21):
        sampled = K.sample_family_kernel(
            rng, family, size, sigma_range=(0.2, 3.0), betag_range=(0.5, 4.0), betap_range=(1.0, 2.0), pad_to=21
        )
        assert sampled.kernel.shape == (21, 21)
        assert sampled.kernel.sum() == pytest.approx(1.0, abs=1e-12)
        pad = (21 - size) // 2
        if pad:
            assert not sampled.kernel[:pad].any() and not sampled.kernel[:, -pad:].any()
        # Every family is point-symmetric about the centre (q(p) = q(-p)), so correlation = convolution.
        np.testing.assert_allclose(sampled.kernel, sampled.kernel[::-1, ::-1], atol=1e-15)


def test_isotropic_gaussian_is_the_separable_closed_form() -> None:
    # Closed form: exp(-(x^2 + y^2) / (2 s^2)) is the outer product of two 1-D Gaussians, normalised.
    sigma = 1.7
    taps = np.exp(-(np.arange(-7, 8) ** 2) / (2 * sigma**2))
    expected = np.outer(taps, taps) / np.outer(taps, taps).sum()
    np.testing.assert_allclose(K.gaussian_kernel(15, sigma, sigma, 0.3), expected, atol=1e-15)


def test_isotropic_kernels_are_rotationally_symmetric() -> None:
    # A radial function on a square grid is invariant under 90-degree rotations and transposition.
    for kernel in (
        K.gaussian_kernel(21, 2.0, 2.0, 0.0),
        K.generalized_gaussian_kernel(21, 2.0, 2.0, 0.0, 2.5),
        K.plateau_kernel(21, 2.0, 2.0, 0.0, 1.5),
        K.sinc_kernel(21, math.pi / 3),
    ):
        np.testing.assert_allclose(kernel, np.rot90(kernel), atol=1e-15)
        np.testing.assert_allclose(kernel, kernel.T, atol=1e-15)


def test_anisotropic_gaussian_covariance_matches_sigma_and_theta() -> None:
    # Closed form: the second moments of a wide-support Gaussian are R diag(sx^2, sy^2) R^T.
    sx, sy, theta = 2.0, 1.0, math.pi / 6
    kernel = K.gaussian_kernel(41, sx, sy, theta)
    axis = np.arange(41) - 20.0
    xx, yy = np.meshgrid(axis, axis)
    moments = np.array(
        [[(kernel * xx * xx).sum(), (kernel * xx * yy).sum()], [(kernel * xx * yy).sum(), (kernel * yy * yy).sum()]]
    )
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    np.testing.assert_allclose(moments, rot @ np.diag([sx**2, sy**2]) @ rot.T, atol=1e-6)


def test_generalized_gaussian_with_beta_one_is_the_gaussian() -> None:
    # Closed form: exp(-q^1 / 2) = exp(-q / 2).
    np.testing.assert_allclose(
        K.generalized_gaussian_kernel(13, 1.5, 0.8, 1.0, 1.0), K.gaussian_kernel(13, 1.5, 0.8, 1.0), atol=1e-15
    )


def test_plateau_matches_its_closed_form() -> None:
    # Closed form 1 / (1 + (r^2 / s^2)^beta), normalised.
    sigma, beta = 1.3, 1.6
    axis = np.arange(-4, 5.0)
    r2 = axis[None, :] ** 2 + axis[:, None] ** 2
    expected = 1 / (1 + (r2 / sigma**2) ** beta)
    np.testing.assert_allclose(K.plateau_kernel(9, sigma, sigma, 0.0, beta), expected / expected.sum(), atol=1e-15)


def test_sinc_passes_low_and_stops_high_frequencies() -> None:
    # A circular low-pass with cut-off pi/2: the DTFT is ~1 well below the cut-off and ~0 well above it
    # (truncation to 21 taps leaves ripples of a few per cent, hence the tolerances).
    kernel = K.sinc_kernel(21, math.pi / 2)
    axis = np.arange(21) - 10.0

    def response(omega: float) -> float:
        return float(np.abs((kernel * np.exp(-1j * omega * axis)[None, :]).sum()))

    assert response(0.0) == pytest.approx(1.0, abs=1e-12)
    assert response(0.2 * math.pi) > 0.9
    assert response(0.8 * math.pi) < 0.1


def test_sinc_centre_is_the_limit_value() -> None:
    # Closed form: lim_{r->0} w J1(w r) / (2 pi r) = w^2 / (4 pi); check against the neighbour's formula.
    omega = 2.0
    raw_centre = omega**2 / (4 * math.pi)
    raw_neighbour = omega * float(special.j1(omega * 1.0)) / (2 * math.pi * 1.0)
    kernel = K.sinc_kernel(11, omega)
    assert kernel[5, 5] / kernel[5, 6] == pytest.approx(raw_centre / raw_neighbour, rel=1e-12)


def test_pulse_is_identity() -> None:
    pulse = K.pulse_kernel(21)
    assert pulse.kernel.sum() == 1.0 and pulse.kernel[10, 10] == 1.0 and pulse.kind == "pulse"


def test_kernel_family_frequencies_match_the_configured_probabilities() -> None:
    # Expected counts: n * sinc_prob for sinc and n * (1 - sinc_prob) * p_family for each family. Pearson
    # chi-square with 6 degrees of freedom; 22.46 is its 0.999 quantile (scipy.stats.chi2.ppf(0.999, 6)),
    # so a correct sampler fails this fixed-seed test with probability 0.001 over seeds.
    rng = np.random.default_rng(2024)
    n = 4000
    kinds: list[str] = [_draw(rng).kind for _ in range(n)]
    labels = ("sinc", *K.KERNEL_FAMILIES)
    observed = np.array([kinds.count(label) for label in labels])
    expected = n * np.array([0.1, *(0.9 * p for p in PROBS)])
    statistic = float(((observed - expected) ** 2 / expected).sum())
    assert statistic < stats.chi2.ppf(0.999, df=6)


def test_kernel_sizes_are_uniform_over_the_odd_range() -> None:
    # Expected: each of the 8 sizes with probability 1/8 (random.choice over kernel_range); chi-square, 7 dof.
    rng = np.random.default_rng(7)
    sizes = [_draw(rng).size for _ in range(2000)]
    observed = np.array([sizes.count(s) for s in SIZES])
    assert float(((observed - 250) ** 2 / 250).sum()) < stats.chi2.ppf(0.999, df=7)


def test_sampled_parameters_lie_in_their_ranges() -> None:
    # Ranges from train_realesrgan_x2plus.yml; sinc cut-offs from realesrgan_dataset.py.
    rng = np.random.default_rng(3)
    seen_beta_one = 0
    for _ in range(1500):
        k = _draw(rng)
        if k.kind == "sinc":
            low = math.pi / 3 if k.size < 13 else math.pi / 5
            assert k.omega_c is not None and low <= k.omega_c <= math.pi
            continue
        assert k.sigma_x is not None and k.sigma_y is not None
        assert 0.2 <= k.sigma_x <= 3.0 and 0.2 <= k.sigma_y <= 3.0
        if k.kind in ("iso", "generalized_iso", "plateau_iso"):
            assert k.sigma_x == k.sigma_y and k.theta == 0.0
        else:
            assert k.theta is not None and -math.pi <= k.theta <= math.pi
        if k.kind.startswith("generalized"):
            assert k.beta is not None and 0.5 <= k.beta <= 4.0
        if k.kind.startswith("plateau"):
            assert k.beta is not None and 1.0 <= k.beta <= 2.0
            seen_beta_one += k.beta == 1.0
    # The official beta rule draws uniform(1, 1) = 1 for half of the plateau kernels (betap_range [1, 2]).
    assert seen_beta_one > 0


def test_final_sinc_probability_and_cutoff_range() -> None:
    # Expected: sinc with probability 0.8 (final_sinc_prob), cut-off in [pi/3, pi]; binomial bound of
    # +-4 standard deviations: sqrt(2000 * 0.8 * 0.2) = 17.9.
    rng = np.random.default_rng(5)
    draws = [K.sample_final_sinc(rng, prob=0.8, sizes=SIZES, pad_to=21) for _ in range(2000)]
    sincs = [d for d in draws if d.kind == "sinc"]
    assert abs(len(sincs) - 1600) < 4 * math.sqrt(2000 * 0.8 * 0.2)
    assert all(d.omega_c is not None and math.pi / 3 <= d.omega_c <= math.pi for d in sincs)
    assert all(d.kernel.shape == (21, 21) and d.kernel.sum() == pytest.approx(1.0) for d in draws)


def test_sampling_uses_only_the_given_generator() -> None:
    # Neither NumPy's nor Python's global generator may move: seeding stays explicit.
    np_state, py_state = np.random.get_state(legacy=False), random.getstate()  # noqa: NPY002 (the point)
    first = [_draw(np.random.default_rng(11)).kernel for _ in range(3)]
    second = [_draw(np.random.default_rng(11)).kernel for _ in range(3)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert random.getstate() == py_state
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert np.array_equal(after["state"]["key"], np_state["state"]["key"])
    assert after["state"]["pos"] == np_state["state"]["pos"] and after["gauss"] == np_state["gauss"]
