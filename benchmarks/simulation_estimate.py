"""The constants behind the "about N s" that data generation announces, measured for the current simulator.

Run ``OMP_NUM_THREADS=1 python benchmarks/simulation_estimate.py [--fields 2]``. For each sub-dataset it simulates
the same fields with 10 and with 100 LR frames (the ``small`` and ``full`` sizes) and measures the **CPU time**
of this process (``time.process_time``, one thread), which other jobs on a shared machine inflate far less than
wall time. A straight line through the two sizes gives seconds per field and per LR frame; the script prints them
beside ``_SECONDS_PER_FIELD`` and ``_SECONDS_PER_FRAME`` of ``microsr_bench/data/simulated.py`` and the
estimate's error for each size. Writing (TIFF encoding, hashing) is not included: the writer runs in the parent
while workers simulate.
"""

from __future__ import annotations

import argparse
import time

from microsr_bench.data import simulated
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.simulate import simulate_field


def _cpu_seconds(name: str, index: int, frames: int) -> float:
    start = time.process_time()
    simulate_field(name, index, frames=frames)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fields", type=int, default=2, help="fields per dataset and size (default 2)")
    args = parser.parse_args()
    fixed, slope = [], []
    print("dataset  s/field (10 frames)  s/field (100 frames)  fixed s  s per frame")
    for name in DATASET_NAMES:
        small = sum(_cpu_seconds(name, i, 10) for i in range(args.fields)) / args.fields
        full = sum(_cpu_seconds(name, i, 100) for i in range(args.fields)) / args.fields
        per_frame = (full - small) / 90
        fixed.append(small - 10 * per_frame)
        slope.append(per_frame)
        print(f"{name:<8} {small:>19.2f}  {full:>20.2f}  {fixed[-1]:>7.2f}  {per_frame:>11.4f}")
    worst_fixed, worst_slope = max(fixed), max(slope)
    print(f"largest over the datasets: {worst_fixed:.2f} s per field + {worst_slope:.4f} s per LR frame")
    used = (simulated._SECONDS_PER_FIELD, simulated._SECONDS_PER_FRAME)
    print(f"simulated.py uses:        {used[0]:.2f} s per field + {used[1]:.4f} s per LR frame")
    for frames in (10, 100):
        measured = worst_fixed + worst_slope * frames
        estimate = used[0] + used[1] * frames
        print(f"{frames:>3} frames: estimate {estimate:.2f} s per field, measured (largest) {measured:.2f} s")


if __name__ == "__main__":
    main()
