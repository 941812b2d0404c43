"""evaluate: caching by (method, options, protocol, data), overwrite choices, module:attr methods, CLI."""

import json
import shutil
import sys
import textwrap
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.protocols import MethodOptions, paired
from microsr_bench.protocols.evaluation import evaluation_paths


def _result_file(tmp_path):
    (path,) = (tmp_path / "results").rglob("result.json")
    return path


def test_results_are_cached_and_overwritten_on_request(run, tmp_path):
    first = run("bicubic-fit", paired("MITO", 400))
    path = _result_file(tmp_path)
    # Source and size are part of the path: a small or full result can never replace this tiny one.
    assert path.parts[-5:] == ("bicubic-fit", "paired", "simulated-tiny", "MITO-400", "result.json")
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


def _seed(result):
    return result.records[0]["aggregation"]["seed"]


USER_METHOD = """
import torch.nn.functional as F

from microsr_bench.protocols.method import method_factory


class Scaled:
    name = "user-scaled"

    def __call__(self, lr):
        return (GAIN * F.interpolate(lr, scale_factor=2, mode="bicubic")).clamp(0, 1)


@method_factory
def from_weights(options):
    # The "weights" are one number in a text file: enough to tell two weights files apart by their result.
    with open(options.weights) as handle:
        return WeightsScaled(float(handle.read()))


class WeightsScaled:
    name = "user-weights"

    def __init__(self, gain):
        self.gain = gain

    def __call__(self, lr):
        return (self.gain * F.interpolate(lr, scale_factor=2, mode="bicubic")).clamp(0, 1)
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """write(gain) -> a fresh importable module ``user_sr_method`` whose Scaled multiplies bicubic by gain."""
    folder = tmp_path / "user_code"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))

    def write(gain):
        (folder / "user_sr_method.py").write_text(textwrap.dedent(USER_METHOD).replace("GAIN", repr(gain)))
        sys.modules.pop("user_sr_method", None)  # as a new process would see the edited file

    yield write
    sys.modules.pop("user_sr_method", None)


def test_editing_module_attr_code_invalidates_the_cache(run, user_module):
    user_module(1.0)
    first = run("user_sr_method:Scaled", paired("MITO"))
    user_module(0.5)  # the user fixes a bug in their method: the old numbers must not come back
    second = run("user_sr_method:Scaled", paired("MITO"))
    assert second.records[0]["metrics"] != first.records[0]["metrics"]
    third = run("user_sr_method:Scaled", paired("MITO"))
    assert third.records[0]["metrics"] == second.records[0]["metrics"]


def test_weights_are_keyed_by_content_not_path(run, user_module, tmp_path):
    user_module(1.0)
    weights = tmp_path / "w.txt"
    weights.write_text("1.0")
    lines = []

    def go(path):
        options = MethodOptions(weights=path, progress=False)
        return run("user_sr_method:from_weights", paired("NUC"), options=options, report=lines.append)

    first = go(weights)
    weights.write_text("0.5")  # same path, new weights
    second = go(weights)
    assert second.records[0]["metrics"] != first.records[0]["metrics"]
    assert "replacing one whose key differs: options.weights" in lines[-1]
    moved = tmp_path / "moved.txt"
    shutil.copy(weights, moved)  # same weights elsewhere: the cached result holds
    go(moved)
    assert lines[-1].startswith("Reused the cached result")


def test_result_paths_name_source_and_size(tmp_path):
    def folder(source, size):
        return evaluation_paths(tmp_path, "bicubic", paired("MITO"), SimpleNamespace(source=source, size=size)).folder

    assert folder("simulated", "small") != folder("simulated", "full") != folder("folder", "full")
    assert folder("simulated", "small").relative_to(tmp_path).parts == (
        "bicubic",
        "paired",
        "simulated-small",
        "MITO-full",
    )


def test_a_key_never_vouches_for_another_runs_result(run, tmp_path):
    # The kill of issue 10: seed 7's result written over seed 0's, seed 0's key still in place. The key
    # names the sha256 of the files it commits, so seed 0 is recomputed, not answered with seed 7's record.
    run("bicubic", paired("NUC"))
    key = next((tmp_path / "results").rglob("key.json"))
    seed0_key = key.read_text()
    run("bicubic", paired("NUC"), options=MethodOptions(seed=7, progress=False))
    key.write_text(seed0_key)
    lines = []
    again = run("bicubic", paired("NUC"), report=lines.append)
    assert _seed(again) == 0
    assert "files do not match their key" in lines[-1]


def test_an_interrupted_commit_leaves_no_result(run, tmp_path, monkeypatch):
    import microsr_bench.protocols.evaluation as evaluation

    run("bicubic", paired("NUC"))

    def interrupt(point):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluation, "pause_point", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run("bicubic", paired("NUC"), options=MethodOptions(seed=7, progress=False))
    folder = next((tmp_path / "results").rglob("NUC-full"))
    assert sorted(p.name for p in folder.iterdir()) == [], "no result without its key, no key without its result"
    monkeypatch.undo()
    assert _seed(run("bicubic", paired("NUC"))) == 0


def test_evaluate_cli_says_where_and_whether_reused(cache, tmp_path):
    args = ["evaluate", "--method", "bicubic", "--dataset", "NUC", "--source", "simulated", "--size", "tiny"]
    args += ["--cache-dir", str(cache), "--out", str(tmp_path / "r"), "--quiet"]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    where = tmp_path / "r" / "bicubic" / "paired" / "simulated-tiny" / "NUC-full" / "result.json"
    assert first.exit_code == 0 and f"Wrote the result to {where}." in first.output
    second = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert second.exit_code == 0 and f"Reused the cached result {where}" in second.stderr
    assert json.loads(second.stdout)["records"][0]["dataset"]["name"] == "NUC"


def test_a_full_disk_is_one_clear_error_and_leaves_no_result(run, tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    import microsr_bench.scoring.output as output
    from microsr_bench.errors import DiskFullError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "_write_temp", full)  # scoring done, the result cannot be written
    with pytest.raises(DiskFullError, match=r"no space left.*NUC-full"):
        run("bicubic", paired("NUC"))
    monkeypatch.undo()
    monkeypatch.setattr(Path, "write_bytes", full)  # the predictions cannot be written
    with pytest.raises(DiskFullError, match="write predictions"):
        run("bicubic", paired("NUC"))
    monkeypatch.undo()
    left = [p.name for p in (tmp_path / "results").rglob("*") if p.is_file() or p.name.startswith(".")]
    assert left == [], f"nothing half-written may stay: {left}"


def test_cli_arguments_refused_up_front(cache, tmp_path):
    # The sweep of issue 10: arguments that used to pass parsing and fail later with a traceback.
    taken = tmp_path / "taken"
    taken.write_text("a file")
    data = ["--source", "simulated", "--size", "tiny", "--cache-dir", str(cache), "--quiet"]
    cases = [
        (["evaluate", "--method", "bicubic", "--dataset", "NUC", *data, "--out", str(taken)], 1, "is an existing file"),
        (["reproduce", "--budget", "tiny", "--out", str(taken), "--cache-dir", str(cache)], 1, "is an existing file"),
        (["evaluate", "--method", "frame-average", "--protocol", "burst", "--k", "0", "--dataset", "NUC"], 2, "--k"),
        (["predict", "--method", "bicubic", "--dataset", "NUC", "--batch-size", "0", "--out", "p"], 2, "--batch-size"),
    ]
    for args, code, message in cases:
        done = CliRunner().invoke(main, args)
        assert done.exit_code == code and message in done.output and "Traceback" not in done.output, (args, done.output)
    assert taken.read_text() == "a file"


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_an_unknown_method_is_refused_before_any_data_is_generated(tmp_path, command):
    # A typo in --method must not cost a data generation first: the cache stays empty.
    cache = tmp_path / "cache"
    args = [command, "--method", "bicubik", "--dataset", "MITO", "--size", "tiny", "--cache-dir", str(cache)]
    args += ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert "Unknown method 'bicubik'" in result.output and "Did you mean 'bicubic'" in result.output
    assert not cache.exists() or not any(cache.rglob("*"))
