"""Inputs shared by the reference scripts and the tests: images, deterministic weights.

Both sides build the same inputs from the same seeds, so a fixture stores only the official outputs.
Only NumPy draws the numbers (its generators are stable across versions; torch's are not promised to be).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import gaussian_filter


def structured_pair(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A target in [0, 1] (smoothed noise squared plus bright spots) and a blurred, noisy copy; float64."""
    rng = np.random.Generator(np.random.PCG64(seed))
    base = gaussian_filter(rng.standard_normal((size, size)), 4.0)
    base = (base - base.min()) / (base.max() - base.min())
    spots = gaussian_filter((rng.random((size, size)) > 0.995).astype(np.float64), 1.5)
    target = np.clip(0.7 * base**2 + 0.3 * spots / spots.max(), 0.0, 1.0)
    test = np.clip(gaussian_filter(target, 1.0) + 0.03 * rng.standard_normal((size, size)), 0.0, 1.0)
    return target, test


def to_uint8(image: np.ndarray) -> np.ndarray:
    """``[0, 1]`` float to 8 bits as the paper recipe quantises: ``clip(round(255 x), 0, 255)``."""
    return np.clip(np.round(image * 255), 0, 255).astype(np.uint8)


#: (seed, size) of the PSNR/SSIM pairs scored with BasicSR.
PSNR_SSIM_CASES = ((0, 256), (0, 512), (1, 256), (1, 512))


def _smooth(noise: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass by FFT (periodic), to make structured test images with NumPy only."""
    fy = np.fft.fftfreq(noise.shape[0])[:, None]
    fx = np.fft.fftfreq(noise.shape[1])[None, :]
    return np.fft.ifft2(np.fft.fft2(noise) * np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))).real


def make_image(kind: str, size: int, seed: int) -> np.ndarray:
    """8-bit test images: smooth texture, Poisson-noisy 'cells', sparse spots on a black background."""
    rng = np.random.default_rng(seed)
    if kind == "smooth":
        x = _smooth(rng.standard_normal((size, size)), 3.0)
        x = (x - x.min()) / (x.max() - x.min()) + 0.02 * rng.standard_normal((size, size))
    elif kind == "cells":
        x = _smooth(rng.standard_normal((size, size)), 6.0)
        x = np.clip((x - x.mean()) / x.std(), 0, None) ** 2
        x = rng.poisson(40 * x / x.max() + 1) / 45.0
    else:
        x = np.zeros((size, size))
        yy, xx = np.mgrid[:size, :size]
        for cy, cx, r in zip(rng.integers(0, size, 12), rng.integers(0, size, 12), rng.uniform(4, 12, 12), strict=True):
            x += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
        x = x / x.max()
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


#: (kind, size, seed, crop_border) of the NIQE scores computed with BasicSR.
NIQE_CASES = tuple(
    (kind, size, seed, crop)
    for kind in ("smooth", "cells", "sparse")
    for size in (256, 512)
    for seed in (0, 1)
    for crop in (0, 4)
)

#: The two NIQE model fits: (images as (kind, size, seed), sharpness threshold).
NIQE_FITS = (
    ((("cells", 512, 0), ("smooth", 512, 0)), 0.0),
    ((("cells", 512, 1), ("smooth", 512, 1), ("sparse", 512, 1)), 0.75),
)


def imresize_input() -> np.ndarray:
    """A 7x9 image: odd sides exercise the ``ceil`` output size and the mirrored borders."""
    return np.random.default_rng(7).random((7, 9))


def inception_input() -> np.ndarray:
    """Three 70x90 grayscale images in [0, 1], float32 (resized to 299x299 inside both networks)."""
    return np.random.default_rng(123).random((3, 70, 90)).astype(np.float32)


def network_input(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """A float32 image batch in [0, 1]."""
    return torch.from_numpy(np.random.default_rng(seed).random(shape).astype(np.float32))


def deterministic_state(state: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    """Values for every floating tensor of a state dict, drawn by NumPy over the sorted names.

    Convolution weights are He-scaled normals; batch-norm scales and running variances near 1; biases,
    means and everything else small normals; spectral-norm ``weight_u`` / ``weight_v`` unit vectors.
    The same names and shapes give the same values in our networks and in the official ones.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for name, tensor in sorted(state.items()):
        shape = tuple(tensor.shape)
        if not tensor.is_floating_point():
            out[name] = tensor.clone()
            continue
        if name.endswith(("weight_u", "weight_v")):
            values = rng.standard_normal(shape)
            values /= np.linalg.norm(values)
        elif tensor.ndim == 4:
            values = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
        elif name.endswith(("bn.weight", "running_var")):
            values = 1.0 + (0.1 * rng.standard_normal(shape) if name.endswith("weight") else 0.5 * rng.random(shape))
        elif name.endswith(("bn.bias", "running_mean")):
            values = 0.1 * rng.standard_normal(shape)
        else:
            values = 0.01 * rng.standard_normal(shape)
        out[name] = torch.from_numpy(values.astype(np.float32))
    return out


#: Generator configurations compared with BasicSR's RRDBNet (keyword arguments, input shape).
RRDBNET_CASES = (
    ({"num_in_ch": 3, "num_out_ch": 3, "scale": 2, "num_feat": 16, "num_block": 2, "num_grow_ch": 8}, (1, 3, 12, 8)),
    ({"num_in_ch": 1, "num_out_ch": 1, "scale": 4, "num_feat": 8, "num_block": 1, "num_grow_ch": 4}, (1, 1, 6, 6)),
)
#: Discriminator configurations compared with Real-ESRGAN's UNetDiscriminatorSN.
DISCRIMINATOR_CASES = (
    ({"num_in_ch": 3, "num_feat": 16, "skip_connection": True}, (1, 3, 16, 16)),
    ({"num_in_ch": 1, "num_feat": 8, "skip_connection": False}, (1, 1, 16, 8)),
)


def state_table(state: dict[str, torch.Tensor]) -> list[list[object]]:
    """``[name, shape]`` of every entry of a state dict, in its order."""
    return [[name, list(tensor.shape)] for name, tensor in state.items()]
