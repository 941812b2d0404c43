"""Simulator benchmark: time to generate fields with simulator 2.0 (the default) against 1.0, in one run.

Run ``python benchmarks/simulator.py [--fields 2] [--frames 100]``. For each sub-dataset it generates the same
field indices at the full size (512 x 512 HR, 256 x 256 LR) with ``default_params(name, version="1.0")`` and
with the 2.0 defaults, alternating 1.0 and 2.0 field by field so that load from other jobs on a shared machine
hits both alike, and prints seconds per field and the ratio 2.0 / 1.0 per dataset and over all four, weighted
by each dataset's number of fields in Table I (what generating the full default costs). Target: ratio <= 2.
"""

from __future__ import annotations

import argparse
import platform
import time

from microsr_bench.data.cards import DATASET_NAMES, get_card
from microsr_bench.simulate import default_params, simulate_field


def _time(name: str, index: int, frames: int, version: str) -> float:
    params = default_params(name, version=version)  # type: ignore[arg-type]
    start = time.perf_counter()
    simulate_field(name, index, frames=frames, params=params)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fields", type=int, default=2, help="fields per dataset (default 2)")
    parser.add_argument("--frames", type=int, default=100, help="LR frames per field (default 100, the full size)")
    args = parser.parse_args()
    print(
        f"simulator benchmark on {platform.processor() or platform.machine()}, {args.fields} field(s) x "
        f"{args.frames} frames per dataset, full-size images, one process"
    )
    print(f"{'dataset':8} {'1.0 s/field':>12} {'2.0 s/field':>12} {'ratio':>6}")
    total = {"1.0": 0.0, "2.0": 0.0}
    for name in DATASET_NAMES:
        spent = {"1.0": 0.0, "2.0": 0.0}
        for index in range(args.fields):
            for version in ("1.0", "2.0"):
                spent[version] += _time(name, index, args.frames, version)
        weight = get_card(name).hr_images.total / args.fields
        for version in spent:
            total[version] += spent[version] * weight
        one, two = spent["1.0"] / args.fields, spent["2.0"] / args.fields
        print(f"{name:8} {one:12.2f} {two:12.2f} {two / one:6.2f}")
    print(
        f"{'all (Table I weights)':24} ratio {total['2.0'] / total['1.0']:.2f} "
        f"(estimated full default: 1.0 {total['1.0'] / 60:.1f} min, 2.0 {total['2.0'] / 60:.1f} min, one core)"
    )


if __name__ == "__main__":
    main()
