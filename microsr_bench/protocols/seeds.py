"""Repeats over training seeds: one ``evaluate`` per seed, then one record holding the spread.

A learned baseline's number is one draw of its training; ``evaluate(..., seeds=(0, 1, 2))`` trains and scores
once per seed (each run cached in ``<out>/seed-<s>/`` like any evaluation) and writes one combined record to
``<out>/seeds-<s0>-<s1>-.../<method>/...``. The combined record is the first seed's record (its ``metrics``
keep that run's interval over fields) plus:

- ``seed_spread``: per recipe (and ``no_reference``) and metric, the mean over seeds, the sample standard
  deviation over seeds (``ddof=1``; None for one seed) and each seed's value, in the order of ``seeds``;
- ``field_means`` averaged over the seeds, field by field: a paired comparison between two such records then
  compares methods, not two particular training draws.

The leaderboard shows ``mean ± sd`` over seeds for records with a ``seed_spread``.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols.method import Method, MethodOptions
from microsr_bench.protocols.protocols import Protocol
from microsr_bench.scoring import ScoreResult
from microsr_bench.scoring.folders import disk_full_as_error

__all__ = ["combine_seeds", "evaluate_seeds", "parse_seeds", "seeds_folder"]


def parse_seeds(seeds: str | Sequence[int]) -> tuple[int, ...]:
    """``"0,1,2"`` or ``[0, 1, 2]`` -> ``(0, 1, 2)``: distinct non-negative integers, at least one."""
    if isinstance(seeds, str):
        try:
            values = tuple(int(part) for part in seeds.split(",") if part.strip())
        except ValueError:
            values = ()
            bad = True
        else:
            bad = False
    else:
        values, bad = tuple(seeds), False
    bad = bad or not values or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in values)
    if bad or len(set(values)) != len(values):
        raise InvalidArgumentError(
            f"seeds must be distinct non-negative integers, e.g. 0,1,2; got {seeds!r}. Give each seed once."
        )
    return values


def seeds_folder(out_dir: Path, seeds: Sequence[int]) -> Path:
    """Where the combined record of a seed repeat goes (its per-seed runs go to ``<out>/seed-<s>``)."""
    return out_dir / ("seeds-" + "-".join(str(s) for s in seeds))


def _spread(values: list[float | None]) -> dict[str, Any]:
    known = [v for v in values if v is not None]
    mean = statistics.fmean(known) if known else None
    sd = statistics.stdev(known) if len(known) > 1 else None
    return {"mean": mean, "sd": sd, "values": values}


def _groups(record: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    groups = dict(record.get("metrics", {}))
    if record.get("no_reference"):
        groups["no_reference"] = record["no_reference"]
    return groups


def _averaged_field_means(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per group, metric and field: the mean over seeds (fields present in every seed's record only)."""
    first = records[0].get("field_means") or {}
    out: dict[str, Any] = {}
    for group, metrics in first.items():
        for metric, fields in metrics.items():
            per_seed = [(r.get("field_means") or {}).get(group, {}).get(metric, {}) for r in records]
            shared = [f for f in fields if all(f in means for means in per_seed)]
            if shared:
                out.setdefault(group, {})[metric] = {f: statistics.fmean(m[f] for m in per_seed) for f in shared}
    return out


def combine_seeds(results: Sequence[ScoreResult], seeds: Sequence[int]) -> ScoreResult:
    """One result whose record is the first seed's plus the spread over seeds (see the module docstring)."""
    if len(results) != len(seeds) or not results:
        raise InvalidArgumentError(f"combine_seeds needs one result per seed; got {len(results)} for seeds {seeds}.")
    records = [r.records[0] for r in results]
    combined = dict(records[0])
    spread: dict[str, Any] = {}
    for group, metrics in _groups(records[0]).items():
        for metric in metrics:
            values = [_groups(r).get(group, {}).get(metric, {}).get("mean") for r in records]
            spread.setdefault(group, {})[metric] = _spread(values)
    combined["seed_spread"] = {"seeds": list(seeds), "metrics": spread}
    if records[0].get("field_means"):
        combined["field_means"] = _averaged_field_means(records)
    parameters = dict(combined["method"].get("parameters", {}))
    parameters["seeds"] = list(seeds)
    combined["method"] = {**combined["method"], "parameters": parameters}
    return dataclasses.replace(results[0], records=[combined], macro=None)


def evaluate_seeds(
    method: str | Method,
    protocol: Protocol,
    seeds: tuple[int, ...],
    options: MethodOptions,
    out_root: Path,
    progress: bool,
    report: Callable[[str], None] | None,
    passed: dict[str, Any],
) -> ScoreResult:
    """``evaluate`` once per seed, then the combined record (``evaluate(..., seeds=...)`` calls this)."""
    from microsr_bench.protocols.evaluation import check_results_folder, evaluate, evaluation_paths

    if not isinstance(method, str):
        raise InvalidArgumentError(
            f"seeds={list(seeds)} needs a fresh method per seed: give a registered name or 'module:attr', not a "
            f"{type(method).__name__} object (one object would carry its training from one seed into the next)."
        )
    check_results_folder(out_root)
    results = [
        evaluate(
            method,
            protocol,
            options=dataclasses.replace(options, seed=seed),
            out_dir=out_root / f"seed-{seed}",
            progress=progress,
            report=report,
            **passed,
        )
        for seed in seeds
    ]
    combined = combine_seeds(results, seeds)
    record = combined.records[0]
    info = dataclasses.replace(combined.info, source=record["dataset"]["source"], size=record["dataset"]["size"])
    paths = evaluation_paths(seeds_folder(out_root, seeds), record["method"]["name"], protocol, info)
    with disk_full_as_error("the result", paths.folder):
        paths.folder.mkdir(parents=True, exist_ok=True)
        combined.write(paths.result, overwrite=True)  # always recomputed from the per-seed records (cached)
    (report or (lambda line: None))(f"Wrote the spread over seeds {list(seeds)} to {paths.result}.")
    return combined
