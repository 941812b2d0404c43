"""The folder source: documented layout and CSV index, strict validation, atomic ingestion, corruption."""

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from microsr_bench.data import load_benchmark, prepare_folder
from microsr_bench.data.cache import CacheWriter
from microsr_bench.data.folder import folder_cache_dir
from microsr_bench.errors import CacheError, DataError, InvalidArgumentError, NotFoundError


def test_prepare_and_load_roundtrip(make_root, cache_dir):
    root, fields = make_root(n_hr=3)
    prepared = prepare_folder(root, ["MITO"], cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    assert not prepared["MITO"].manifest.canonical
    bench = load_benchmark("MITO", source="folder", cache_dir=cache_dir, progress=False)
    assert sum(len(bench[s]) for s in bench) == 300
    assert bench.benchmark.source == "folder" and not bench.benchmark.canonical
    row = bench["test"].with_format("numpy")[0]
    hr, frames = fields[row["hr_id"]]
    np.testing.assert_array_equal(row["hr"], hr)
    np.testing.assert_array_equal(row["lr"], frames[row["frame"]])
    assert row["id"] == f"MITO/{row['hr_id']}/{row['frame']:03d}"


def test_eight_bit_png_sets_max_value_255(make_root, cache_dir):
    root, _ = make_root(n_hr=3, dtype=np.uint8, high=256, fmt="png")
    prepared = prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    assert prepared["MITO"].manifest.max_value == 255


def test_non_canonical_counts_need_the_flag(make_root, cache_dir):
    root, _ = make_root(n_hr=3)
    with pytest.raises(DataError, match=r"3 HR images, Table I has 50.*--allow-noncanonical"):
        prepare_folder(root, cache_dir=cache_dir, progress=False)
    assert not folder_cache_dir(cache_dir).exists() or not any(folder_cache_dir(cache_dir).iterdir())


def test_all_problems_reported_at_once_and_nothing_written(make_root, cache_dir):
    root, _ = make_root(n_hr=4, frames=100)
    base = root / "MITO"
    (base / "lr" / "cell00" / "050.tif").unlink()  # missing frame
    (base / "lr" / "cell01" / "notes.txt").write_text("x")  # extra file
    (base / "lr" / "cell01" / "007.tif").write_bytes(b"II*\x00garbage")  # unreadable
    from tifffile import imwrite

    imwrite(base / "lr" / "cell02" / "003.tif", np.zeros((128, 128), np.uint16))  # wrong shape
    imwrite(base / "lr" / "cell02" / "004.tif", np.zeros((256, 256), np.float32))  # wrong dtype
    imwrite(base / "lr" / "cell02" / "005.tif", np.full((256, 256), 60000, np.uint16))  # above 12 bits
    (base / "hr" / "cell03.png").write_bytes((base / "hr" / "cell03.tif").read_bytes())  # two files, one id
    (base / "lr" / "ghost").mkdir()  # frames without HR image
    with pytest.raises(DataError) as info:
        prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    message = str(info.value)
    for expected in (
        "cell00: 99 frames, expected 100",
        "notes.txt: extra file",
        "007.tif: unreadable or truncated",
        "003.tif: LR shape (128, 128), expected (256, 256)",
        "004.tif: expected 8- or 16-bit unsigned integers, got dtype float32",
        "005.tif: value 60000 above 4095 (12-bit); pass --bit-depth 16",
        "duplicate HR id 'cell03'",
        "lr/ghost: frames without an HR image",
        "nothing was written",
    ):
        assert expected in message, expected
    assert len(info.value.problems) >= 8
    assert not (folder_cache_dir(cache_dir) / "MITO").exists()


def test_duplicate_content_is_reported(make_root, cache_dir):
    root, _ = make_root(n_hr=3)
    frame = root / "MITO" / "lr" / "cell00"
    (frame / "001.tif").write_bytes((frame / "000.tif").read_bytes())
    with pytest.raises(DataError, match=r"identical pixels in 2 files.*\(duplicate\)"):
        prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)


def test_csv_index(make_root, cache_dir, tmp_path):
    _, fields = make_root(n_hr=3)
    index = tmp_path / "index.csv"
    with index.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "lr_path", "hr_path"])
        for hr_id in fields:
            for k in range(100):
                writer.writerow(["MITO", f"real/MITO/lr/{hr_id}/{k:03d}.tif", f"real/MITO/hr/{hr_id}.tif"])
    prepared = prepare_folder(index_csv=index, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    assert sorted(e.hr_id for s in ("train", "validation", "test") for e in prepared["MITO"].manifest.fields(s)) == [
        "cell00",
        "cell01",
        "cell02",
    ]


def test_csv_index_problems(tmp_path, cache_dir):
    index = tmp_path / "index.csv"
    index.write_text("lr_path,hr_path\na.tif,b.tif\na.tif,b.tif\n")
    with pytest.raises(DataError, match="no 'dataset' column"):
        prepare_folder(index_csv=index, cache_dir=cache_dir, progress=False)
    with pytest.raises(DataError, match=r"a.tif already listed on line 2"):
        prepare_folder(index_csv=index, dataset="MITO", cache_dir=cache_dir, progress=False)


def test_splits_file_is_honoured(make_root, cache_dir):
    root, _ = make_root(n_hr=3)
    (root / "MITO" / "splits.csv").write_text("hr_id,split\ncell00,test\ncell01,train\ncell02,validation\n")
    prepared = prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    assert prepared["MITO"].manifest.hr_ids("test") == ["cell00"]


def test_missing_root_and_argument_errors(tmp_path, cache_dir):
    with pytest.raises(DataError, match="not a folder"):
        prepare_folder(tmp_path / "nowhere", cache_dir=cache_dir, progress=False)
    with pytest.raises(InvalidArgumentError, match="exactly one of"):
        prepare_folder(cache_dir=cache_dir)
    with pytest.raises(InvalidArgumentError, match="bit_depth must be between 8 and 16"):
        prepare_folder(tmp_path, bit_depth=20)


def test_folder_source_without_data_says_what_to_do(cache_dir, monkeypatch):
    monkeypatch.delenv("MICROSR_BENCH_DATA", raising=False)
    with pytest.raises(NotFoundError, match=r"microsr-bench prepare ROOT.*ROOT/<NAME>/hr/<hr_id>.tif"):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir)


def test_interrupted_prepare_leaves_nothing_loadable(make_root, cache_dir, monkeypatch):
    root, _ = make_root(n_hr=3)
    calls = []

    def failing(self, hr_id, hr, lr):
        calls.append(hr_id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way
        return original(self, hr_id, hr, lr)

    original = CacheWriter.add_field
    monkeypatch.setattr(CacheWriter, "add_field", failing)
    with pytest.raises(KeyboardInterrupt):
        prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    parent = folder_cache_dir(cache_dir)
    assert list(parent.iterdir()) == [parent / ".MITO.lock"] or not list(parent.glob("*MITO*tmp*"))
    monkeypatch.delenv("MICROSR_BENCH_DATA", raising=False)
    with pytest.raises(NotFoundError):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir)


def test_killed_prepare_leaves_nothing_loadable(make_root, cache_dir):
    # A process killed with SIGKILL cannot clean up: its hidden temporary folder stays, is never loaded,
    # and is removed by the next prepare.
    root, _ = make_root(n_hr=3)
    script = textwrap.dedent(f"""
        import os, signal
        from microsr_bench.data.cache import CacheWriter
        from microsr_bench.data import prepare_folder
        original = CacheWriter.add_field
        def add(self, *args):
            original(self, *args)
            os.kill(os.getpid(), signal.SIGKILL)
        CacheWriter.add_field = add
        prepare_folder({str(root)!r}, cache_dir={str(cache_dir)!r}, allow_noncanonical=True, progress=False)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert run.returncode == -9
    parent = folder_cache_dir(cache_dir)
    assert list(parent.glob(".MITO.tmp-*")), "the killed process should have left its partial build"
    assert not (parent / "MITO").exists()
    env_free = {k: v for k, v in os.environ.items() if k != "MICROSR_BENCH_DATA"}
    check = "from microsr_bench.data import load_benchmark\n"
    check += f"load_benchmark('MITO', source='folder', cache_dir={str(cache_dir)!r})"
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env_free)
    assert run.returncode == 1 and "No prepared real data for MITO" in run.stderr
    prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)
    assert not list(parent.glob(".MITO.tmp-*"))


def _prepared(make_root, cache_dir):
    root, _ = make_root(n_hr=3)
    return prepare_folder(root, cache_dir=cache_dir, allow_noncanonical=True, progress=False)["MITO"]


def test_truncated_cache_file_is_reported(make_root, cache_dir):
    prepared = _prepared(make_root, cache_dir)
    path = prepared.split_path("train")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CacheError, match=r"(?s)train.arrow: .* bytes, expected .*truncated.*prepare it again"):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir)


def test_altered_cache_file_is_detected_by_checksum(make_root, cache_dir):
    prepared = _prepared(make_root, cache_dir)
    path = prepared.hr_path(prepared.manifest.hr_ids("test")[0])
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # same size, different pixels
    path.write_bytes(bytes(data))
    with pytest.raises(CacheError, match=r"SHA-256 differs from integrity.json"):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir)


def test_full_verify_catches_damage_that_keeps_size_and_mtime(make_root, cache_dir):
    prepared = _prepared(make_root, cache_dir)
    path = prepared.split_path("validation")
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # bit rot: content changes, metadata does not
    load_benchmark("MITO", source="folder", cache_dir=cache_dir)  # quick mode trusts unchanged metadata
    with pytest.raises(CacheError, match="SHA-256 differs"):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir, verify="full")


def _prepare_killed_at(point, root, cache_dir, tmp_path):
    """Run ``microsr-bench prepare ROOT`` in a subprocess until it pauses at ``point``, then SIGKILL it."""
    flag = tmp_path / f"paused-{point}"
    env = {**os.environ, "MICROSR_BENCH_TEST_PAUSE_AT": point, "MICROSR_BENCH_TEST_PAUSE_FILE": str(flag)}
    env["OMP_NUM_THREADS"] = "1"
    args = ["prepare", str(root), "--cache-dir", str(cache_dir), "--allow-noncanonical", "--quiet"]
    process = subprocess.Popen([sys.executable, "-m", "microsr_bench.cli", *args], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert process.poll() is None, f"prepare ended before {point}: {process.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, f"prepare never reached {point}"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()


def _hidden(parent):
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def test_prepare_cli_killed_mid_ingest_or_mid_replace_leaves_nothing_a_rerun_trips_over(
    make_root, cache_dir, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from microsr_bench.cli import main

    monkeypatch.delenv("MICROSR_BENCH_DATA", raising=False)
    root, _ = make_root(n_hr=3)
    parent = folder_cache_dir(cache_dir)
    # 1. Killed after the first field is written: only the hidden partial build is left; nothing loads.
    _prepare_killed_at("cache-field-written", root, cache_dir, tmp_path)
    assert not (parent / "MITO").exists() and [n.split("-")[0] for n in _hidden(parent)] == [".MITO.tmp"]
    with pytest.raises(NotFoundError, match="No prepared real data for MITO"):
        load_benchmark("MITO", source="folder", cache_dir=cache_dir)
    rerun = CliRunner().invoke(main, ["prepare", str(root), "--cache-dir", str(cache_dir), "--allow-noncanonical"])
    assert rerun.exit_code == 0, rerun.output
    assert _hidden(parent) == [], "the dead run's partial build is removed by the re-run"
    fingerprint = load_benchmark("MITO", source="folder", cache_dir=cache_dir).benchmark.fingerprint("MITO", "test")

    # 2. A second prepare killed between moving the first copy aside and renaming its own into place: no MITO/ at
    # all for a moment. The next load puts the complete previous copy back (same fingerprint, full checksums)
    # and deletes the dead run's new build, instead of reporting the data missing.
    _prepare_killed_at("cache-replace", root, cache_dir, tmp_path)
    assert not (parent / "MITO").exists() and [n.split("-")[0] for n in _hidden(parent)] == [".MITO.old", ".MITO.tmp"]
    again = load_benchmark("MITO", source="folder", cache_dir=cache_dir, verify="full")
    assert again.benchmark.fingerprint("MITO", "test") == fingerprint and _hidden(parent) == []
    # And the same state reached by a re-run of prepare instead of a load: also clean.
    _prepare_killed_at("cache-replace", root, cache_dir, tmp_path)
    rerun = CliRunner().invoke(main, ["prepare", str(root), "--cache-dir", str(cache_dir), "--allow-noncanonical"])
    assert rerun.exit_code == 0, rerun.output
    assert _hidden(parent) == [] and (parent / "MITO" / "integrity.json").is_file()
