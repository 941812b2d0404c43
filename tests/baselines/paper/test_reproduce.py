"""reproduce --budget tiny: the whole grid on tiny simulated data, its tables, plots and records."""

import json

from click.testing import CliRunner
from PIL import Image

from baselines.paper.reproduction import grid
from microsr_bench.cli import main
from microsr_bench.scoring import validate_result_set


def test_grid_matches_the_paper():
    jobs = grid()
    labels = {(j.method, j.protocol.id, j.protocol.test_dataset, j.protocol.shots) for j in jobs}
    # Fig. 2: the MITO base, zero-shot rows for MPM, MEM, NUC, and fine-tunes per dataset and shots.
    assert ("resrgan-b", "paired", "MITO", None) in labels
    assert {("resrgan-b", "zero_shot(source=MITO)", n, None) for n in ("MPM", "MEM", "NUC")} <= labels
    assert {("resrgan-b", "paired", n, s) for n in ("MPM", "MEM", "NUC") for s in (200, 400, 800, None)} <= labels
    # Table VI: RESRGan-S on MITO; frame averaging for every k.
    assert ("resrgan-s", "blind_synthetic(degradation=realesrgan)", "MITO", None) in labels
    assert {("frame-average", f"burst(k={k})", "NUC", None) for k in (1, 2, 4, 8, 16)} <= labels
    assert jobs.index(next(j for j in jobs if j.method == "resrgan-b")) < min(
        i for i, j in enumerate(jobs) if j.method == "resrgan-b" and j.protocol.name == "zero_shot"
    ), "the base must be trained before the zero-shot rows"


def test_reproduce_tiny(tmp_path):
    out = tmp_path / "repro"
    result = CliRunner().invoke(
        main,
        [
            "reproduce",
            "--budget",
            "tiny",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--quiet",
            "--no-physics",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    tables = (out / "tables.md").read_text()
    for title in ("Table II — MITO", "Table V — NUC", "Table VI", "Macro average", "Frame averaging"):
        assert title in tables
    headings = [line for line in tables.splitlines() if line.startswith("#")]
    assert all("SIMULATED" in h for h in headings), "every title must say the data is simulated"
    assert all("SMOKE TEST (budget tiny): the numbers are meaningless" in h for h in headings)
    assert "**Partial:**" not in tables, "the finished report is not marked partial"
    # Reduced sizes scale the shot levels (splits.shot_count): tiny MITO has 4 fields x 4 frames = 16 training
    # pairs, so 200 shots take round(200 * 16 / 3600) = 1 pair and 800 shots round(3.56) = 4 pairs; the labels
    # must give the pairs actually used, not the level alone.
    assert "| RESRGan-B2 (200 shots = 1 pair) |" in tables
    assert "| bicubic-fit (800 shots = 4 pairs) |" in tables
    assert "| bicubic-fit (full) |" in tables
    for plot in ("fewshot.png", "burst.png"):
        with Image.open(out / plot) as image:
            assert image.width > 800
    records = json.loads((out / "records.json").read_text())
    validate_result_set(records)
    methods = {r["method"]["name"] for r in records["records"]}
    assert {"bicubic", "bicubic-fit", "resrgan-b", "resrgan-s", "frame-average-1", "frame-average-4"} <= methods


def test_methods_subset_and_unknown_method(tmp_path):
    import pytest

    from baselines.paper.reproduction import reproduce
    from microsr_bench.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match=r"Unknown reproduce method 'bicubc'.*Did you mean 'bicubic'"):
        reproduce("tiny", methods=("bicubc",), out_dir=tmp_path)
    assert {j.method for j in grid(methods=("bicubic", "frame-average"))} == {"bicubic", "frame-average"}


def test_report_shows_only_the_methods_that_ran(tmp_path):
    # A grid run with --methods leaves the other methods out: their rows and tables must not appear as
    # placeholders. Records are the minimal fields the report reads, as a result set's records carry them.
    from baselines.paper.report import _dataset_table, _macro_table, _table_six

    def record(method, dataset, protocol="paired", shots=None, **parameters):
        summary = {"mean": 0.5, "sem": 0.01, "ci95": [0.48, 0.52]}
        return {
            "method": {"name": method},
            "protocol": {"name": protocol, "parameters": parameters},
            "dataset": {"name": dataset},
            "shots": shots,
            "train_pairs": 3600 if shots is None else shots,
            "metrics": {"paper": {"ssim": summary, "psnr": {**summary, "mean": 25.0}}},
        }

    records = [record("bicubic", "MITO"), record("frame-average-4", "MITO", "burst", k=4)]
    table = "\n".join(_dataset_table(records, "MITO", "Table II"))
    assert "| bicubic | 0.500 ± 0.010 | 25.00 ± 0.01 |" in table
    assert "RESRGan" not in table and "bicubic-fit" not in table and "–" not in table
    assert _table_six(records, "") == []
    assert _dataset_table([record("frame-average-4", "MITO", "burst", k=4)], "MITO", "Table II") == []
    assert _macro_table([record("frame-average-4", "MITO", "burst", k=4)], "") == []
    with_b = [*records, record("resrgan-b", "MITO", shots=200)]
    assert "| RESRGan-B (base: full MITO) | – | – |" in "\n".join(_dataset_table(with_b, "MITO", "Table II"))


def test_tables_are_written_after_every_job_and_stale_temporaries_removed(tmp_path, monkeypatch):
    import subprocess
    import sys

    import baselines.paper.report as report
    from baselines.paper.reproduction import reproduce

    # A killed earlier run's hidden prediction folder, named as the writer names them (pid of a dead process).
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    leftover = tmp_path / "out" / "runs" / "bicubic" / "paired" / "simulated-tiny" / "MITO-full"
    leftover = leftover / f".predictions.tmp-{dead}-0123abcd"
    leftover.mkdir(parents=True)
    seen = []
    real = report.write_report

    def spy(records, out_dir, **kwargs):
        path = real(records, out_dir, **kwargs)
        seen.append((kwargs["finished"], kwargs["plots"], path.read_text()))
        return path

    monkeypatch.setattr(report, "write_report", spy)
    reproduce(
        "tiny",
        datasets=["MITO"],
        methods=("bicubic", "frame-average"),
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    assert not leftover.exists()
    # tiny MITO has 4 frames per field: bicubic, then frame averaging of k = 1, 2, 4 (grid(frames_per_hr=4)).
    assert [finished for finished, _, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert "**Partial:** 1 of 4 jobs finished" in seen[0][2] and "| bicubic |" in seen[0][2]
    assert "**Partial:**" not in seen[-1][2] and seen[-1][1], "the last report is complete and has its plots"
    assert (tmp_path / "out" / "burst.png").is_file()


def test_reproduce_lives_in_baselines_paper_and_the_old_name_says_where():
    import pytest

    import baselines.paper
    import microsr_bench.protocols
    from baselines.paper.reproduction import reproduce

    assert baselines.paper.reproduce is reproduce
    with pytest.raises(AttributeError, match=r"moved to baselines\.paper\.reproduce"):
        microsr_bench.protocols.reproduce  # noqa: B018


def test_grid_on_the_fields_axis_swaps_the_few_shot_levels():
    import pytest

    from microsr_bench.errors import InvalidArgumentError

    jobs = grid(("MITO", "NUC"), axis="fields")
    paired_levels = {
        (j.method, j.protocol.test_dataset, j.protocol.shots, j.protocol.fields)
        for j in jobs
        if j.protocol.name == "paired" and j.method != "bicubic"
    }
    # The paper's levels become 2, 4, 8 fields; the full split (shots and fields None) stays, no pair level remains.
    assert {("resrgan-b", "NUC", None, f) for f in (2, 4, 8, None)} <= paired_levels
    assert {("bicubic-fit", "MITO", None, f) for f in (2, 4, 8, None)} <= paired_levels
    assert all(shots is None for _, _, shots, _ in paired_levels)
    with pytest.raises(InvalidArgumentError, match="axis must be one of shots, fields"):
        grid(axis="pairs")


def test_reproduce_on_the_fields_axis_draws_the_fields_curve(tmp_path):
    out = tmp_path / "repro"
    args = ["reproduce", "--budget", "tiny", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    args += ["--axis", "fields", "--methods", "bicubic-fit", "--dataset", "MITO"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    tables = (out / "tables.md").read_text()
    # Tiny MITO: 4 training fields x 4 frames (microsr_bench/data/profiles.py), so 2 fields are 8 pairs and the
    # 8-field level takes all 4 fields (16 pairs).
    assert "| bicubic-fit (2 fields = 8 pairs) |" in tables and "| bicubic-fit (8 fields = 16 pairs) |" in tables
    assert "shots" not in tables.split("### Table II")[1].split("###")[0], "no pair-level rows on the fields axis"
    assert (out / "fewshot-fields.png").is_file() and not (out / "fewshot.png").exists()
    records = json.loads((out / "records.json").read_text())["records"]
    assert sorted(r["fields"] or 0 for r in records) == [0, 2, 4, 8]
