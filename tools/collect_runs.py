"""Maintainer tool: the tables, plots and records of a paper grid from the jobs finished under a runs folder.

    python tools/collect_runs.py RUNS --out DIR [--budget cpu] [--methods bicubic,bicubic-fit,frame-average]

``reproduce`` writes its tables after every job into its own ``--out``; when the grid was run as several
``reproduce`` processes sharing one ``--runs`` folder (e.g. one per sub-dataset, to use the cores of a machine,
as the simulated board was in 2026-12), this gathers every finished job of the grid into one report: a job
counts when its ``key.json`` (written last by ``evaluate``) names the sha256 of the ``result.json`` beside it,
so a job killed half-way is never read. The report says how many of the grid's jobs it holds, exactly as a
partial ``reproduce`` report does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from baselines.paper.report import write_report
from baselines.paper.reproduction import METHODS, grid
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.scoring import read_result


def _committed(result: Path) -> bool:
    """``result.json`` of a finished job: its ``key.json`` names this file's sha256."""
    key = result.with_name("key.json")
    if not key.is_file():
        return False
    named = json.loads(key.read_text()).get("result_sha256")
    return named == hashlib.sha256(result.read_bytes()).hexdigest()


def _method(record: dict[str, Any]) -> str:
    """The grid's method name of a record (frame averaging records its k in the name: ``frame-average-4``)."""
    name = str(record["method"]["name"])
    return "frame-average" if name.startswith("frame-average") else name


def collect(runs: Path, methods: tuple[str, ...]) -> list[dict[str, Any]]:
    """Records of every committed job of ``methods`` under ``runs``, in Table I order of the sub-datasets."""
    records: list[dict[str, Any]] = []
    for result in sorted(runs.rglob("result.json")):
        if _committed(result):
            records += [r for r in read_result(result)["records"] if _method(r) in methods]
    order = {name: i for i, name in enumerate(DATASET_NAMES)}
    return sorted(records, key=lambda r: order[r["dataset"]["name"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="the --runs folder of the reproduce processes")
    parser.add_argument("--out", type=Path, required=True, help="folder for tables.md, plots and records.json")
    parser.add_argument("--budget", default="cpu", choices=("tiny", "cpu", "paper"))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods of the grid")
    args = parser.parse_args()
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    records = collect(args.runs, methods)
    total = len(grid(DATASET_NAMES, methods=methods))
    finished = None if len(records) == total else (len(records), total)
    print(write_report(records, args.out, budget=args.budget, finished=finished))
    print(f"{len(records)} of {total} jobs of the grid")


if __name__ == "__main__":
    main()
