"""The MITO few-shot leak (issue 13): no RESRGan-B model scored as "k pairs" learned from more than k pairs.

A recording sampler lists every training frame any stage of a fit samples from (the base included), so the
test checks what reached the weights, not what the labels say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import baselines.realesrgan.recipes as recipes
from baselines.realesrgan.method import ResrganB
from microsr_bench.data import BenchmarkDict, load_benchmark
from microsr_bench.protocols.evaluation import model_lineage
from microsr_bench.protocols.method import MethodOptions
from microsr_bench.scoring.lineage import pairs_level, training_pairs_seen, uses_extra_data

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The frame ids of every paired training stage started while the fixture is active."""
    stages: list[list[str]] = []

    class Recording(recipes.PairedPatchSampler):  # type: ignore[misc, name-defined]
        def __init__(self, split: Any, *args: Any, **kwargs: Any) -> None:
            stages.append(list(split["id"]))  # ids are "<DATASET>/<field>/<frame>"
            super().__init__(split, *args, **kwargs)

    monkeypatch.setattr(recipes, "PairedPatchSampler", Recording)
    return stages


def _fit(bench: BenchmarkDict, workdir: Path, cache: Path) -> ResrganB:
    options = MethodOptions(budget="tiny", workdir=workdir, progress=False)
    return ResrganB(options, cache_dir=cache).fit(bench["train"], bench["validation"])


@pytest.mark.parametrize("shots", [200, 800])
def test_a_mito_few_shot_model_sees_only_its_shots(
    shots: int, seen: list[list[str]], tiny_cache: Path, tmp_path: Path
) -> None:
    bench = load_benchmark("MITO", shots=shots, source="simulated", size="tiny", cache_dir=tiny_cache, progress=False)
    method = _fit(bench, tmp_path, tiny_cache)
    allowed = set(bench["train"]["id"])
    learned = {frame for stage in seen for frame in stage if frame.startswith("MITO/")}
    assert seen and learned <= allowed and len(learned) == len(allowed) < 16  # 16: tiny MITO's full split
    lineage = model_lineage(method, bench["train"], 0)
    assert training_pairs_seen(lineage, "MITO") == len(allowed) and pairs_level(lineage, "MITO") == shots
    assert not uses_extra_data(lineage)  # tiny nets start from scratch; only the protocol's pairs reached them
    assert method.training["stage"] == "from-initial-weights"


def test_other_datasets_declare_the_mito_base(
    seen: list[list[str]], tiny_nuc: BenchmarkDict, tiny_cache: Path, tmp_path: Path
) -> None:
    method = _fit(tiny_nuc, tmp_path, tiny_cache)
    lineage = model_lineage(method, tiny_nuc["train"], 0)
    mito = {frame for stage in seen for frame in stage if frame.startswith("MITO/")}
    # What the base learned is what the lineage declares: every MITO training pair, by the method.
    assert [(e["kind"], e.get("dataset"), e.get("by")) for e in lineage] == [
        ("initial_weights", None, None),
        ("training", "MITO", "method"),
        ("training", "NUC", "protocol"),
    ]
    assert lineage[1]["pairs"] == len(mito) == 16 and uses_extra_data(lineage)
    assert pairs_level(lineage, "NUC") == "full"


def test_a_saved_model_carries_its_lineage(tiny_nuc: BenchmarkDict, tiny_cache: Path, tmp_path: Path) -> None:
    method = _fit(tiny_nuc, tmp_path, tiny_cache)
    loaded = ResrganB(MethodOptions(budget="tiny", weights=method.save(tmp_path / "b.safetensors"), progress=False))
    # Loaded, its whole history is what came before any further fit: base and NUC stages, both by the method.
    assert [(e.get("dataset"), e.get("by")) for e in loaded.lineage] == [
        (None, None),
        ("MITO", "method"),
        ("NUC", "method"),
    ]
