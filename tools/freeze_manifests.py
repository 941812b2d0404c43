"""Maintainer tool: generate the simulated data of one size and freeze its manifests into the package.

    python tools/freeze_manifests.py --size full     # simulator 2.0: ~25 min on 2 shared cores, ~3.3 GB

The frozen file (microsr_bench/data/manifests/simulated-<size>.json.gz) is what the golden tests and the
leaderboard's canonical fingerprints compare against. Regenerate it only when SIMULATOR_VERSION changes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
from pathlib import Path

from microsr_bench.data import load_benchmark
from microsr_bench.simulate import SIMULATOR_VERSION

OUT = Path(__file__).resolve().parents[1] / "microsr_bench" / "data" / "manifests"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["full", "small", "tiny"], required=True)
    parser.add_argument("--cache-dir", type=Path, help="reuse a cache (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache_dir or Path(tmp)
        bench = load_benchmark("all", source="simulated", size=args.size, cache_dir=cache, verify="full")
        manifests = {name: bench.prepared[name].manifest.to_dict() for name in bench.benchmark.datasets}
    payload = {"simulator_version": SIMULATOR_VERSION, "size": args.size, "manifests": manifests}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"simulated-{args.size}.json.gz"
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    for name, manifest in manifests.items():
        print(f"{name}: test {manifest['fingerprints']['test']}")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
