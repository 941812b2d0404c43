"""Scoring speed, side by side in one run: PSNR + SSIM, the scorer's hot path, and NIQE against references.

1. PSNR + SSIM: microsr_bench's batched metrics against a per-image scikit-image loop, same images.
2. The hot path: the scorer scores the frames of one field together against their shared HR target
   (``score_group``, three recipes) against preparing each pair and calling scikit-image per image.
3. NIQE against BasicSR's ``calculate_niqe`` (``benchmarks/niqe_speed.py``; measured now when
   ``--basicsr-root`` points at a BasicSR source tree, else against values and timings recorded once).

Run: ``python benchmarks/scoring.py [--pairs 64] [--size 512] [--repeats 3]``. Both sides score the same
seeded, structured float64 pairs (smoothed noise plus bright spots, and a blurred noisy copy); scikit-image
uses ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1)`` and ``peak_signal_noise_ratio(data_range=1)``, the definitions microsr_bench matches.
Each side runs ``--repeats`` times, interleaved so that load from other processes hits both alike, and the
fastest run of each is reported with the speed ratio and the largest absolute difference of the scores.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
from scipy.ndimage import gaussian_filter
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from microsr_bench.metrics import psnr, ssim

Scores = tuple[np.ndarray, np.ndarray]


def make_pairs(n_pairs: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_pairs`` targets in [0, 1] (smoothed noise plus spots) and degraded copies, float64."""
    rng = np.random.Generator(np.random.PCG64(seed))
    targets = np.empty((n_pairs, size, size))
    tests = np.empty_like(targets)
    for i in range(n_pairs):
        base = gaussian_filter(rng.standard_normal((size, size)), 4.0)
        base = (base - base.min()) / (base.max() - base.min())
        spots = gaussian_filter((rng.random((size, size)) > 0.995).astype(np.float64), 1.5)
        targets[i] = np.clip(0.7 * base**2 + 0.3 * spots / spots.max(), 0.0, 1.0)
        noise = 0.03 * rng.standard_normal((size, size))
        tests[i] = np.clip(gaussian_filter(targets[i], 1.0) + noise, 0.0, 1.0)
    return targets, tests


def skimage_loop(targets: np.ndarray, tests: np.ndarray) -> Scores:
    """The reference: one scikit-image call per image and metric."""
    p = [peak_signal_noise_ratio(t, x, data_range=1.0) for t, x in zip(targets, tests, strict=True)]
    s = [
        structural_similarity(t, x, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
        for t, x in zip(targets, tests, strict=True)
    ]
    return np.asarray(p), np.asarray(s)


def ours(targets: np.ndarray, tests: np.ndarray) -> Scores:
    """microsr_bench: one batched call per metric, on up to ``torch.get_num_threads()`` threads."""
    return np.asarray(psnr(targets, tests, data_range=1.0)), np.asarray(ssim(targets, tests, data_range=1.0))


def ours_one_thread(targets: np.ndarray, tests: np.ndarray) -> Scores:
    """microsr_bench limited to one thread: the like-for-like comparison with the scikit-image loop."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return ours(targets, tests)
    finally:
        torch.set_num_threads(threads)


def _timed(fn: Callable[[np.ndarray, np.ndarray], Scores], *args: np.ndarray) -> tuple[float, Scores]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=64, help="image pairs to score (default 64)")
    parser.add_argument("--size", type=int, default=512, help="side of the square images (default 512)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side; the fastest counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--basicsr-root",
        default=os.environ.get("MICROSR_BENCH_BASICSR_ROOT"),
        help="a BasicSR 1.4.2 source tree to time calculate_niqe now (else recorded figures)",
    )
    parser.add_argument(
        "--scorer-size",
        choices=["full", "small", "tiny"],
        default=None,
        help="also time the scorer end to end on all four test splits of the simulated data of this size",
    )
    parser.add_argument("--scorer-workers", type=int, default=2, help="worker processes compared with one")
    parser.add_argument(
        "--scorer-datasets",
        default="all",
        help="sub-datasets whose test splits --scorer-size scores, comma-separated (default: all four)",
    )
    parser.add_argument(
        "--scorer-only", action="store_true", help="only the end-to-end scorer run (needs --scorer-size)"
    )
    parser.add_argument("--cache-dir", default=None, help="data cache for --scorer-size (default: the usual)")
    parser.add_argument("--skip-niqe", action="store_true", help="leave out the NIQE comparison")
    parser.add_argument(
        "--profile", action="store_true", help="only the per-dtype breakdown of where the time goes (one thread)"
    )
    parser.add_argument(
        "--sharing",
        action="store_true",
        help="only the scorer's full metric set: SSIM and MS-SSIM sharing one filtering against each metric alone",
    )
    args = parser.parse_args()
    if args.profile:
        profile_dtypes(*make_pairs(args.pairs, args.size, args.seed), args.repeats)
        return
    if args.scorer_only:
        if not args.scorer_size:
            parser.error("--scorer-only needs --scorer-size")
        scorer_comparison(args.scorer_size, args.scorer_workers, args.cache_dir, args.scorer_datasets)
        return
    if args.sharing:
        targets, tests = make_pairs(args.pairs, args.size, args.seed)
        metric_sharing(targets[0], tests, args.repeats)
        return
    targets, tests = make_pairs(args.pairs, args.size, args.seed)
    ours(targets[:2], tests[:2])  # warm-up: thread pools, caches
    sides = {"skimage": skimage_loop, "ours": ours, "ours-1t": ours_one_thread}
    times: dict[str, list[float]] = {name: [] for name in sides}
    results: dict[str, Scores] = {}
    for _ in range(args.repeats):
        for name, fn in sides.items():
            elapsed, results[name] = _timed(fn, targets, tests)
            times[name].append(elapsed)
    best = {name: min(t) for name, t in times.items()}
    d_psnr = max(float(np.max(np.abs(results[k][0] - results["skimage"][0]))) for k in ("ours", "ours-1t"))
    d_ssim = max(float(np.max(np.abs(results[k][1] - results["skimage"][1]))) for k in ("ours", "ours-1t"))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f} (1 min)"
    )
    print(f"{args.pairs} pairs of {args.size}x{args.size}, PSNR + SSIM, best of {args.repeats}")
    for name in sides:
        runs = ", ".join(f"{t * 1e3 / args.pairs:.2f}" for t in times[name])
        print(f"  {name:8s} {best[name] * 1e3 / args.pairs:7.2f} ms/pair  (runs: {runs})")
    print(
        f"  speed-up {best['skimage'] / best['ours']:.1f}x ({torch.get_num_threads()} threads), "
        f"{best['skimage'] / best['ours-1t']:.1f}x (1 thread)"
    )
    print(f"  max |difference|: PSNR {d_psnr:.2e} dB, SSIM {d_ssim:.2e}")
    dtype_comparison(targets, tests, args.repeats)
    hot_path(targets[0], tests, args.repeats)
    metric_sharing(targets[0], tests, args.repeats)
    if args.scorer_size:
        scorer_comparison(args.scorer_size, args.scorer_workers, args.cache_dir, args.scorer_datasets)
    if not args.skip_niqe:
        niqe_comparison(args.repeats, args.basicsr_root)


#: Integer codings of the same [0, 1] pairs: (dtype, data_range); scikit-image and microsr_bench get the
#: same integer arrays and the same explicit data_range.
DTYPES = (("uint8", 255), ("uint16", 4095), ("float32", 1.0), ("float64", 1.0))


def _coded(images: np.ndarray, dtype: str, data_range: float) -> np.ndarray:
    if dtype.startswith("float"):
        return images.astype(dtype)
    return np.round(images * data_range).astype(dtype)


def dtype_comparison(targets: np.ndarray, tests: np.ndarray, repeats: int) -> None:
    """PSNR + SSIM per input dtype: microsr_bench against the scikit-image loop on the same arrays."""
    print(f"PSNR + SSIM per input dtype ({len(targets)} pairs, best of {repeats}, interleaved)")
    for dtype, data_range in DTYPES:
        t, x = _coded(targets, dtype, data_range), _coded(tests, dtype, data_range)

        def reference(t: np.ndarray, x: np.ndarray, r: float = data_range) -> Scores:
            p = [peak_signal_noise_ratio(a, b, data_range=r) for a, b in zip(t, x, strict=True)]
            s = [
                structural_similarity(a, b, data_range=r, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
                for a, b in zip(t, x, strict=True)
            ]
            return np.asarray(p), np.asarray(s)

        def mine(t: np.ndarray, x: np.ndarray, r: float = data_range) -> Scores:
            return np.asarray(psnr(t, x, data_range=r)), np.asarray(ssim(t, x, data_range=r))

        mine(t[:2], x[:2])
        best_ref = best_mine = float("inf")
        for _ in range(repeats):
            t_ref, expected = _timed(reference, t, x)
            t_mine, got = _timed(mine, t, x)
            best_ref, best_mine = min(best_ref, t_ref), min(best_mine, t_mine)
        finite = np.isfinite(expected[0])
        diff_p = float(np.max(np.abs(got[0][finite] - expected[0][finite]), initial=0.0))
        diff_s = float(np.max(np.abs(got[1] - expected[1])))
        n = len(t)
        print(
            f"  {dtype:8s} scikit-image {best_ref * 1e3 / n:6.2f} ms/pair, microsr_bench {best_mine * 1e3 / n:5.2f} "
            f"ms/pair: {best_ref / best_mine:4.1f}x  (max |diff| PSNR {diff_p:.1e}, SSIM {diff_s:.1e})"
        )


def profile_dtypes(targets: np.ndarray, tests: np.ndarray, repeats: int) -> None:
    """Per dtype, on one thread: conversion to float64, PSNR, SSIM and its stages, scikit-image's PSNR and SSIM."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    print(f"where the time goes, ms/pair on one thread, load average {os.getloadavg()[0]:.2f} (1 min)")
    try:
        for dtype, r in DTYPES:
            print(f"  {dtype:8s} " + _profile_one(_coded(targets, dtype, r), _coded(tests, dtype, r), r, repeats))
    finally:
        torch.set_num_threads(threads)


def _profile_one(t: np.ndarray, x: np.ndarray, r: float, repeats: int) -> str:
    from microsr_bench.metrics.ssim_plan import ssim_and_cs

    def best(fn: Callable[[], object]) -> float:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return min(runs) * 1e3 / len(t)

    f_t, f_x = t.astype(np.float64), x.astype(np.float64)

    def convert() -> None:
        for image in (*t, *x):  # one at a time and dropped, as the metrics do (a kept list would page-fault)
            np.ascontiguousarray(image, dtype=np.float64)

    conv = best(convert)
    engine = best(lambda: [ssim_and_cs(a, b, r) for a, b in zip(f_t, f_x, strict=True)])
    p_ours, s_ours = best(lambda: psnr(t, x, data_range=r)), best(lambda: ssim(t, x, data_range=r))
    kw = {"data_range": r, "gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}
    s_ref = best(lambda: [structural_similarity(a, b, **kw) for a, b in zip(t, x, strict=True)])
    p_ref = best(lambda: [peak_signal_noise_ratio(a, b, data_range=r) for a, b in zip(t, x, strict=True)])
    return (
        f"ours: psnr {p_ours:5.2f}, ssim {s_ours:5.2f} (conversion of both images {conv:4.2f}, SSIM kernel on "
        f"float64 copies {engine:4.2f}) | scikit-image: psnr {p_ref:5.2f}, ssim {s_ref:6.2f} | one-thread ratio "
        f"{(p_ref + s_ref) / (p_ours + s_ours):4.1f}x"
    )


def scorer_comparison(size: str, workers: int, cache_dir: str | None, datasets: str = "all") -> None:
    """The scorer end to end (prediction folder to records) on the test splits: 1 process vs ``workers``.

    Predictions are bicubic upsamplings of the LR frames written as 16-bit TIFF; both runs score the same
    folder with the three recipes and PSNR, SSIM, MS-SSIM and NRMSE (bootstrap included), one after the other.
    """
    import tempfile
    from pathlib import Path

    from microsr_bench.data import load_benchmark
    from microsr_bench.scoring import score_predictions, write_predictions

    names = "all" if datasets == "all" else datasets.split(",")
    bench = load_benchmark(names, source="simulated", size=size, cache_dir=cache_dir, progress=False)
    info = bench.benchmark
    rows = bench["test"].with_format("numpy", columns=["id", "dataset", "lr"])

    def bicubic() -> Iterator[tuple[str, np.ndarray]]:
        for row in rows:
            lr = torch.from_numpy(row["lr"].astype(np.float32) / info.max_values[str(row["dataset"])])
            up = torch.nn.functional.interpolate(lr[None, None], scale_factor=2, mode="bicubic", align_corners=False)
            yield str(row["id"]), up[0, 0].numpy()

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_predictions(Path(tmp) / "preds", bicubic(), info, method="bicubic")
        n = len(rows)
        times = {}
        results = {}
        for w in (1, workers):
            start = time.perf_counter()
            results[w] = score_predictions(folder, bench=bench, progress=False, workers=w)
            times[w] = time.perf_counter() - start
    same = results[1].per_image == results[workers].per_image
    import microsr_bench

    print(
        f"scorer end to end: test splits of {datasets} ({size}: {n} frames), 3 recipes x PSNR/SSIM/MS-SSIM/NRMSE; "
        f"microsr_bench from {Path(microsr_bench.__file__).parent.parent.name}, load average {os.getloadavg()[0]:.2f}"
    )
    for w, t in times.items():
        print(
            f"  --workers {w}: {t:.1f} s = {t * 1e3 / n:.1f} ms/frame; at that rate the full test sets "
            f"(6,400 frames) take {t / n * 6400:.0f} s"
        )
    print(f"  speed-up {times[1] / times[workers]:.2f}x over the single-process scorer; per-image scores equal: {same}")


def skimage_group(target: np.ndarray, tests: np.ndarray) -> np.ndarray:
    """Reference for the hot path: per image and recipe, prepare the pair, then scikit-image PSNR and SSIM."""
    from microsr_bench.metrics import get_recipe

    out = []
    for test in tests:
        for name in ("paper", "float", "normalized"):
            pair = get_recipe(name).prepare(reference=target, prediction=test)
            out.append(peak_signal_noise_ratio(pair.target, pair.prediction, data_range=pair.data_range))
            out.append(
                structural_similarity(
                    pair.target,
                    pair.prediction,
                    data_range=pair.data_range,
                    gaussian_weights=True,
                    sigma=1.5,
                    use_sample_covariance=False,
                )
            )
    return np.asarray(out)


def ours_group(target: np.ndarray, tests: np.ndarray) -> np.ndarray:
    from microsr_bench.metrics import score_group

    scores = score_group(
        reference=target, predictions=tests, recipes=("paper", "float", "normalized"), metrics=("psnr", "ssim")
    )
    return np.stack([scores[r][m] for r in ("paper", "float", "normalized") for m in ("psnr", "ssim")], axis=1).ravel()


def hot_path(target: np.ndarray, tests: np.ndarray, repeats: int) -> None:
    """Frames of one field against their shared target, three recipes, PSNR + SSIM."""
    ref = mine = float("inf")
    for _ in range(repeats):
        t_ref, expected = _timed(skimage_group, target, tests)  # type: ignore[arg-type]
        t_mine, got = _timed(ours_group, target, tests)  # type: ignore[arg-type]
        ref, mine = min(ref, t_ref), min(mine, t_mine)
    n = len(tests)
    print(f"hot path: {n} frames sharing one target, recipes paper/float/normalized, PSNR + SSIM")
    print(f"  scikit-image per image {ref * 1e3 / n:.2f} ms/frame, score_group {mine * 1e3 / n:.2f} ms/frame")
    diff = float(np.max(np.abs(np.asarray(got) - np.asarray(expected))))
    print(f"  speed-up {ref / mine:.1f}x, max |difference| {diff:.2e}")


def metric_sharing(target: np.ndarray, tests: np.ndarray, repeats: int) -> None:
    """The scorer's full metric set on one field: ``score_group`` against the same work with each metric alone.

    The reference prepares each recipe once, as ``score_group`` does, then calls ``psnr``, ``ssim``,
    ``ms_ssim`` and ``nrmse`` one by one: the scorer's path before SSIM and MS-SSIM shared the full-size
    filtering (``ssim_and_ms_ssim``). The two sides must give the same bits.
    """
    from microsr_bench.metrics import get_recipe, ms_ssim, nrmse, psnr, score_group, ssim

    def together() -> dict[str, dict[str, np.ndarray]]:
        return score_group(reference=target, predictions=tests)

    def one_by_one() -> dict[str, dict[str, np.ndarray]]:
        scores: dict[str, dict[str, np.ndarray]] = {}
        for recipe in ("paper", "float", "normalized"):
            pair = get_recipe(recipe).prepare_group(reference=target, predictions=tests)
            scores[recipe] = {
                "psnr": np.asarray(psnr(pair.target, pair.prediction, data_range=pair.data_range)),
                "ssim": np.asarray(ssim(pair.target, pair.prediction, data_range=pair.data_range)),
                "ms_ssim": np.asarray(ms_ssim(pair.target, pair.prediction, data_range=pair.data_range)),
                "nrmse": np.asarray(nrmse(pair.target, pair.prediction)),
            }
        return scores

    best = {"one metric per call": float("inf"), "all metrics together": float("inf")}
    results = {}
    for _ in range(repeats):
        for name, fn in (("one metric per call", one_by_one), ("all metrics together", together)):
            start = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    n = len(tests)
    a, b = results.values()
    same = all(np.array_equal(a[r][m], b[r][m]) for r in a for m in a[r])
    print(f"scorer's metric set: {n} frames sharing one target, 3 recipes x PSNR/SSIM/MS-SSIM/NRMSE, best of {repeats}")
    for name, t in best.items():
        print(f"  {name:22s} {t * 1e3 / n:7.2f} ms/frame")
    ratio = best["one metric per call"] / best["all metrics together"]
    print(f"  speed-up {ratio:.2f}x, per-image scores equal bit for bit: {same}")


def niqe_comparison(repeats: int, basicsr_root: str | None) -> None:
    """Run benchmarks/niqe_speed.py's comparison in this process (same images, same reference)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).with_name("niqe_speed.py")
    spec = importlib.util.spec_from_file_location("niqe_speed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("NIQE:")
    argv = sys.argv
    sys.argv = [str(path), "--repeats", str(repeats)] + (["--basicsr-root", basicsr_root] if basicsr_root else [])
    try:
        module.main()
    finally:
        sys.argv = argv


if __name__ == "__main__":
    main()
