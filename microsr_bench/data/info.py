"""What a loaded benchmark is: names, source, size, shots and fingerprints, carried by every split."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import datasets as hf

from microsr_bench.data.cards import SplitName
from microsr_bench.errors import InvalidArgumentError

_TAG = "microsr-bench:"


@dataclass(frozen=True)
class BenchmarkInfo:
    """Provenance of a loaded benchmark; result records copy it so that results can be traced and compared."""

    #: Sub-datasets included, in the paper's order.
    datasets: tuple[str, ...]
    #: ``simulated``, ``folder`` (real data prepared from disk) or ``hub`` (real data from a hub repository).
    source: str
    #: ``full`` for the canonical size; ``small``/``tiny`` only for simulated test data.
    size: str
    #: True when every split has Table I's structure (only canonical results are ranked).
    canonical: bool
    #: Shot level of the training split (200, 400, 800) or ``None`` for the full training split.
    shots: int | None
    #: Largest pixel value per sub-dataset: images divide by it to reach [0, 1].
    max_values: dict[str, int]
    #: Per sub-dataset and split (plus ``all``), the manifest fingerprint (``sha256:...``).
    fingerprints: dict[str, dict[str, str]]
    #: Per sub-dataset, the manifest's source record (simulator version, hub repo and revision, folder root).
    source_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Training pairs per sub-dataset after applying ``shots``.
    train_pairs: dict[str, int] = field(default_factory=dict)
    #: Field-level few-shot set of the training split (2, 4, 8 whole fields) or ``None``; exclusive with shots.
    fields: int | None = None

    @property
    def is_simulated(self) -> bool:
        return self.source == "simulated"

    def fingerprint(self, dataset: str, split: SplitName | str = "test") -> str:
        return self.fingerprints[dataset][split]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["datasets"] = list(self.datasets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchmarkInfo:
        return cls(**{**data, "datasets": tuple(data["datasets"])})

    def stamp(self, dataset: hf.Dataset) -> hf.Dataset:
        """Record this info in a split's DatasetInfo (it survives select, map and with_format)."""
        dataset.info.description = f"{_TAG}{json.dumps(self.to_dict(), sort_keys=True)}"
        return dataset


def benchmark_info(obj: hf.Dataset | hf.DatasetDict) -> BenchmarkInfo:
    """The BenchmarkInfo of a split or of a dict of splits returned by ``load_benchmark``."""
    target = obj
    if isinstance(obj, hf.DatasetDict):
        if not obj:
            raise InvalidArgumentError("benchmark_info: the DatasetDict is empty.")
        target = next(iter(obj.values()))
    description = getattr(getattr(target, "info", None), "description", "") or ""
    if not description.startswith(_TAG):
        raise InvalidArgumentError(
            "benchmark_info: this dataset was not made by microsr_bench.load_benchmark (no provenance recorded); "
            "load it with load_benchmark so results can carry its source and fingerprint."
        )
    return BenchmarkInfo.from_dict(json.loads(description[len(_TAG) :]))
