"""Seed repeats: one evaluation per seed, one record with mean ± sd over seeds (references: NumPy's mean/std)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols import paired
from microsr_bench.protocols.seeds import parse_seeds
from microsr_bench.scoring import read_result

SEEDED = """
import torch.nn.functional as F
from microsr_bench.protocols.method import method_factory


class Seeded:
    name = "seeded"

    def __init__(self, seed):
        self.gain = 1.0 - 0.1 * seed  # a training draw that changes the numbers with the seed

    def fit(self, train, validation):
        return self

    def __call__(self, lr):
        return (self.gain * F.interpolate(lr, scale_factor=2, mode="bicubic")).clamp(0, 1)


@method_factory
def make(options):
    return Seeded(options.seed)
"""


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder = tmp_path / "seeded_code"
    folder.mkdir()
    (folder / "seeded_method.py").write_text(textwrap.dedent(SEEDED))
    monkeypatch.syspath_prepend(str(folder))
    return "seeded_method:make"


def test_parse_seeds() -> None:
    assert parse_seeds("0,1,2") == (0, 1, 2) and parse_seeds([3]) == (3,)
    for bad in ("0,0", "a,1", "", "-1", [True]):
        with pytest.raises(InvalidArgumentError, match="seeds must be distinct non-negative integers"):
            parse_seeds(bad)  # type: ignore[arg-type]


def test_one_record_holds_each_seed_and_the_spread(run: Any, seeded: str, tmp_path: Path) -> None:
    combined = run(seeded, paired("MITO", 400), seeds="0,1,2").records[0]
    per_seed = []
    for seed in (0, 1, 2):
        (path,) = (tmp_path / "results" / f"seed-{seed}").rglob("result.json")
        per_seed.append(read_result(path)["records"][0])
    spread = combined["seed_spread"]
    assert spread["seeds"] == [0, 1, 2]
    values = [r["metrics"]["paper"]["psnr"]["mean"] for r in per_seed]
    assert len(set(values)) == 3  # the gain differs per seed, so do the numbers
    psnr = spread["metrics"]["paper"]["psnr"]
    assert psnr["values"] == values
    assert psnr["mean"] == pytest.approx(np.mean(values)) and psnr["sd"] == pytest.approx(np.std(values, ddof=1))
    # Field means are averaged over seeds, field by field.
    field = next(iter(combined["field_means"]["paper"]["psnr"]))
    expected = np.mean([r["field_means"]["paper"]["psnr"][field] for r in per_seed])
    assert combined["field_means"]["paper"]["psnr"][field] == pytest.approx(expected)
    # The combined record is written, validates, and names its seeds.
    (written,) = (tmp_path / "results" / "seeds-0-1-2").rglob("result.json")
    assert read_result(written)["records"][0]["seed_spread"] == json.loads(json.dumps(spread))
    assert combined["method"]["parameters"]["seeds"] == [0, 1, 2]


def test_seeds_need_a_fresh_method_per_seed(run: Any, recorder: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="needs a fresh method per seed"):
        run(recorder, paired("MITO"), seeds=[0, 1])


def test_evaluate_cli_seeds(cache: Path, tmp_path: Path, seeded: str) -> None:
    args = ["evaluate", "--method", seeded, "--dataset", "MITO", "--seeds", "0,1", "--source", "simulated"]
    args += ["--size", "tiny", "--cache-dir", str(cache), "--out", str(tmp_path / "cli"), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "paper/psnr:" in result.output and "(mean ± sd over seeds 0, 1)" in result.output
