"""evaluate: caching by (method, options, protocol, data), overwrite choices, module:attr methods, CLI."""

import json

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.protocols import MethodOptions, paired


def _result_file(tmp_path):
    (path,) = (tmp_path / "results").rglob("result.json")
    return path


def test_results_are_cached_and_overwritten_on_request(run, tmp_path):
    first = run("bicubic-fit", paired("MITO", 400))
    path = _result_file(tmp_path)
    assert path.parts[-4:] == ("bicubic-fit", "paired", "MITO-400", "result.json")
    stamp = path.stat().st_mtime_ns
    again = run("bicubic-fit", paired("MITO", 400))
    assert path.stat().st_mtime_ns == stamp and again.records[0]["metrics"] == first.records[0]["metrics"]
    run("bicubic-fit", paired("MITO", 400), overwrite="always")
    assert path.stat().st_mtime_ns != stamp


def test_a_different_seed_is_a_different_result(run, tmp_path):
    run("bicubic", paired("NUC"))
    key = json.loads(next((tmp_path / "results").rglob("key.json")).read_text())
    run("bicubic", paired("NUC"), options=MethodOptions(seed=1, progress=False))
    assert json.loads(next((tmp_path / "results").rglob("key.json")).read_text())["hash"] != key["hash"]


def test_rescoring_kept_predictions(run, tmp_path):
    run("bicubic", paired("MEM"), keep_predictions=True)
    assert next((tmp_path / "results").rglob("predictions.json"))
    result = run("bicubic", paired("MEM"), overwrite="scores")
    assert result.records[0]["method"]["parameters"].get("fit_seconds") is None


def test_predictions_are_removed_unless_kept(run, tmp_path):
    run("bicubic", paired("MITO"))
    assert not list((tmp_path / "results").rglob("predictions.json"))


def test_module_attr_methods_plug_in(run):
    # baselines.classical:Interpolate is a class: instantiated with no arguments (bicubic).
    record = run("baselines.classical:Interpolate", paired("MITO")).records[0]
    assert record["method"]["name"] == "bicubic"


def test_bad_method_specs(run):
    with pytest.raises(UnknownNameError, match=r"Unknown method 'bicubik'.*Did you mean 'bicubic'"):
        run("bicubik", paired("MITO"))
    with pytest.raises(InvalidArgumentError, match=r"cannot import 'Nope' from module 'baselines\.classical'"):
        run("baselines.classical:Nope", paired("MITO"))
    with pytest.raises(InvalidArgumentError, match="overwrite must be one of never, scores, always"):
        run("bicubic", paired("MITO"), overwrite="sometimes")


def test_evaluate_cli(cache, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            "--method",
            "frame-average",
            "--protocol",
            "burst",
            "--k",
            "2",
            "--dataset",
            "NUC",
            "--source",
            "simulated",
            "--size",
            "tiny",
            "--cache-dir",
            str(cache),
            "--out",
            str(tmp_path / "r"),
            "--quiet",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "method frame-average-2, protocol burst" in result.output and "SIMULATED" in result.output
    bad = CliRunner().invoke(
        main,
        [
            "evaluate",
            "--method",
            "bicubic",
            "--dataset",
            "NUC",
            "--shots",
            "300",
            "--source",
            "simulated",
            "--size",
            "tiny",
            "--cache-dir",
            str(cache),
        ],
    )
    assert bad.exit_code == 1 and "shots must be one of 200, 400, 800" in bad.output
