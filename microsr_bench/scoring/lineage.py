"""Lineage: the ordered list of everything that reached a model's weights, as a result record stores it.

A lineage is a list of entries, first to last:

- ``{"kind": "initial_weights", "name", "source", "sha256"}``: where the very first weights came from (a
  published checkpoint; ``name: "scratch"`` with ``sha256: null`` for a random initialisation);
- ``{"kind": "training", "dataset", "split", "source", "shots", "fields", "pairs", "hr_images", "lr",
  "iterations", "seed", "by"}``: one training stage and the data it learned from. ``pairs`` and ``hr_images``
  are counted from the rows the stage was handed (not from what a label claims); ``shots``/``fields`` give the
  nested few-shot level (both None: the whole split); ``lr`` is ``real`` or ``synthetic:<degradation>`` (a
  stage that saw only the HR images); ``by`` is ``protocol`` for the stage ``evaluate`` handed to ``fit`` and
  ``method`` for stages the method declares itself (e.g. RESRGan-B's MITO base).

Methods declare what came before the protocol's stage with a ``lineage`` attribute (a sequence of entries);
methods without one get :func:`declared_lineage`'s default (their ``parameters["initial_weights"]`` when
present, else nothing). The leaderboard's extra-data mark (:func:`uses_extra_data`) and few-shot tables
(:func:`pairs_level`) are computed from the lineage, never from what a submitter types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import datasets

from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import InvalidArgumentError

__all__ = [
    "declared_lineage",
    "initial_weights_entry",
    "pairs_level",
    "stage_from_split",
    "training_pairs_seen",
    "uses_extra_data",
]

_ENTRY_KEYS = {
    "initial_weights": {"kind", "name", "source", "sha256"},
    "training": {"kind", "dataset", "split", "source", "shots", "fields", "pairs", "hr_images", "lr"}
    | {"iterations", "seed", "by"},
}


def initial_weights_entry(name: str, source: str, sha256: str | None) -> dict[str, Any]:
    """The first entry of a lineage: a published checkpoint (``sha256`` of its file) or ``scratch``."""
    digest = None if sha256 is None else sha256.removeprefix("sha256:")
    return {"kind": "initial_weights", "name": name, "source": source, "sha256": digest}


def stage_from_split(
    split: datasets.Dataset,
    *,
    iterations: int | None = None,
    seed: int | None = None,
    by: str = "protocol",
    split_name: str = "train",
    lr: str | None = None,
) -> list[dict[str, Any]]:
    """One training entry per sub-dataset in ``split``, counted from its rows.

    ``split`` is what ``load_benchmark`` (or a protocol) returned, so it carries its provenance; a synthetic
    split (``blind_synthetic``) is marked ``lr: synthetic:<degradation>`` and counts HR images, not pairs; so is
    an HR-only view (no ``lr`` column), with ``lr`` naming the synthesis the method applied.
    """
    info = benchmark_info(split)
    names = list(split["dataset"])
    hr_ids = list(split["hr_id"])
    entries = []
    for name in info.datasets:
        synthetic = info.source_details.get(name, {}).get("synthetic_lr")
        if lr is not None and lr != "real":
            synthetic = lr.removeprefix("synthetic:")
        elif "lr" not in split.column_names:
            synthetic = synthetic or "unspecified"
        rows = [h for n, h in zip(names, hr_ids, strict=True) if n == name]
        entries.append(
            {
                "kind": "training",
                "dataset": name,
                "split": split_name,
                "source": info.source,
                "shots": info.shots,
                "fields": getattr(info, "fields", None),
                "pairs": 0 if synthetic else len(rows),
                "hr_images": len(set(rows)),
                "lr": f"synthetic:{synthetic}" if synthetic else "real",
                "iterations": iterations,
                "seed": seed,
                "by": by,
            }
        )
    return entries


def declared_lineage(method: object) -> list[dict[str, Any]]:
    """What a method says reached its weights before the protocol's stage (a copy, checked).

    Its ``lineage`` attribute when it has one; otherwise the ``initial_weights`` (``{name, source, sha256}``) of
    its ``parameters`` when present; otherwise nothing (a method that starts from scratch or does not train).
    """
    declared = getattr(method, "lineage", None)
    if declared is None:
        parameters = getattr(method, "parameters", None) or {}
        init = parameters.get("initial_weights") if isinstance(parameters, Mapping) else None
        if isinstance(init, Mapping) and init.get("name"):
            return [initial_weights_entry(str(init["name"]), str(init.get("source", "")), init.get("sha256"))]
        return []
    if isinstance(declared, (str, bytes, Mapping)) or not isinstance(declared, Sequence):
        raise InvalidArgumentError(
            f"{type(method).__name__}.lineage must be a list of entries (dicts with a 'kind'), got "
            f"{type(declared).__name__}; see microsr_bench.scoring.lineage for the entry format."
        )
    entries = [dict(entry) for entry in declared]
    for k, entry in enumerate(entries):
        if entry.get("by") == "protocol":
            raise InvalidArgumentError(
                f"{type(method).__name__}.lineage[{k}] says by='protocol'; only evaluate writes the protocol's "
                "stage. Declare the method's own stages with by='method'."
            )
        kind = entry.get("kind")
        if kind not in _ENTRY_KEYS or not _ENTRY_KEYS[kind] >= set(entry) or "kind" not in entry:
            raise InvalidArgumentError(
                f"{type(method).__name__}.lineage[{k}] = {entry!r} is not a lineage entry: expected kind "
                f"'initial_weights' with keys {sorted(_ENTRY_KEYS['initial_weights'])} or 'training' with keys "
                f"among {sorted(_ENTRY_KEYS['training'])}; build entries with initial_weights_entry/stage_from_split."
            )
    return entries


def _training(lineage: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in lineage if e.get("kind") == "training"]


def training_pairs_seen(lineage: Sequence[Mapping[str, Any]], dataset: str) -> int:
    """The most real training pairs of ``dataset``'s training split that any one stage learned from.

    Few-shot sets are nested (200 ⊂ 400 ⊂ 800 ⊂ full), so the largest stage is the union of all of them.
    """
    return max((int(e.get("pairs") or 0) for e in _training(lineage) if _is_train_of(e, dataset)), default=0)


def _is_train_of(entry: Mapping[str, Any], dataset: str) -> bool:
    return entry.get("dataset") == dataset and entry.get("split") == "train"


def _level(entry: Mapping[str, Any]) -> tuple[int, int]:
    """Order of few-shot levels: any pair-level set < the full split (fields sets sort by their pair count)."""
    if entry.get("shots") is None and entry.get("fields") is None:
        return (1, 0)
    return (0, int(entry.get("pairs") or 0))


def pairs_level(lineage: Sequence[Mapping[str, Any]], dataset: str) -> int | str | None:
    """The few-shot level a record belongs to by what its model learned of ``dataset``'s training split.

    ``200``/``400``/``800`` (pair-level shots), ``"fields=<n>"`` (field-level sets), ``"full"`` (the whole split)
    or None (no stage learned from its real pairs; HR-only stages of ``blind_synthetic`` do not count). The
    largest stage decides: a model fine-tuned on 200 pairs from a base that learned the whole split is ``full``.
    """
    stages = [e for e in _training(lineage) if _is_train_of(e, dataset) and e.get("lr") == "real"]
    if not stages:
        return None
    top = max(stages, key=_level)
    if top.get("shots") is not None:
        return int(top["shots"])
    if top.get("fields") is not None:
        return f"fields={int(top['fields'])}"
    return "full"


def uses_extra_data(lineage: Sequence[Mapping[str, Any]]) -> bool:
    """True when anything beyond the protocol's own training data reached the weights.

    Extra: published initial weights (pre-training on outside data), or a training stage on any data other
    than the protocol's stage(s) (``by: protocol``): another sub-dataset, or more of the same split than the
    protocol handed over.
    """
    allowed = [e for e in _training(lineage) if e.get("by") == "protocol"]
    for entry in lineage:
        if entry.get("kind") == "initial_weights":
            if entry.get("name") != "scratch":
                return True
        elif not any(_within(entry, stage) for stage in allowed):
            return True
    return False


def _within(entry: Mapping[str, Any], allowed: Mapping[str, Any]) -> bool:
    same = all(entry.get(k) == allowed.get(k) for k in ("dataset", "split", "source", "lr"))
    return same and _level(entry) <= _level(allowed) and int(entry.get("pairs") or 0) <= int(allowed.get("pairs") or 0)
