"""What every value of an entry may be: safe text, a protocol id that follows from its parameters, possible numbers.

An entry's text reaches the Markdown README and the HTML page, and its numbers reach the ranking and the
page's plots, so each is checked at the entry (here) as well as escaped at the output (readme.py, page.js).
Each function returns problems as ``"<where>: [rule] <json path>: what came; what was expected; the fix"``.

Sane upper bounds of the unbounded metrics (not physical limits, only what a real result can reach):
NRMSE <= 1000 (the error is normalised by the target's range), NIQE <= 1000 (typical values are 3-20, off-scale
micrographs reach tens), FID <= 10000 (Inception features give at most a few hundred), runtime <= 3600 s per image.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from microsr_bench.data.cards import DATASET_NAMES, get_card
from microsr_bench.metrics import PSNR_CAP_DB
from microsr_bench.protocols.protocols import BURST_SIZES, DEGRADATIONS, protocol_id

__all__ = [
    "MAX_SECONDS_PER_IMAGE",
    "METRIC_BOUNDS",
    "computed_protocol_id",
    "number_problems",
    "protocol_problems",
    "text_problems",
]

#: Characters no entry text may hold: C0 controls (newline, CR, tab ...), DEL, C1 controls, line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Closed ranges a metric's mean, interval bounds and set value must lie in (PSNR: the scorer's infinite cap).
METRIC_BOUNDS: dict[str, tuple[float, float]] = {
    "psnr": (-PSNR_CAP_DB, PSNR_CAP_DB),
    "ssim": (-1.0, 1.0),
    "ms_ssim": (0.0, 1.0),
    "nrmse": (0.0, 1e3),
    "niqe": (0.0, 1e3),
    "fid": (0.0, 1e4),
}
#: Images compared in [0, 1] with data range 1 have MSE <= 1, so PSNR >= 0 dB under these recipes.
_NON_NEGATIVE_PSNR = ("paper", "float")
MAX_SECONDS_PER_IMAGE = 3600.0
_SHOTS = (200, 400, 800, None)
#: Allowed parameters per protocol (besides ``id``), with the values each may take.
_PARAMETERS: dict[str, dict[str, tuple[Any, ...] | type]] = {
    "paired": {"shots": _SHOTS},
    "zero_shot": {"source": DATASET_NAMES, "source_shots": _SHOTS},
    "blind_synthetic": {"degradation": DEGRADATIONS, "synthetic_frames": int, "noise_sigma": float},
    "burst": {"k": BURST_SIZES, "shots": _SHOTS},
}


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its slash path (``record/metrics/paper/psnr/mean``)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}" if path else str(key))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _walk(item, f"{path}/{k}")
    else:
        yield path, value


def text_problems(entry: Mapping[str, Any], where: str) -> list[str]:
    """No text anywhere in the entry (keys included) holds a control character: a newline or CR rewrites tables."""
    problems = []
    for path, value in _walk(entry):
        for text, what in ((path, "key"), (value, "text")):
            if isinstance(text, str) and _CONTROL.search(text):
                problems.append(
                    f"{where}: [text] {path}: the {what} {text[:60]!r} holds a control character (newline, carriage "
                    "return, tab or other); expected one line of printable text; remove it"
                )
                break
    return problems


def computed_protocol_id(name: str, parameters: Mapping[str, Any]) -> str:
    """The protocol id that follows from the name and parameters, ignoring any stored ``id``."""
    return protocol_id(name, {k: v for k, v in parameters.items() if k != "id"})


def protocol_problems(record: Mapping[str, Any], where: str) -> list[str]:
    """The parameters are the protocol's own, with allowed values, and the stored id is the one they give."""
    name, parameters = record["protocol"]["name"], record["protocol"]["parameters"]
    allowed = _PARAMETERS.get(name)
    if allowed is None:
        return []  # an unknown protocol name is the protocol rule's problem
    problems = []
    for key, value in parameters.items():
        path = f"record/protocol/parameters/{key}"
        if key == "id":
            continue
        if key not in allowed:
            problems.append(
                f"{where}: [protocol] {path}: {name} has no parameter {key!r}; expected only "
                f"{', '.join(allowed)}; score with `microsr-bench evaluate`/`score --protocol` so the record says it"
            )
            continue
        values = allowed[key]
        if isinstance(values, tuple):
            ok, want = not isinstance(value, bool) and value in values, "one of " + ", ".join(map(str, values))
        elif values is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1
            want = "a number in [0, 1)"
        else:
            ok, want = isinstance(value, int) and not isinstance(value, bool) and value >= 1, "a positive integer"
        if not ok:
            problems.append(f"{where}: [protocol] {path}: got {value!r}; expected {want}")
    if problems:
        return problems
    wanted = computed_protocol_id(name, parameters)
    stored = parameters.get("id", wanted)
    if stored != wanted:
        problems.append(
            f"{where}: [protocol] record/protocol/parameters/id: got {stored!r}, but protocol {name!r} with these "
            f"parameters has the id {wanted!r}; the id is not free text: use the record as the scorer wrote it"
        )
    if "shots" in parameters and parameters["shots"] != record["shots"]:
        problems.append(
            f"{where}: [protocol] record/shots is {record['shots']!r} but the protocol's parameters say shots "
            f"{parameters['shots']!r}; they must agree"
        )
    if name in ("zero_shot", "blind_synthetic") and record["shots"] is not None:
        problems.append(
            f"{where}: [protocol] record/shots: {name} trains on no pairs of the target's training split, so "
            f"shots must be null, got {record['shots']!r}"
        )
    if name == "zero_shot" and parameters.get("source", "MITO") == record["dataset"]["name"]:
        problems.append(
            f"{where}: [protocol] zero_shot from {record['dataset']['name']} to itself is the paired protocol; "
            "submit it as paired (`--protocol paired`), or train on another sub-dataset"
        )
    return problems + lineage_problems(record, where)


def lineage_problems(record: Mapping[str, Any], where: str) -> list[str]:
    """A lineage (schema 1.2) must not show the scored test split, nor, under zero-shot and blind-synthetic,
    real pairs of the scored dataset: those would be numbers of another protocol."""
    from microsr_bench.scoring.lineage import pairs_level

    name, dataset = record["protocol"]["name"], record["dataset"]["name"]
    lineage = record.get("lineage") or []
    problems = [
        f"{where}: [protocol] record/lineage/{k}: a stage trained on {dataset}'s test split, the split scored; "
        "no number measured on training data can be ranked: retrain without it"
        for k, entry in enumerate(lineage)
        if entry.get("kind") == "training" and entry.get("dataset") == dataset and entry.get("split") == "test"
    ]
    level = pairs_level(lineage, dataset)
    if name in ("zero_shot", "blind_synthetic") and level is not None:
        problems.append(
            f"{where}: [protocol] record/lineage: {name} must not learn from {dataset}'s real training pairs, but "
            f"a stage did ({level}); submit it under the paired protocol"
        )
    return problems


def _non_finite(entry: Mapping[str, Any], where: str) -> list[str]:
    return [
        f"{where}: [numbers] {path}: {value!r} is not a finite number; NaN and Infinity have no place in an "
        "entry (a metric that could not be computed is null); score again"
        for path, value in _walk(entry)
        if isinstance(value, float) and not math.isfinite(value)
    ]


def _summary_problems(
    summary: Mapping[str, Any], path: str, bounds: tuple[float, float], record: Mapping[str, Any]
) -> list[str]:
    """Problems of one metric summary; the registry's own checks (scorer's validate_record) are not repeated."""
    from microsr_bench.metrics import get_metric_info

    lo, hi = bounds
    info = get_metric_info(path.rsplit("/", 1)[-1])
    problems = []
    mean, sem = summary.get("mean"), summary.get("sem")
    if mean is not None and not info.lower <= mean <= info.upper:
        return []  # the registry's range check already reports this summary
    if mean is not None and not lo <= mean <= hi:
        problems.append(f"{path}/mean: {mean!r} outside [{lo}, {hi}], the range this metric can take")
    for key in ("ci95", "ci95_t"):
        low, high = (summary.get(key) or [None, None])[:2]
        if low is None or high is None:
            continue
        if key == "ci95" and not (lo <= low and high <= hi):
            problems.append(f"{path}/{key}: [{low}, {high}] reaches outside [{lo}, {hi}]")
        if key == "ci95_t" and (not low <= high or (mean is not None and not low <= mean <= high)):
            problems.append(f"{path}/{key}: [{low}, {high}] is not an interval that contains the mean {mean!r}")
    if sem is not None and not 0 <= sem <= hi - lo:
        problems.append(f"{path}/sem: {sem!r} is not in [0, {hi - lo}] (a standard error is >= 0 and below the range)")
    if summary.get("n_capped", 0) > summary.get("n_images", 0):
        problems.append(f"{path}/n_capped: more capped images than images")
    if "/metrics/" in path and summary.get("n_images") != record["n_images"]:
        problems.append(f"{path}/n_images: {summary.get('n_images')!r}, but the record scored {record['n_images']}")
    if "/metrics/" in path and summary.get("n_groups") != record["n_fields"]:
        problems.append(f"{path}/n_groups: {summary.get('n_groups')!r}, but the record has {record['n_fields']} fields")
    if path.endswith("/psnr") and summary.get("cap") not in (None, PSNR_CAP_DB):
        problems.append(f"{path}/cap: {summary.get('cap')!r}; the scorer caps PSNR at {PSNR_CAP_DB} dB")
    return problems


def _metric_range_problems(record: Mapping[str, Any]) -> list[str]:
    problems = []
    groups = {f"record/metrics/{r}": m for r, m in record["metrics"].items()}
    groups["record/no_reference"] = record.get("no_reference") or {}
    for group, metrics in groups.items():
        for metric, summary in metrics.items():
            if metric not in METRIC_BOUNDS:
                continue  # unknown metrics are the metrics rule's problem
            lo, hi = METRIC_BOUNDS[metric]
            if metric == "psnr" and group.rsplit("/", 1)[-1] in _NON_NEGATIVE_PSNR:
                lo = 0.0
            problems += _summary_problems(summary, f"{group}/{metric}", (lo, hi), record)
    for metric, value in (record.get("set_metrics") or {}).items():
        lo, hi = METRIC_BOUNDS.get(metric, (-math.inf, math.inf))
        if not lo <= value <= hi:
            problems.append(f"record/set_metrics/{metric}: {value!r} outside [{lo}, {hi}]")
    cap = record["aggregation"]["psnr_cap_db"]
    if cap != PSNR_CAP_DB:
        problems.append(f"record/aggregation/psnr_cap_db: {cap!r}; the scorer caps PSNR at {PSNR_CAP_DB} dB")
    return problems


def expected_n_images(record: Mapping[str, Any]) -> int:
    """Images in the canonical test split of the record's sub-dataset (one per burst of k frames for burst)."""
    card = get_card(record["dataset"]["name"])
    if record["protocol"]["name"] == "burst":
        k = record["protocol"]["parameters"].get("k", 4)
        return card.hr_images.test * (card.frames_per_hr // k)
    return card.pairs("test")


def _count_problems(record: Mapping[str, Any]) -> list[str]:
    card = get_card(record["dataset"]["name"])
    problems = []
    n_images = expected_n_images(record)
    if record["n_images"] != n_images:
        problems.append(
            f"record/n_images: {record['n_images']!r}, but the canonical {card.name} test split gives {n_images} "
            "images under this protocol; score the whole test split"
        )
    if record["n_fields"] != card.hr_images.test:
        problems.append(f"record/n_fields: {record['n_fields']!r}; {card.name}'s test split has {card.hr_images.test}")
    name, parameters = record["protocol"]["name"], record["protocol"]["parameters"]
    shots = parameters.get("source_shots") if name == "zero_shot" else record["shots"]
    source = get_card(parameters.get("source", "MITO")) if name == "zero_shot" else card
    most = shots if shots is not None else source.pairs("train")
    pairs = record.get("train_pairs")
    if pairs is not None and not 0 <= pairs <= most:
        problems.append(
            f"record/train_pairs: {pairs!r}; with shots {shots!r} at most {most} training pairs of {source.name} exist"
        )
    if record["dataset"]["max_value"] != card.max_value:
        problems.append(
            f"record/dataset/max_value: {record['dataset']['max_value']!r}; {card.name}'s card says {card.max_value}"
        )
    return problems


def number_problems(entry: Mapping[str, Any], where: str) -> list[str]:
    """Every number is finite and possible: metric ranges, intervals, counts, runtimes (see the module text)."""
    problems = _non_finite(entry, where)
    if problems:
        return problems  # comparisons with NaN would only repeat them
    record = entry["record"]
    found = _metric_range_problems(record) + _count_problems(record)
    for path, value in (
        ("record/runtime/seconds_per_image", record["runtime"].get("seconds_per_image")),
        ("submission/seconds_per_image", entry["submission"].get("seconds_per_image")),
    ):
        if value is not None and not 0 <= value <= MAX_SECONDS_PER_IMAGE:
            found.append(f"{path}: {value!r} outside [0, {MAX_SECONDS_PER_IMAGE:g}] seconds per image")
    return [f"{where}: [numbers] {p}" for p in found]
