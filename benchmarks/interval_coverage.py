"""Coverage of 95 % intervals over fields of view, by simulation: percentile bootstrap, Student t, bootstrap-t.

Usage::

    python benchmarks/interval_coverage.py            # full settings; prints the table
    python benchmarks/interval_coverage.py --write    # also stores docs/data/interval_coverage.json

For each field distribution and each number of fields ``G`` in (3, 5, 11, 24) (MITO has 3 test fields, the
other sub-datasets 18 to 24), ``datasets`` samples of ``G`` field means are drawn; each gets the three
intervals of :mod:`microsr_bench.metrics.aggregate` (with equal frames per field all three depend only on
the field means, so frames are not simulated):

- ``percentile``: percentile bootstrap over fields, ``n_boot`` resamples (the record's ``ci95_boot``);
- ``t``: ``mean -/+ t_{G-1, 0.975} sd / sqrt(G)`` (the record's ``ci95``);
- ``bootstrap_t``: studentised bootstrap, ``[m - q_0.975 se, m - q_0.025 se]`` with ``q`` the quantiles of
  ``(m* - m) / se*``; resamples that draw a single field (``se* = 0``) are left out.

``width_vs_t`` is the median width of an interval divided by the median width of the t-interval (medians,
because the bootstrap-t's width has a heavy tail at small ``G``).

Coverage is the share of samples whose interval contains the distribution's true mean (Monte-Carlo standard
error ``sqrt(p (1 - p) / datasets)``, about 0.35 points at 95 % and 4,000 samples).

Distributions of field means, chosen to span what per-field PSNR/SSIM/NRMSE look like: ``normal``;
``gamma2`` (shape 2, skewness 1.41: a right-skewed error metric such as NRMSE); ``lognormal`` (sigma 0.75,
skewness 2.9: one field far better or worse than the rest). Each (distribution, G) cell has its own
generator, ``PCG64(SeedSequence([seed, distribution index, G]))``, so any cell can be rerun alone.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import t as student_t

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Where ``--write`` stores the table that docs/metrics.md quotes and the test checks.
DATA_FILE = Path(__file__).resolve().parents[1] / "docs" / "data" / "interval_coverage.json"
FIELDS = (3, 5, 11, 24)
KINDS = ("percentile", "t", "bootstrap_t")
#: Settings of the table in the docs, and the reduced ones the test reruns (same seed, smaller counts).
FULL = {"datasets": 4000, "n_boot": 500, "seed": 20240613}
CHECK = {"datasets": 200, "n_boot": 200, "seed": 20240613}
#: Samples processed together; bounds memory at chunk x n_boot x G integers.
CHUNK = 100

_LOGNORMAL_SIGMA = 0.75
DISTRIBUTIONS: dict[str, tuple[Callable[[np.random.Generator, tuple[int, int]], FloatArray], float]] = {
    "normal": (lambda rng, shape: rng.normal(0.0, 1.0, shape), 0.0),
    "gamma2": (lambda rng, shape: rng.gamma(2.0, 1.0, shape), 2.0),
    "lognormal": (
        lambda rng, shape: rng.lognormal(0.0, _LOGNORMAL_SIGMA, shape),
        math.exp(_LOGNORMAL_SIGMA**2 / 2),
    ),
}


def _intervals(x: FloatArray, n_boot: int, rng: np.random.Generator) -> dict[str, FloatArray]:
    """``{kind: [n, 2]}`` intervals of the mean of each row of ``x`` (``[n, G]`` field means)."""
    n, g = x.shape
    mean = x.mean(axis=1)
    se = x.std(axis=1, ddof=1) / math.sqrt(g)
    half = float(student_t.ppf(0.975, g - 1)) * se
    draws = rng.integers(0, g, size=(n, n_boot, g))
    resampled = np.take_along_axis(x[:, None, :], draws, axis=2)
    boot_mean = resampled.mean(axis=2)
    boot_se = resampled.std(axis=2, ddof=1) / math.sqrt(g)
    # A resample of one field repeated has se* = 0 up to rounding; its t* is undefined, so it is left out.
    degenerate = boot_se <= 1e-9 * se[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.where(degenerate, np.nan, (boot_mean - mean[:, None]) / boot_se)
    q_low, q_high = np.nanquantile(t_star, [0.025, 0.975], axis=1)
    return {
        "percentile": np.quantile(boot_mean, [0.025, 0.975], axis=1).T,
        "t": np.stack([mean - half, mean + half], axis=1),
        "bootstrap_t": np.stack([mean - q_high * se, mean - q_low * se], axis=1),
    }


def coverage_cell(distribution: str, g: int, datasets: int, n_boot: int, seed: int) -> dict[str, Any]:
    """Coverage and relative width of each interval kind for one distribution and number of fields."""
    sample, true_mean = DISTRIBUTIONS[distribution]
    entropy = [seed, list(DISTRIBUTIONS).index(distribution), g]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
    hits = dict.fromkeys(KINDS, 0)
    widths: dict[str, list[FloatArray]] = {k: [] for k in KINDS}
    for start in range(0, datasets, CHUNK):
        x = sample(rng, (min(CHUNK, datasets - start), g))
        for kind, bounds in _intervals(x, n_boot, rng).items():
            hits[kind] += int(np.sum((bounds[:, 0] <= true_mean) & (true_mean <= bounds[:, 1])))
            widths[kind].append(bounds[:, 1] - bounds[:, 0])
    median = {k: float(np.median(np.concatenate(v))) for k, v in widths.items()}
    return {
        "distribution": distribution,
        "fields": g,
        "coverage": {k: hits[k] / datasets for k in KINDS},
        "width_vs_t": {k: median[k] / median["t"] for k in KINDS},
    }


def coverage_table(datasets: int, n_boot: int, seed: int, fields: Sequence[int] = FIELDS) -> list[dict[str, Any]]:
    """Every (distribution, G) cell, distributions in the order of :data:`DISTRIBUTIONS`."""
    return [coverage_cell(d, g, datasets, n_boot, seed) for d in DISTRIBUTIONS for g in fields]


def markdown(table: Sequence[dict[str, Any]]) -> str:
    """The table as docs/metrics.md shows it (coverage in per cent, widths relative to t)."""
    lines = [
        "| field means | $G$ | percentile bootstrap | $m \\pm t_{G-1}\\,\\mathrm{SE}$ | bootstrap-t "
        "| width: percentile / t | width: bootstrap-t / t |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell in table:
        c, w = cell["coverage"], cell["width_vs_t"]
        lines.append(
            f"| {cell['distribution']} | {cell['fields']} | {100 * c['percentile']:.1f} % | {100 * c['t']:.1f} % "
            f"| {100 * c['bootstrap_t']:.1f} % | {w['percentile']:.2f} | {w['bootstrap_t']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"store the full and check tables in {DATA_FILE.name}")
    args = parser.parse_args(argv)
    full = coverage_table(**FULL)
    print(markdown(full))
    if args.write:
        data = {
            "command": "python benchmarks/interval_coverage.py --write",
            "full": {"settings": FULL, "table": full},
            "check": {"settings": CHECK, "table": coverage_table(**CHECK)},
        }
        DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        tmp = DATA_FILE.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        tmp.replace(DATA_FILE)


if __name__ == "__main__":
    main()
