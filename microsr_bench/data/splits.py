"""Canonical splits by field of view and nested few-shot subsets, by an explicit keyed-hash ranking.

The algorithm depends on nothing but the ids: each id is ranked by the SHA-256 of
``"microsr-bench/v1/<namespace>/<id>"`` (ties, which do not occur in practice, broken by the id itself).
That is the same on every machine, process, Python hash seed, thread count and file-system order.

- Splits: the dataset's HR ids are ranked in namespace ``split/<DATASET>``; the first ``n_train`` go to
  train, the next ``n_validation`` to validation, the rest to test. All frames of a field follow its HR id.
- Shots: the training pair ids are ranked in namespace ``shots/<DATASET>``; shots ``s`` takes the first
  ``n(s)`` of that one ranking, so 200 is inside 400 inside 800 inside full, by construction.
- Fields: the training HR ids are ranked in namespace ``fields/<DATASET>``; ``fields=f`` takes the first ``f``
  fields of that ranking with **all** their frames (2 ⊂ 4 ⊂ 8 ⊂ full). Pair-level shots vary noise
  realisations (200 random pairs of 3,600 touch every one of the 36 fields); field-level sets vary the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Literal

from microsr_bench.data.cards import SPLITS, SplitCounts, SplitName
from microsr_bench.errors import InvalidArgumentError

SHOT_LEVELS: tuple[int, ...] = (200, 400, 800)
#: Field-level few-shot sets: whole fields of view (all their frames) of the training split.
FIELD_LEVELS: tuple[int, ...] = (2, 4, 8)
ShotsArg = int | Literal["full"] | None
#: Training pairs of every sub-dataset in Table I; shot levels are defined against it.
CANONICAL_TRAIN_PAIRS = 3600

_PREFIX = "microsr-bench/v1"


def rank_key(namespace: str, item: str) -> str:
    """The hexadecimal SHA-256 that orders ``item`` within ``namespace``."""
    return hashlib.sha256(f"{_PREFIX}/{namespace}/{item}".encode()).hexdigest()


def keyed_order(namespace: str, items: Iterable[str]) -> list[str]:
    """Items sorted by their keyed hash (then by the item), independent of the input order."""
    unique = set(items)
    return sorted(unique, key=lambda item: (rank_key(namespace, item), item))


def frame_id(dataset: str, hr_id: str, frame: int) -> str:
    """The stable id of one LR frame, e.g. ``MITO/f0007/042``."""
    return f"{dataset}/{hr_id}/{frame:03d}"


def assign_splits(dataset: str, hr_ids: Sequence[str], counts: SplitCounts) -> dict[SplitName, list[str]]:
    """Assign HR ids to train/validation/test with the given counts; each list is sorted by id."""
    if len(set(hr_ids)) != len(hr_ids):
        raise InvalidArgumentError(f"{dataset}: HR ids must be unique; got duplicates.")
    if len(hr_ids) != counts.total:
        raise InvalidArgumentError(
            f"{dataset}: {len(hr_ids)} HR images cannot be split as train {counts.train}, "
            f"validation {counts.validation}, test {counts.test} (needs {counts.total})."
        )
    ranked = keyed_order(f"split/{dataset}", hr_ids)
    bounds = {"train": (0, counts.train), "validation": (counts.train, counts.train + counts.validation)}
    bounds["test"] = (counts.train + counts.validation, counts.total)
    return {split: sorted(ranked[slice(*bounds[split])]) for split in SPLITS}


def normalize_shots(shots: object) -> int | None:
    """Validate a shots argument: 200, 400, 800, or ``None``/``"full"`` for the whole training split."""
    if shots is None or shots == "full":
        return None
    if isinstance(shots, str) and shots.isdigit():
        shots = int(shots)
    if isinstance(shots, bool) or not isinstance(shots, int) or shots not in SHOT_LEVELS:
        raise InvalidArgumentError(
            f"shots must be one of 200, 400, 800 or 'full' (None), got {shots!r}. "
            "The few-shot training sets are fixed so that results are comparable."
        )
    return shots


def shot_count(level: int, train_pairs: int) -> int:
    """Training pairs taken by a shot level; scaled for reduced (non-canonical) data sizes.

    On the canonical data (3600 training pairs) this is the level itself. A reduced simulated size keeps
    the same fraction of its training split, at least one pair.
    """
    if train_pairs == CANONICAL_TRAIN_PAIRS:
        return level
    return max(1, min(train_pairs, round(level * train_pairs / CANONICAL_TRAIN_PAIRS)))


def select_shots(dataset: str, train_ids: Sequence[str], shots: ShotsArg) -> list[str]:
    """The ids of the few-shot training set (sorted), nested across levels; all ids for full."""
    level = normalize_shots(shots)
    if level is None:
        return sorted(train_ids)
    ranked = keyed_order(f"shots/{dataset}", train_ids)
    return sorted(ranked[: shot_count(level, len(ranked))])


def normalize_fields(fields: object) -> int | None:
    """Validate a fields argument: 2, 4, 8, or ``None``/``"full"`` for the whole training split."""
    if fields is None or fields == "full":
        return None
    if isinstance(fields, str) and fields.isdigit():
        fields = int(fields)
    if isinstance(fields, bool) or not isinstance(fields, int) or fields not in FIELD_LEVELS:
        raise InvalidArgumentError(
            f"fields must be one of {', '.join(map(str, FIELD_LEVELS))} or 'full' (None), got {fields!r}. "
            "The field-level training sets are fixed so that results are comparable."
        )
    return fields


def select_fields(dataset: str, train_ids: Sequence[str], fields: int | str | None) -> list[str]:
    """The frame ids of the field-level training set (sorted): the first ``fields`` training fields of the
    keyed ranking, all their frames; nested across levels. A reduced simulated size with fewer training fields
    than the level takes all of them."""
    level = normalize_fields(fields)
    if level is None:
        return sorted(train_ids)
    field_of = {frame: frame.rsplit("/", 1)[0] for frame in train_ids}
    chosen = set(keyed_order(f"fields/{dataset}", field_of.values())[:level])
    return sorted(frame for frame, field_id in field_of.items() if field_id in chosen)
