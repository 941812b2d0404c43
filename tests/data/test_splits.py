"""Canonical splits and shots: Table I counts, no leakage, nesting, and determinism across processes."""

import os
import subprocess
import sys

import pytest

from microsr_bench.data.cards import SPLITS, get_card
from microsr_bench.data.splits import assign_splits, frame_id, keyed_order, select_shots, shot_count
from microsr_bench.errors import InvalidArgumentError

NAMES = ["MITO", "MPM", "MEM", "NUC"]


def canonical_splits(name):
    card = get_card(name)
    hr_ids = [f"f{i:04d}" for i in range(card.hr_images.total)]
    return assign_splits(name, hr_ids, card.hr_images)


def train_ids(name):
    return [frame_id(name, h, k) for h in canonical_splits(name)["train"] for k in range(100)]


@pytest.mark.parametrize("name", NAMES)
def test_split_counts_are_table_one(name):
    splits = canonical_splits(name)
    card = get_card(name)
    assert {s: len(splits[s]) * 100 for s in SPLITS} == {s: card.pairs(s) for s in SPLITS}


@pytest.mark.parametrize("name", NAMES)
def test_no_hr_id_in_two_splits(name):
    splits = canonical_splits(name)
    seen = [h for s in SPLITS for h in splits[s]]
    assert len(seen) == len(set(seen)) == get_card(name).hr_images.total


def test_assignment_ignores_input_order():
    card = get_card("MEM")
    ids = [f"f{i:04d}" for i in range(card.hr_images.total)]
    assert assign_splits("MEM", ids, card.hr_images) == assign_splits("MEM", ids[::-1], card.hr_images)


@pytest.mark.parametrize("name", NAMES)
def test_shots_are_nested_and_sized(name):
    ids = train_ids(name)
    s200, s400, s800, full = (set(select_shots(name, ids, s)) for s in (200, 400, 800, None))
    assert (len(s200), len(s400), len(s800), len(full)) == (200, 400, 800, 3600)
    assert s200 < s400 < s800 < full


def test_shots_only_from_training_fields():
    splits = canonical_splits("MITO")
    chosen = select_shots("MITO", train_ids("MITO"), 200)
    assert {i.split("/")[1] for i in chosen} <= set(splits["train"])


def test_golden_splits_and_shots_are_frozen():
    # Golden values: computed once with the keyed SHA-256 ranking of microsr_bench.data.splits and frozen
    # here; a change means every published few-shot result would silently train on different data.
    assert canonical_splits("MITO")["test"] == GOLDEN_MITO_TEST
    assert select_shots("MITO", train_ids("MITO"), 200)[:5] == GOLDEN_MITO_200_FIRST5
    assert select_shots("NUC", train_ids("NUC"), 800)[-3:] == GOLDEN_NUC_800_LAST3


GOLDEN_MITO_TEST = ["f0018", "f0036", "f0040"]
GOLDEN_MITO_200_FIRST5 = ["MITO/f0000/007", "MITO/f0000/046", "MITO/f0000/081", "MITO/f0000/097", "MITO/f0000/099"]
GOLDEN_NUC_800_LAST3 = ["NUC/f0063/072", "NUC/f0063/076", "NUC/f0063/079"]

_SCRIPT = """
from microsr_bench.data.cards import get_card
from microsr_bench.data.splits import assign_splits, frame_id, select_shots
out = []
for name in ["MITO", "MPM", "MEM", "NUC"]:
    card = get_card(name)
    ids = [f"f{i:04d}" for i in range(card.hr_images.total)][::-1]
    splits = assign_splits(name, ids, card.hr_images)
    train = [frame_id(name, h, k) for h in splits["train"] for k in range(100)]
    out.append(repr(splits) + repr(select_shots(name, set(train), 400)))
print(hash("x"), "|".join(out))
"""


def test_same_splits_in_processes_with_different_hash_seeds():
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=True)
        outputs.append(run.stdout.split(" ", 1))
    assert outputs[0][0] != outputs[1][0], "the two processes should really use different hash seeds"
    assert outputs[0][1] == outputs[1][1]


@pytest.mark.parametrize("bad", [100, 300, 0, -200, "200x", 200.0, True])
def test_bad_shots_are_rejected(bad):
    with pytest.raises(InvalidArgumentError, match="shots must be one of 200, 400, 800 or 'full'"):
        select_shots("MITO", train_ids("MITO"), bad)


def test_full_and_string_shots():
    ids = train_ids("MITO")
    assert select_shots("MITO", ids, "full") == sorted(ids)
    assert select_shots("MITO", ids, "400") == select_shots("MITO", ids, 400)


def test_shot_count_scales_for_reduced_sizes():
    assert shot_count(200, 3600) == 200
    # 16 training pairs (tiny simulated size): 200/3600 * 16 = 0.9 -> 1; 800/3600 * 16 = 3.6 -> 4.
    assert [shot_count(s, 16) for s in (200, 400, 800)] == [1, 2, 4]


def test_wrong_counts_are_rejected():
    with pytest.raises(InvalidArgumentError, match="cannot be split"):
        assign_splits("MITO", ["a", "b"], get_card("MITO").hr_images)


def test_keyed_order_is_a_permutation():
    items = [str(i) for i in range(100)]
    assert sorted(keyed_order("x", items)) == sorted(items)
    assert keyed_order("x", items) != keyed_order("y", items)


# Field-level few-shot sets (issue 13): frozen like the shots; the golden ids below were computed once with
# select_fields and must never change (they define the benchmark's field-level sets).
GOLDEN_MITO_FIELDS = {
    2: ["MITO/f0006", "MITO/f0029"],
    4: ["MITO/f0006", "MITO/f0009", "MITO/f0029", "MITO/f0031"],
    8: ["MITO/f0001", "MITO/f0002", "MITO/f0006", "MITO/f0009", "MITO/f0029", "MITO/f0031", "MITO/f0034", "MITO/f0043"],
}


def _fields_of(ids):
    return sorted({i.rsplit("/", 1)[0] for i in ids})


def test_field_sets_are_whole_nested_frozen_fields():
    import hashlib

    from microsr_bench.data.splits import select_fields

    ids = train_ids("MITO")
    previous = set()
    for level, golden in GOLDEN_MITO_FIELDS.items():
        chosen = select_fields("MITO", ids, level)
        assert _fields_of(chosen) == golden
        assert len(chosen) == 100 * level  # every frame of each chosen field
        assert previous <= set(chosen)  # 2 inside 4 inside 8
        previous = set(chosen)
    # Independent of select_fields: rank the 36 training fields by SHA-256 of the documented key by hand.
    fields = _fields_of(ids)
    by_hand = sorted(fields, key=lambda f: hashlib.sha256(f"microsr-bench/v1/fields/MITO/{f}".encode()).hexdigest())
    assert sorted(by_hand[:8]) == GOLDEN_MITO_FIELDS[8]
    assert select_fields("MITO", ids, "full") == sorted(ids)
    with pytest.raises(InvalidArgumentError, match="fields must be one of 2, 4, 8 or 'full'"):
        select_fields("MITO", ids, 3)


def test_load_benchmark_fields(tmp_path):
    from microsr_bench.data import load_benchmark

    kwargs = {"source": "simulated", "size": "tiny", "cache_dir": tmp_path, "progress": False}
    bench = load_benchmark("MITO", fields=2, **kwargs)
    full = load_benchmark("MITO", **kwargs)
    frames_per_field = len(full["train"]) // len(set(full["train"]["hr_id"]))
    assert len(set(bench["train"]["hr_id"])) == 2 and len(bench["train"]) == 2 * frames_per_field
    assert bench.benchmark.fields == 2 and bench.benchmark.shots is None
    assert bench["test"]["id"] == full["test"]["id"]  # only train shrinks
    from microsr_bench.scoring.lineage import pairs_level, stage_from_split

    (stage,) = stage_from_split(bench["train"], seed=0)
    assert (stage["fields"], stage["shots"], stage["hr_images"]) == (2, None, 2)
    assert pairs_level([stage], "MITO") == "fields=2"  # the board files it under its own few-shot axis
    with pytest.raises(InvalidArgumentError, match="give one of them"):
        load_benchmark("MITO", shots=200, fields=2, **kwargs)
