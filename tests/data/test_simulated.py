"""The simulated source: load_benchmark on tiny data, formats, DataLoader, views, and the frozen manifests."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from microsr_bench.data import SimulatedDataWarning, benchmark_info, load_benchmark
from microsr_bench.data.canonical import canonical_test_fingerprint, frozen_simulated_manifests
from microsr_bench.data.cards import SPLITS, get_card
from microsr_bench.data.manifest import image_sha256
from microsr_bench.data.splits import assign_splits
from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.simulate import simulate_hr, simulate_lr_frame

NAMES = ["MITO", "MPM", "MEM", "NUC"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("sim-cache")


@pytest.fixture(scope="module")
def tiny(cache):
    return load_benchmark("all", source="simulated", size="tiny", cache_dir=cache, progress=False)


def test_rows_and_provenance(tiny):
    # tiny profile: 4 train, 2 validation, 2 test fields of 4 frames per sub-dataset.
    assert {s: len(tiny[s]) for s in SPLITS} == {"train": 64, "validation": 32, "test": 32}
    assert tiny["train"].column_names == ["id", "dataset", "hr_id", "frame", "lr", "hr"]
    info = tiny.benchmark
    assert info.source == "simulated" and info.size == "tiny" and not info.canonical
    assert info.max_values == dict.fromkeys(NAMES, 4095)
    assert benchmark_info(tiny["test"]) == info
    assert benchmark_info(tiny["test"].select([0, 1]).with_format("numpy")) == info


def test_numpy_and_torch_formats_keep_uint16(tiny):
    row = tiny["test"].with_format("numpy")[0]
    assert row["lr"].dtype == np.uint16 and row["lr"].shape == (96, 96)
    assert row["hr"].dtype == np.uint16 and row["hr"].shape == (192, 192)
    trow = tiny["test"].with_format("torch")[0]
    assert trow["lr"].dtype == torch.uint16 and tuple(trow["lr"].shape) == (1, 96, 96)


def test_rows_match_the_simulator(tiny):
    row = tiny["validation"].with_format("numpy")[5]
    index = int(row["hr_id"][1:])
    lr = simulate_lr_frame(row["dataset"], index, row["frame"], hr_shape=(192, 192), lr_shape=(96, 96), frames=4)
    np.testing.assert_array_equal(row["lr"], lr)
    hr = simulate_hr(row["dataset"], index, hr_shape=(192, 192), frames=4)  # 2.0: HR follows a 4-frame burst
    np.testing.assert_array_equal(row["hr"], hr)


def test_dataloader_with_worker_processes(tiny):
    loader = torch.utils.data.DataLoader(
        tiny["train"].with_format("torch", columns=["lr", "hr"]), batch_size=8, num_workers=2
    )
    batches = list(loader)
    assert sum(b["lr"].shape[0] for b in batches) == 64
    assert batches[0]["hr"].dtype == torch.uint16 and tuple(batches[0]["hr"].shape) == (8, 1, 192, 192)


def test_hr_view_has_each_field_once(tiny):
    view = tiny.hr_images("train")
    assert len(view) == 16 and len(set(zip(view["dataset"], view["hr_id"], strict=True))) == 16
    assert set(view["hr_id"]) <= set(tiny["train"]["hr_id"])
    with pytest.raises(InvalidArgumentError, match="split must be one of"):
        tiny.hr_images("dev")


def test_no_field_in_two_splits(tiny):
    fields = {s: set(zip(tiny[s]["dataset"], tiny[s]["hr_id"], strict=True)) for s in SPLITS}
    assert not fields["train"] & fields["test"] and not fields["train"] & fields["validation"]
    assert not fields["validation"] & fields["test"]


def test_shots_shrink_train_only(cache):
    full = load_benchmark("NUC", source="simulated", size="tiny", cache_dir=cache)
    few = load_benchmark("NUC", shots=800, source="simulated", size="tiny", cache_dir=cache)
    fewer = load_benchmark("NUC", shots=200, source="simulated", size="tiny", cache_dir=cache)
    # tiny: 16 training pairs; 800 -> round(800 * 16 / 3600) = 4 pairs, 200 -> 1 pair.
    assert (len(full["train"]), len(few["train"]), len(fewer["train"])) == (16, 4, 1)
    assert set(fewer["train"]["id"]) <= set(few["train"]["id"]) <= set(full["train"]["id"])
    assert few["test"]["id"] == full["test"]["id"] and few.benchmark.shots == 800


def test_list_of_names_and_errors(cache):
    both = load_benchmark(["NUC", "MITO"], source="simulated", size="tiny", cache_dir=cache)
    assert both.benchmark.datasets == ("MITO", "NUC")
    with pytest.raises(UnknownNameError, match="Did you mean 'MEM'"):
        load_benchmark("MEMB", source="simulated", size="tiny", cache_dir=cache)
    with pytest.raises(InvalidArgumentError, match="shots must be one of"):
        load_benchmark("MITO", shots=100, source="simulated", size="tiny", cache_dir=cache)
    with pytest.raises(InvalidArgumentError, match="source must be one of"):
        load_benchmark("MITO", source="web", cache_dir=cache)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="only for simulated data"):
        load_benchmark("MITO", source="folder", size="tiny", cache_dir=cache)
    with pytest.raises(UnknownNameError, match="Unknown size 'huge'"):
        load_benchmark("MITO", source="simulated", size="huge", cache_dir=cache)  # type: ignore[arg-type]


def test_auto_falls_back_to_simulated_with_a_warning(cache, monkeypatch):
    monkeypatch.delenv("MICROSR_BENCH_DATA", raising=False)
    monkeypatch.delenv("MICROSR_BENCH_HUB_REPO", raising=False)
    with pytest.warns(SimulatedDataWarning, match=r"SIMULATED default data.*microsr-bench prepare ROOT"):
        bench = load_benchmark("MITO", size="tiny", cache_dir=cache)
    assert bench.benchmark.source == "simulated"


def test_damaged_simulated_cache_is_rebuilt(cache):
    bench = load_benchmark("MEM", source="simulated", size="tiny", cache_dir=cache)
    path = bench.prepared["MEM"].split_path("test")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.warns(RuntimeWarning, match=r"(?s)Corrupted cache.*Rebuilding the simulated data"):
        again = load_benchmark("MEM", source="simulated", size="tiny", cache_dir=cache)
    assert again.benchmark.fingerprints == bench.benchmark.fingerprints


def test_tiny_manifests_equal_the_frozen_ones(tiny):
    # Golden: microsr_bench/data/manifests/simulated-tiny.json.gz was written by tools/freeze_manifests.py;
    # generating the data again on this machine must give the same digests for every image.
    frozen = frozen_simulated_manifests("tiny")
    for name in NAMES:
        assert tiny.benchmark.fingerprints[name]["all"] == frozen[name].fingerprint(), name


def test_generation_matches_reference_without_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SimulatedDataWarning)
        load_benchmark("MPM", source="simulated", size="tiny", cache_dir=tmp_path, progress=False)


FULL = frozen_simulated_manifests("full")


@pytest.mark.skipif(not FULL, reason="frozen full manifests not generated")
@pytest.mark.parametrize("name", NAMES)
def test_frozen_full_manifest_structure(name):
    manifest = FULL[name]
    card = get_card(name)
    hr_ids = [f"f{i:04d}" for i in range(card.hr_images.total)]
    assert {s: manifest.hr_ids(s) for s in SPLITS} == assign_splits(name, hr_ids, card.hr_images)
    assert {s: len(manifest.ids(s)) for s in SPLITS} == {s: card.pairs(s) for s in SPLITS}
    assert canonical_test_fingerprint("simulated", name) == manifest.fingerprint("test")


@pytest.mark.skipif(not FULL, reason="frozen full manifests not generated")
@pytest.mark.parametrize(("name", "index", "frames"), [("MITO", 7, (0, 99)), ("NUC", 40, (51,))])
def test_frozen_full_manifest_samples_regenerate(name, index, frames):
    # Regenerating single images of the full default on this machine gives the frozen digests.
    manifest = FULL[name]
    entry = next(e for s in SPLITS for e in manifest.fields(s) if e.hr_id == f"f{index:04d}")
    assert image_sha256(simulate_hr(name, index)) == entry.hr_sha256
    for k in frames:
        assert image_sha256(simulate_lr_frame(name, index, k)) == entry.frame_sha256[k]


def test_pair_collator_scales_and_stacks(tiny):
    from microsr_bench.data import PairCollator

    rows = tiny["train"].with_format("numpy", columns=["dataset", "lr", "hr", "id"])
    batch = PairCollator(tiny.benchmark.max_values)([rows[0], rows[20]])
    assert batch["lr"].dtype == torch.float32 and tuple(batch["lr"].shape) == (2, 1, 96, 96)
    np.testing.assert_allclose(batch["hr"][1, 0].numpy(), rows[20]["hr"] / 4095.0, rtol=1e-6)
    assert batch["id"] == [rows[0]["id"], rows[20]["id"]]
    raw = PairCollator()([rows[1]])
    assert raw["lr"].dtype == torch.uint16
    loader = torch.utils.data.DataLoader(
        rows, batch_size=5, num_workers=2, collate_fn=PairCollator(tiny.benchmark.max_values)
    )
    assert sum(b["hr"].shape[0] for b in loader) == 64
    with pytest.raises(InvalidArgumentError, match="NumPy format"):
        PairCollator()([tiny["train"][0]])


def test_same_manifest_from_processes_with_different_hash_seeds(tmp_path):
    # Generation in two fresh processes with different PYTHONHASHSEED gives the frozen tiny manifest.
    import os
    import subprocess
    import sys

    code = (
        "from microsr_bench.data import load_benchmark; import sys; "
        "b = load_benchmark('NUC', source='simulated', size='tiny', cache_dir=sys.argv[1], progress=False); "
        "print(b.benchmark.fingerprints['NUC']['all'])"
    )
    prints = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / seed)], env=env, capture_output=True, text=True, check=True
        )
        prints.append(out.stdout.strip())
    assert prints[0] == prints[1] == frozen_simulated_manifests("tiny")["NUC"].fingerprint()


def test_prepared_is_the_public_read_only_view_of_the_data_on_disk(cache):
    bench = load_benchmark(["MITO", "NUC"], source="simulated", size="tiny", cache_dir=cache)
    assert list(bench.prepared) == ["MITO", "NUC"]
    for name, prepared in bench.prepared.items():
        # The manifest on disk is the one the test fingerprint was computed from (data/manifest.py).
        assert prepared.manifest.fingerprint("test") == bench.benchmark.fingerprint(name)
        assert prepared.split_path("test").is_file() and Path(cache) in prepared.root.parents
    with pytest.raises(TypeError):
        bench.prepared["MEM"] = bench.prepared["MITO"]  # type: ignore[index]


def test_frozen_manifests_of_another_simulator_version_are_ignored(monkeypatch):
    # The frozen files record the simulator version that made them; under another version they are not a
    # reference (nor the leaderboard's canonical fingerprints), so 1.0 and 2.0 data are never mixed.
    import microsr_bench.simulate as sim

    assert frozen_simulated_manifests("tiny")
    frozen_simulated_manifests.cache_clear()
    monkeypatch.setattr(sim, "SIMULATOR_VERSION", "9.9")
    try:
        assert frozen_simulated_manifests("tiny") == {}
        assert canonical_test_fingerprint("simulated", "MITO") is None
    finally:
        frozen_simulated_manifests.cache_clear()
