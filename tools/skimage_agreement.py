"""Print the largest difference between our PSNR/SSIM/NRMSE and scikit-image's (docs/metrics.md, "Agreement").

Usage (from the repository root)::

    python -m tools.skimage_agreement

The cases are those of ``tests/metrics/test_agreement.py``: the structured pairs of ``tools/reference/inputs.py``
(seeds 0 and 1) at 256x256 and 512x512 stored as uint8, uint16 (12-bit) and float64; the odd shapes 11x11,
12x300, 267x203 and 500x37; and float32 input (compared with scikit-image on its float64 copy). It prints one
line per metric: the maximum absolute difference over every case, and whether every value was bit-identical.
Nothing is stored: the tests compare with scikit-image live (it is a test dependency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import skimage
from scipy.ndimage import gaussian_filter
from skimage.metrics import normalized_root_mse, peak_signal_noise_ratio, structural_similarity

from microsr_bench.metrics import nrmse, psnr, ssim
from tools.reference.inputs import structured_pair

Case = tuple[np.ndarray, np.ndarray, float]


def _cases() -> Iterator[Case]:
    """(target, test, data_range) for every case of tests/metrics/test_agreement.py's scikit-image tests."""
    for size in (256, 512):
        for seed in (0, 1):
            target, test = structured_pair(seed, size)
            yield target, test, 1.0
            for dtype, peak in (("uint8", 255), ("uint16", 4095)):
                yield np.round(target * peak).astype(dtype), np.round(test * peak).astype(dtype), float(peak)
    rng = np.random.default_rng(3)
    for shape in ((11, 11), (12, 300), (267, 203), (500, 37)):
        target = gaussian_filter(rng.random(shape), 1.0)
        yield target, target + 0.05 * rng.standard_normal(shape), 1.0
    t32, x32 = (a.astype(np.float32) for a in structured_pair(2, 256))
    yield t32, x32, 1.0


def _skimage_ssim(target: np.ndarray, test: np.ndarray, data_range: float) -> float:
    return float(
        structural_similarity(
            target, test, data_range=data_range, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
        )
    )


#: metric -> (ours, scikit-image's); float32 is widened to float64 for scikit-image as we do (docs/metrics.md).
METRICS: dict[str, tuple[Callable[[np.ndarray, np.ndarray, float], float], Callable[..., float]]] = {
    "psnr": (
        lambda t, x, r: float(psnr(t, x, data_range=r)),
        lambda t, x, r: float(peak_signal_noise_ratio(t, x, data_range=r)),
    ),
    "ssim": (lambda t, x, r: float(ssim(t, x, data_range=r)), _skimage_ssim),
    "nrmse": (
        lambda t, x, r: float(nrmse(t, x)),
        lambda t, x, r: float(normalized_root_mse(t, x, normalization="min-max")),
    ),
}


def agreement() -> dict[str, tuple[float, bool, int]]:
    """metric -> (max |ours - scikit-image|, all bit-identical, number of cases)."""
    out = {}
    cases = list(_cases())
    for name, (ours, theirs) in METRICS.items():
        diffs = []
        for target, test, data_range in cases:
            wide = [a.astype(np.float64) if a.dtype == np.float32 else a for a in (target, test)]
            diffs.append(abs(ours(target, test, data_range) - theirs(*wide, data_range)))
        out[name] = (max(diffs), all(d == 0.0 for d in diffs), len(cases))
    return out


def main() -> None:
    print(f"scikit-image {skimage.__version__}")
    for name, (worst, exact, n) in agreement().items():
        print(f"{name}: max |difference| {worst:.2g} over {n} cases{' (bit-identical)' if exact else ''}")


if __name__ == "__main__":
    main()
