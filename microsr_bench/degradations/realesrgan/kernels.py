"""Blur kernels of the Real-ESRGAN degradation: Gaussian, generalized Gaussian, plateau and 2-D sinc.

The families follow Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure
Synthetic Data" (ICCVW 2021), section 3.2, as implemented in BasicSR ``basicsr/data/degradations.py``
(``bivariate_Gaussian``, ``bivariate_generalized_Gaussian``, ``bivariate_plateau``,
``circular_lowpass_kernel``) and sampled as in Real-ESRGAN ``realesrgan/data/realesrgan_dataset.py``.
Every kernel is normalised to sum 1 and zero-padded to a fixed square support (21 x 21 officially), so
that a batch of kernels of different sizes stacks into one tensor. All randomness comes from an explicit
``numpy.random.Generator``; the global NumPy and Python generators are never touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

KernelFamily = Literal["iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"]
#: The six families of ``kernel_list`` in the official options files, in their order.
KERNEL_FAMILIES: tuple[KernelFamily, ...] = (
    "iso",
    "aniso",
    "generalized_iso",
    "generalized_aniso",
    "plateau_iso",
    "plateau_aniso",
)
#: What a sampled kernel can be: one of the families, a sinc (circular low-pass) or the identity pulse.
KernelKind = Literal[
    "iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso", "sinc", "pulse"
]

#: Official sinc cut-off ranges (realesrgan_dataset.py): kernels narrower than 13 taps use [pi/3, pi]
#: because a small support cannot represent a low cut-off; wider kernels go down to pi/5.
SINC_SMALL_KERNEL_LIMIT = 13
SINC_CUTOFF_SMALL = (math.pi / 3, math.pi)
SINC_CUTOFF_LARGE = (math.pi / 5, math.pi)
#: The final sinc filter always draws its cut-off from [pi/3, pi], whatever its size.
FINAL_SINC_CUTOFF = (math.pi / 3, math.pi)


@dataclass(frozen=True, eq=False)
class SampledKernel:
    """One drawn kernel and the parameters it was drawn with (``None`` where a parameter does not apply)."""

    #: Family name, ``"sinc"`` for a circular low-pass filter or ``"pulse"`` for the identity.
    kind: KernelKind
    #: Odd support before zero-padding (7..21 officially); 1 for the pulse.
    size: int
    #: The kernel, zero-padded to ``pad_to x pad_to``, float64, summing to 1.
    kernel: np.ndarray
    #: Standard deviations along the two principal axes (pixels); equal for isotropic families.
    sigma_x: float | None = None
    sigma_y: float | None = None
    #: Rotation of the principal axes (radians).
    theta: float | None = None
    #: Shape parameter of the generalized Gaussian or plateau families.
    beta: float | None = None
    #: Cut-off angular frequency of the sinc filter (radians per pixel, pi is Nyquist).
    omega_c: float | None = None


def _centered_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Column (x) and row (y) offsets from the centre of an odd ``size x size`` support."""
    axis = np.arange(size, dtype=np.float64) - (size - 1) / 2
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy


def mahalanobis_sq(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """``p^T Sigma^-1 p`` on the grid, with ``Sigma = R(theta) diag(sigma_x^2, sigma_y^2) R(theta)^T``."""
    xx, yy = _centered_grid(size)
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    # Coordinates in the rotated frame R^T p, where the covariance is diagonal.
    u = cos_t * xx + sin_t * yy
    v = -sin_t * xx + cos_t * yy
    return np.asarray(u**2 / sigma_x**2 + v**2 / sigma_y**2)


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """Bivariate Gaussian ``exp(-q/2)``, normalised to sum 1 (isotropic when ``sigma_x == sigma_y``)."""
    kernel = np.exp(-0.5 * mahalanobis_sq(size, sigma_x, sigma_y, theta))
    return np.asarray(kernel / kernel.sum())


def generalized_gaussian_kernel(size: int, sigma_x: float, sigma_y: float, theta: float, beta: float) -> np.ndarray:
    """Generalized Gaussian ``exp(-q^beta / 2)`` (Pascal et al. 2013); ``beta = 1`` is the Gaussian."""
    kernel = np.exp(-0.5 * np.power(mahalanobis_sq(size, sigma_x, sigma_y, theta), beta))
    return np.asarray(kernel / kernel.sum())


def plateau_kernel(size: int, sigma_x: float, sigma_y: float, theta: float, beta: float) -> np.ndarray:
    """Plateau-shaped kernel ``1 / (1 + q^beta)``: flat top, heavy tails; normalised to sum 1."""
    kernel = np.reciprocal(np.power(mahalanobis_sq(size, sigma_x, sigma_y, theta), beta) + 1.0)
    return np.asarray(kernel / kernel.sum())


def sinc_kernel(size: int, omega_c: float) -> np.ndarray:
    """Circularly symmetric ideal low-pass filter ``omega_c J1(omega_c r) / (2 pi r)``, truncated, sum 1.

    This is the inverse 2-D Fourier transform of a disc of radius ``omega_c`` in frequency; its value at
    ``r = 0`` is the limit ``omega_c^2 / (4 pi)``. Truncation to ``size`` taps ripples the pass band (the
    ringing and overshoot Real-ESRGAN wants to simulate).
    """
    xx, yy = _centered_grid(size)
    radius = np.hypot(xx, yy)
    safe = np.where(radius > 0, radius, 1.0)
    kernel = np.where(radius > 0, omega_c * special.j1(omega_c * safe) / (2 * math.pi * safe), 0.0)
    kernel[size // 2, size // 2] = omega_c**2 / (4 * math.pi)
    return np.asarray(kernel / kernel.sum())


def pad_kernel(kernel: np.ndarray, pad_to: int) -> np.ndarray:
    """Zero-pad an odd square kernel symmetrically to ``pad_to x pad_to`` (both odd, ``pad_to >= size``)."""
    pad = (pad_to - kernel.shape[0]) // 2
    return np.pad(kernel, ((pad, pad), (pad, pad)))


def pulse_kernel(pad_to: int) -> SampledKernel:
    """The identity kernel (a centred unit pulse): filtering with it leaves an image unchanged."""
    kernel = np.zeros((pad_to, pad_to))
    kernel[pad_to // 2, pad_to // 2] = 1.0
    return SampledKernel(kind="pulse", size=1, kernel=kernel)


def _sample_beta(rng: np.random.Generator, beta_range: tuple[float, float]) -> float:
    # Official rule: half of the draws below 1, half above (the range is assumed to contain 1). With the
    # official plateau range [1, 2] the lower half is uniform(1, 1), i.e. beta is exactly 1 half the time.
    if rng.uniform() < 0.5:
        return float(rng.uniform(beta_range[0], 1.0))
    return float(rng.uniform(1.0, beta_range[1]))


def sample_family_kernel(
    rng: np.random.Generator,
    family: KernelFamily,
    size: int,
    *,
    sigma_range: tuple[float, float],
    betag_range: tuple[float, float],
    betap_range: tuple[float, float],
    pad_to: int,
) -> SampledKernel:
    """Draw one kernel of a given family as BasicSR's ``random_mixed_kernels`` does (no kernel noise).

    Isotropic families draw one sigma; anisotropic ones draw two independent sigmas from the same range
    and a rotation uniform in [-pi, pi].
    """
    sigma_x = float(rng.uniform(*sigma_range))
    if family.endswith("aniso"):
        sigma_y = float(rng.uniform(*sigma_range))
        theta = float(rng.uniform(-math.pi, math.pi))
    else:
        sigma_y, theta = sigma_x, 0.0
    beta: float | None = None
    if family.startswith("generalized"):
        beta = _sample_beta(rng, betag_range)
        kernel = generalized_gaussian_kernel(size, sigma_x, sigma_y, theta, beta)
    elif family.startswith("plateau"):
        beta = _sample_beta(rng, betap_range)
        kernel = plateau_kernel(size, sigma_x, sigma_y, theta, beta)
    else:
        kernel = gaussian_kernel(size, sigma_x, sigma_y, theta)
    return SampledKernel(
        kind=family,
        size=size,
        kernel=pad_kernel(kernel, pad_to),
        sigma_x=sigma_x,
        sigma_y=sigma_y,
        theta=theta,
        beta=beta,
    )


def sample_blur_kernel(
    rng: np.random.Generator,
    *,
    families: tuple[KernelFamily, ...],
    probs: tuple[float, ...],
    sizes: tuple[int, ...],
    sigma_range: tuple[float, float],
    betag_range: tuple[float, float],
    betap_range: tuple[float, float],
    sinc_prob: float,
    pad_to: int,
) -> SampledKernel:
    """Draw a stage's blur kernel: a sinc with probability ``sinc_prob``, else a family by ``probs``.

    The support is uniform over ``sizes``; a sinc's cut-off is uniform in [pi/3, pi] below 13 taps and
    in [pi/5, pi] from 13 taps (``realesrgan_dataset.py``, ``__getitem__``).
    """
    size = int(sizes[int(rng.integers(len(sizes)))])
    if rng.uniform() < sinc_prob:
        low, high = SINC_CUTOFF_SMALL if size < SINC_SMALL_KERNEL_LIMIT else SINC_CUTOFF_LARGE
        omega_c = float(rng.uniform(low, high))
        return SampledKernel(
            kind="sinc", size=size, kernel=pad_kernel(sinc_kernel(size, omega_c), pad_to), omega_c=omega_c
        )
    weights = np.asarray(probs, dtype=np.float64)
    family = families[int(rng.choice(len(families), p=weights / weights.sum()))]
    return sample_family_kernel(
        rng,
        family,
        size,
        sigma_range=sigma_range,
        betag_range=betag_range,
        betap_range=betap_range,
        pad_to=pad_to,
    )


def sample_final_sinc(rng: np.random.Generator, *, prob: float, sizes: tuple[int, ...], pad_to: int) -> SampledKernel:
    """Draw the final filter: a sinc (size uniform over ``sizes``, cut-off in [pi/3, pi]) or the pulse."""
    if rng.uniform() >= prob:
        return pulse_kernel(pad_to)
    size = int(sizes[int(rng.integers(len(sizes)))])
    omega_c = float(rng.uniform(*FINAL_SINC_CUTOFF))
    return SampledKernel(kind="sinc", size=size, kernel=pad_kernel(sinc_kernel(size, omega_c), pad_to), omega_c=omega_c)
