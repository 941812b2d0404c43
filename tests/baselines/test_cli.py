"""Tests of the ``train`` and ``predict`` commands (baselines/cli.py) on the simulated tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from baselines.cli import _standalone

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = ["--source", "simulated", "--size", "tiny", "--quiet"]


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(_standalone(), args, catch_exceptions=False)


def test_train_then_predict_from_the_workdir(
    tiny_cache: Path, tmp_path: Path, entry_points_from_setup_cfg: None
) -> None:
    data = ["--cache-dir", str(tiny_cache), *TINY]
    trained = _run(["train", "resrgan-b", "--dataset", "NUC", "--budget", "tiny", "--workdir", str(tmp_path), *data])
    assert trained.exit_code == 0, trained.output
    weights = tmp_path / "models" / "resrgan-b_tiny_simulated-tiny_NUC_full_seed0.safetensors"
    assert f"Weights: {weights}" in trained.output and weights.is_file()
    assert "fine-tuned on NUC" in trained.output and "Initial weights: scratch" in trained.output

    out = tmp_path / "pred"
    args = ["predict", "--method", "resrgan-b", "--dataset", "NUC", "--budget", "tiny", "--workdir", str(tmp_path)]
    done = _run([*args, *data, "--out", str(out)])
    assert done.exit_code == 0, done.output
    meta = json.loads((out / "predictions.json").read_text())
    assert meta["method"] == "resrgan-b" and meta["datasets"]["NUC"]["n"] == 8  # 2 test fields x 4 frames
    assert "Wrote 8 predictions of resrgan-b for NUC" in done.output


def test_predict_of_an_untrained_method_says_what_is_missing(tiny_cache: Path, tmp_path: Path) -> None:
    data = ["--cache-dir", str(tiny_cache), *TINY]
    args = ["predict", "--method", "baselines.registry:resrgan_b", "--dataset", "NUC", "--budget", "tiny"]
    done = _run([*args, "--workdir", str(tmp_path), *data, "--out", str(tmp_path / "p")])
    assert done.exit_code == 2
    assert "Pass --fit to train it now, --weights FILE.safetensors, or --workdir" in done.output
    assert "resrgan-b_tiny_simulated-tiny_NUC_full_seed0.safetensors" in done.output  # where it looked
    fit_args = ["predict", "--method", "baselines.registry:bicubic_fit", "--dataset", "NUC", *data]
    done = _run([*fit_args, "--out", str(tmp_path / "p")])
    assert done.exit_code == 2 and "no trained weights were given" in done.output


def test_predict_classical_methods(tiny_cache: Path, tmp_path: Path) -> None:
    data = ["--cache-dir", str(tiny_cache), *TINY]
    out = tmp_path / "bicubic"
    done = _run(["predict", "--method", "baselines.registry:bicubic", "--dataset", "MITO", *data, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert len(list(out.rglob("*.tif"))) == 8
    again = _run(["predict", "--method", "baselines.registry:bicubic", "--dataset", "MITO", *data, "--out", str(out)])
    assert (
        again.exit_code == 2 and "already holds predictions written by microsr-bench; pass --overwrite" in again.output
    )
    fitted = tmp_path / "fit"
    args = ["predict", "--method", "baselines.registry:bicubic_fit", "--dataset", "MITO", "--fit", "--format", "npy"]
    done = _run([*args, *data, "--out", str(fitted)])
    assert done.exit_code == 0, done.output
    assert len(list(fitted.rglob("*.npy"))) == 8


def test_train_resrgan_s_json(tiny_cache: Path, tmp_path: Path) -> None:
    args = ["train", "resrgan-s", "--budget", "tiny", "--workdir", str(tmp_path), "--cache-dir", str(tiny_cache)]
    done = _run([*args, *TINY, "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["name"] == "resrgan-s" and summary["training"]["stage"] == "synthetic"
    assert summary["identity"].startswith("sha256:") and Path(summary["weights"]).is_file()


def test_library_errors_become_one_line(tiny_cache: Path, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        _standalone(), ["train", "resrgan-b", "--dataset", "MITOO", "--cache-dir", str(tiny_cache), *TINY]
    )
    assert done.exit_code == 1 and done.output.startswith("Error: Unknown dataset 'MITOO'")


def test_predict_overwrite_never_deletes_a_foreign_folder(
    tiny_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--cache-dir", str(tiny_cache), *TINY]
    args = ["predict", "--method", "baselines.registry:bicubic", "--dataset", "MITO", *data]
    thesis = tmp_path / "work" / "thesis.tex"
    thesis.parent.mkdir()
    thesis.write_text("chapter 1")
    done = _run([*args, "--out", str(thesis.parent), "--overwrite"])
    assert done.exit_code == 2 and "It is left alone, also with --overwrite" in done.output
    assert thesis.read_text() == "chapter 1"
    monkeypatch.chdir(thesis.parent)
    for out in (".", "..", "~", str(tiny_cache.parent)):
        done = _run([*args, "--out", out, "--overwrite"])
        assert done.exit_code == 2, (out, done.output)
        assert "a prediction folder replaces everything in it" in done.output and "Traceback" not in done.output
    assert sorted(p.name for p in thesis.parent.iterdir()) == ["thesis.tex"]


def test_budget_choices_are_the_method_budgets() -> None:
    # The CLIs spell the choices out (importing microsr_bench.protocols.method would load torch at start-up).
    import click

    from baselines.cli import _BUDGETS
    from microsr_bench.cli.protocols import evaluate_cmd
    from microsr_bench.protocols.method import BUDGETS

    assert tuple(_BUDGETS.choices) == BUDGETS == ("tiny", "cpu", "short", "paper")
    budget = next(p for p in evaluate_cmd.params if p.name == "budget")
    assert isinstance(budget.type, click.Choice) and tuple(budget.type.choices) == BUDGETS
