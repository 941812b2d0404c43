"""Paired comparison of two results on the same test fields: per-field differences, intervals, sign-flip p-value.

Two methods scored on the same test split share their fields of view, and fields differ far more from
each other (some are simply harder) than two good methods differ on one field. Comparing each method's
interval ignores that pairing; the difference of the per-field means does not. For every metric of every
recipe, with ``d_g = a_g - b_g`` over the ``G`` shared fields (``a_g``: method A's mean on field ``g``):

- ``mean_diff``: the mean of ``d_g`` (the unweighted mean of field means; with equal frames per field, as
  in every benchmark split, it equals the difference of the records' means);
- ``ci95``: ``mean_diff -/+ t_{G-1} sd(d) / sqrt(G)``, the interval docs/metrics.md argues for;
- ``ci95_boot``: paired percentile bootstrap (fields resampled with replacement, both methods together);
- ``p_value``: two-sided sign-flip permutation test of "no difference": under the null each ``d_g`` is
  as likely to have either sign, so ``p = #{s in {-1, 1}^G : |sum s_g d_g| >= |sum d_g|} / 2^G``, exact by
  enumeration up to :data:`MAX_EXACT_FIELDS` fields, else Monte Carlo with ``n_resamples`` random sign
  vectors and ``p = (1 + hits) / (1 + n_resamples)``. The smallest exact p-value is ``2 / 2^G``: with
  MITO's 3 test fields it is 0.25, so no difference on MITO alone is significant at 5 %.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import t as student_t

from microsr_bench.errors import InvalidArgumentError, RecordError

__all__ = [
    "MAX_EXACT_FIELDS",
    "PairedDifference",
    "compare_field_means",
    "compare_files",
    "compare_records",
    "load_comparable",
    "sign_flip_p_value",
]

#: Largest number of fields whose 2^G sign vectors are enumerated (2^20 = 1,048,576, a fraction of a second).
MAX_EXACT_FIELDS = 20
#: Sign vectors enumerated per block; bounds memory at ``_BLOCK x G`` values.
_BLOCK = 1 << 16

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class PairedDifference:
    """A minus B for one dataset, recipe (or ``no_reference``) and metric, over the fields both scored."""

    dataset: str
    group: str
    metric: str
    n_fields: int
    mean_a: float
    mean_b: float
    #: Mean over fields of ``a_g - b_g``.
    mean_diff: float
    #: Student-t 95 % interval of ``mean_diff``; NaN with one field.
    ci95: tuple[float, float]
    #: Paired percentile-bootstrap 95 % interval of ``mean_diff``; NaN with one field.
    ci95_boot: tuple[float, float]
    #: Two-sided sign-flip permutation p-value.
    p_value: float
    p_method: Literal["exact", "monte-carlo"]
    #: Sign vectors evaluated: ``2^G`` when exact, else the Monte-Carlo count.
    n_permutations: int
    higher_is_better: bool

    @property
    def a_better(self) -> bool:
        """A's mean is better than B's in the metric's direction (says nothing about significance)."""
        return self.mean_diff > 0 if self.higher_is_better else self.mean_diff < 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (NaN becomes ``None``)."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "dataset": self.dataset,
            "group": self.group,
            "metric": self.metric,
            "n_fields": self.n_fields,
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "mean_diff": self.mean_diff,
            "ci95": [clean(v) for v in self.ci95],
            "ci95_boot": [clean(v) for v in self.ci95_boot],
            "p_value": self.p_value,
            "p_method": self.p_method,
            "n_permutations": self.n_permutations,
            "higher_is_better": self.higher_is_better,
        }


def _exact_hits(diffs: FloatArray, threshold: float) -> int:
    g = diffs.size
    bits = np.arange(g, dtype=np.int64)
    hits = 0
    for start in range(0, 1 << g, _BLOCK):
        codes = np.arange(start, min(start + _BLOCK, 1 << g), dtype=np.int64)
        signs = 1.0 - 2.0 * ((codes[:, None] >> bits) & 1)
        hits += int(np.count_nonzero(np.abs(signs @ diffs) >= threshold))
    return hits


def sign_flip_p_value(
    diffs: Sequence[float] | FloatArray, *, n_resamples: int = 100_000, seed: int = 0
) -> tuple[float, Literal["exact", "monte-carlo"], int]:
    """Two-sided sign-flip p-value of paired differences: ``(p, "exact" | "monte-carlo", sign vectors used)``.

    Exact (all ``2^G`` sign vectors) for ``G <= MAX_EXACT_FIELDS``, else ``n_resamples`` random ones from
    ``PCG64(seed)``. Sums within a relative ``1e-9`` of the observed one count as at least as extreme, so
    rounding cannot hide the observed arrangement itself.
    """
    d = np.asarray(diffs, dtype=np.float64).reshape(-1)
    if d.size == 0 or not np.all(np.isfinite(d)):
        raise InvalidArgumentError(
            f"sign_flip_p_value: need at least one finite difference, got {d.size} values "
            f"({int(np.sum(~np.isfinite(d)))} not finite); check the per-field means."
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1000:
        raise InvalidArgumentError(
            f"n_resamples must be an integer >= 1000, got {n_resamples!r}; 100000 is the default."
        )
    observed = abs(float(d.sum()))
    threshold = observed - 1e-9 * max(observed, float(np.abs(d).sum()))
    if d.size <= MAX_EXACT_FIELDS:
        total = 1 << d.size
        return _exact_hits(d, threshold) / total, "exact", total
    rng = np.random.Generator(np.random.PCG64(seed))
    hits = 0
    for start in range(0, n_resamples, _BLOCK):
        signs = rng.choice(np.array([-1.0, 1.0]), size=(min(_BLOCK, n_resamples - start), d.size))
        hits += int(np.count_nonzero(np.abs(signs @ d) >= threshold))
    return (1 + hits) / (1 + n_resamples), "monte-carlo", n_resamples


def _intervals(d: FloatArray, n_boot: int, seed: int) -> tuple[tuple[float, float], tuple[float, float]]:
    g = d.size
    if g < 2:
        return (math.nan, math.nan), (math.nan, math.nan)
    mean = float(d.mean())
    half = float(student_t.ppf(0.975, g - 1)) * float(d.std(ddof=1)) / math.sqrt(g)
    rng = np.random.Generator(np.random.PCG64(seed))
    boot = d[rng.integers(0, g, size=(n_boot, g))].mean(axis=1)
    low, high = np.quantile(boot, [0.025, 0.975])
    return (mean - half, mean + half), (float(low), float(high))


def compare_field_means(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    dataset: str = "",
    group: str = "",
    metric: str,
    n_boot: int = 2000,
    n_resamples: int = 100_000,
    seed: int = 0,
) -> PairedDifference:
    """Compare two ``{field id: mean}`` maps of the same fields (A minus B); see the module docstring.

    Raises:
        InvalidArgumentError: the two maps do not hold the same field ids.
    """
    from microsr_bench.metrics import get_metric_info

    if set(a) != set(b) or not a:
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        raise InvalidArgumentError(
            f"compare {dataset} {group}/{metric}: A and B must hold the same fields of view; only in A: "
            f"{only_a[:5] or 'none'}, only in B: {only_b[:5] or 'none'}. Compare results scored on the same test split."
        )
    if n_boot < 100:
        raise InvalidArgumentError(f"n_boot must be >= 100, got {n_boot!r}; 2000 is the default.")
    ids = sorted(a)
    va = np.array([a[i] for i in ids], dtype=np.float64)
    vb = np.array([b[i] for i in ids], dtype=np.float64)
    d = va - vb
    p, how, count = sign_flip_p_value(d, n_resamples=n_resamples, seed=seed)
    ci95, ci95_boot = _intervals(d, n_boot, seed)
    return PairedDifference(
        dataset=dataset,
        group=group,
        metric=metric,
        n_fields=len(ids),
        mean_a=float(va.mean()),
        mean_b=float(vb.mean()),
        mean_diff=float(d.mean()),
        ci95=ci95,
        ci95_boot=ci95_boot,
        p_value=p,
        p_method=how,
        n_permutations=count,
        higher_is_better=get_metric_info(metric).higher_is_better,
    )


def _check_same_data(a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
    da, db = a["dataset"], b["dataset"]
    for key in ("name", "split", "fingerprint"):
        if da.get(key) != db.get(key):
            raise InvalidArgumentError(
                f"compare: A and B were scored on different test data (dataset {key}: {da.get(key)!r} vs "
                f"{db.get(key)!r}); a paired comparison needs the same fields of view. Score both on the same "
                "source, size and split."
            )


def compare_records(
    record_a: Mapping[str, Any],
    record_b: Mapping[str, Any],
    *,
    n_boot: int = 2000,
    n_resamples: int = 100_000,
    seed: int = 0,
) -> list[PairedDifference]:
    """Paired A-minus-B comparison of two result records of one dataset, for every metric both carry.

    Both records need ``field_means`` (records of schema 1.1 carry them; for older ones fill them from the
    per-image CSV with :func:`load_comparable`).

    Raises:
        InvalidArgumentError: different dataset, split or test fingerprint, missing ``field_means``,
            different fields, or no metric in common.
    """
    _check_same_data(record_a, record_b)
    means_a, means_b = (r.get("field_means") or {} for r in (record_a, record_b))
    for label, means in (("A", means_a), ("B", means_b)):
        if not means:
            raise InvalidArgumentError(
                f"compare: record {label} ({record_a['dataset']['name']}) has no per-field means (field_means); "
                "pass the result JSON with its per-image CSV beside it, or rescore with this version."
            )
    out = []
    for group in sorted(set(means_a) & set(means_b)):
        for metric in sorted(set(means_a[group]) & set(means_b[group])):
            out.append(
                compare_field_means(
                    means_a[group][metric],
                    means_b[group][metric],
                    dataset=record_a["dataset"]["name"],
                    group=group,
                    metric=metric,
                    n_boot=n_boot,
                    n_resamples=n_resamples,
                    seed=seed,
                )
            )
    if not out:
        raise InvalidArgumentError(
            f"compare: A has {sorted(means_a)} and B {sorted(means_b)}: no recipe/metric in common to compare."
        )
    return out


def _field_means_from_csv(record: dict[str, Any], csv_path: Path) -> dict[str, Any]:
    from microsr_bench.metrics import default_cap, field_means

    name = record["dataset"]["name"]
    try:
        with csv_path.open(newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("dataset") == name]
    except OSError as exc:
        raise RecordError(f"{csv_path}: cannot read the per-image scores ({exc}).") from exc
    if not rows:
        raise RecordError(
            f"{csv_path}: no per-image rows of {name}; expected the CSV that score wrote beside the JSON."
        )
    groups = [r["hr_id"] for r in rows]
    out: dict[str, dict[str, Any]] = {}
    for column in (c for c in rows[0] if c not in ("dataset", "id", "hr_id")):
        recipe, _, metric = column.rpartition("/")
        values = [float(r[column]) for r in rows]
        out.setdefault(recipe or "no_reference", {})[metric] = field_means(values, groups, cap=default_cap(metric))
    return out


def load_comparable(path: str | Path) -> list[dict[str, Any]]:
    """The records of a result set, a single record or a leaderboard entry, each with ``field_means``.

    Records without ``field_means`` (schema 1.0) get them from the per-image CSV named by their
    ``per_image_file``, beside ``path``; a record with neither is refused.

    Raises:
        RecordError: unreadable or invalid JSON, or a record without per-field means or CSV.
    """
    from microsr_bench.scoring.record import read_result, validate_record

    file = Path(path)
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise RecordError(
            f"{file}: cannot be read as JSON ({exc}); pass a result JSON or a leaderboard entry."
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("record"), dict) and "submission" in data:
        validate_record(data["record"], where=str(file))
        records = [dict(data["record"])]
    else:
        records = [dict(r) for r in read_result(file)["records"]]
    for record in records:
        if record.get("field_means"):
            continue
        csv_name = record.get("per_image_file")
        if not csv_name or not (file.parent / csv_name).is_file():
            raise RecordError(
                f"{file}: the {record['dataset']['name']} record has no per-field means (field_means, schema 1.1) "
                f"and no per-image CSV beside it ({csv_name or 'none named'}); rescore it, or keep the CSV that "
                "`microsr-bench score` wrote next to the JSON."
            )
        record["field_means"] = _field_means_from_csv(record, file.parent / csv_name)
    return records


def compare_files(
    path_a: str | Path, path_b: str | Path, *, n_boot: int = 2000, n_resamples: int = 100_000, seed: int = 0
) -> list[PairedDifference]:
    """:func:`compare_records` for every sub-dataset that both files hold (A minus B).

    Raises:
        InvalidArgumentError: no sub-dataset in common, or any pair not on the same test data.
    """
    a = {r["dataset"]["name"]: r for r in load_comparable(path_a)}
    b = {r["dataset"]["name"]: r for r in load_comparable(path_b)}
    common = [n for n in a if n in b]
    if not common:
        raise InvalidArgumentError(
            f"compare: {path_a} holds {sorted(a)} and {path_b} holds {sorted(b)}: no sub-dataset in common."
        )
    return [d for n in common for d in compare_records(a[n], b[n], n_boot=n_boot, n_resamples=n_resamples, seed=seed)]
