"""BasicSR 1.4.2 metric references: PSNR, SSIM, NIQE (scores and model fits), MATLAB-style imresize.

    python -m tools.reference.basicsr_metrics      # writes tests/fixtures/reference/basicsr_metrics.json

Needs the ``reference`` extra (see tools/reference/README.md). Every number comes from a BasicSR
function called on the inputs of :mod:`tools.reference.inputs`; the NIQE model fit, which BasicSR does
not ship, is the MATLAB ``estimatemodelparam.m`` procedure assembled from BasicSR's building blocks
(``compute_feature``, the stored Gaussian window, ``imresize``), exactly as its ``niqe`` uses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import convolve

from tools.reference import _shim, inputs
from tools.reference._fixture import write_fixture

SCRIPT = "tools/reference/basicsr_metrics.py"


def psnr_ssim() -> list[dict[str, Any]]:
    from basicsr.metrics.psnr_ssim import calculate_psnr, calculate_ssim

    rows = []
    for seed, size in inputs.PSNR_SSIM_CASES:
        target, test = (inputs.to_uint8(a) for a in inputs.structured_pair(seed, size))
        # input_order "HWC" with 2-D arrays: BasicSR adds the channel axis itself.
        rows.append(
            {
                "seed": seed,
                "size": size,
                "psnr": float(calculate_psnr(target, test, crop_border=0)),
                "ssim": float(calculate_ssim(target, test, crop_border=0)),
            }
        )
    return rows


def niqe_scores() -> list[dict[str, Any]]:
    from basicsr.metrics.niqe import calculate_niqe

    rows = []
    for kind, size, seed, crop in inputs.NIQE_CASES:
        score = calculate_niqe(inputs.make_image(kind, size, seed), crop, input_order="HW")
        rows.append({"kind": kind, "size": size, "seed": seed, "crop": crop, "niqe": float(score)})
    return rows


def _pristine() -> Any:
    import basicsr.metrics.niqe as module

    return np.load(Path(module.__file__).parent / "niqe_pris_params.npz")


def _patch_features(image: np.ndarray, window: np.ndarray, patch: int) -> tuple[np.ndarray, np.ndarray]:
    """36 features and the sharpness of every whole patch, as BasicSR's ``niqe`` computes the features."""
    from basicsr.metrics.niqe import compute_feature
    from basicsr.utils.matlab_functions import imresize

    img = image.astype(np.float32).round()
    rows, cols = img.shape[0] // patch, img.shape[1] // patch
    img = img[: rows * patch, : cols * patch]
    per_scale, sharpness = [], None
    for scale in (1, 2):
        mu = convolve(img, window, mode="nearest")
        sigma = np.sqrt(np.abs(convolve(np.square(img), window, mode="nearest") - np.square(mu)))
        normalised = (img - mu) / (sigma + 1)
        step = patch // scale
        blocks = [
            (slice(r * step, (r + 1) * step), slice(c * step, (c + 1) * step)) for c in range(cols) for r in range(rows)
        ]
        per_scale.append(np.array([compute_feature(normalised[block]) for block in blocks]))
        if scale == 1:
            # estimatemodelparam.m: a patch's sharpness is the mean local sigma over it, at full scale.
            sharpness = np.array([sigma[block].mean() for block in blocks])
            img = imresize(img / 255.0, scale=0.5, antialiasing=True) * 255.0
    assert sharpness is not None
    return np.concatenate(per_scale, axis=1), sharpness


def niqe_fits() -> list[dict[str, Any]]:
    window = _pristine()["gaussian_window"]
    rows = []
    for images, threshold in inputs.NIQE_FITS:
        kept = []
        for kind, size, seed in images:
            features, sharpness = _patch_features(inputs.make_image(kind, size, seed), window, 96)
            kept.append(features[sharpness > threshold * sharpness.max()])
        features = np.concatenate(kept)
        complete = features[~np.isnan(features).any(axis=1)]
        cov = np.cov(complete, rowvar=False)
        rows.append(
            {
                "images": [list(image) for image in images],
                "sharpness_threshold": threshold,
                "n_patches": len(features),
                "mu": np.nanmean(features, axis=0).tolist(),
                "cov_trace": float(np.trace(cov)),
            }
        )
    return rows


def imresize_half() -> list[list[float]]:
    from basicsr.utils.matlab_functions import imresize

    return imresize(inputs.imresize_input(), 0.5).astype(np.float64).tolist()  # type: ignore[no-any-return]


def main() -> None:
    _shim.install()
    pristine = _pristine()
    data = {
        "psnr_ssim": psnr_ssim(),
        "niqe": niqe_scores(),
        "niqe_fit": niqe_fits(),
        "niqe_pristine": {
            "mu": pristine["mu_pris_param"].ravel().tolist(),
            "cov": pristine["cov_pris_param"].tolist(),
            "gaussian_window": pristine["gaussian_window"].tolist(),
        },
        "imresize_half_7x9": imresize_half(),
    }
    packages = ("basicsr", "numpy", "scipy", "torch", "opencv-python-headless")
    print(write_fixture("basicsr_metrics", SCRIPT, packages, data))


if __name__ == "__main__":
    main()
