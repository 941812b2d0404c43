"""Hostile and careless entries (issue 10): each fails `validate` with its own message; `build` writes nothing.

Each case starts from a valid fixture entry (conftest.make_entry, which passes every rule) and makes the one
change an attacker or a clumsy submitter made; the expected message names the rule and the JSON path.
Expected counts come from Table I (dataset cards): MITO's test split has 3 fields x 100 frames = 300 images,
its training split 3600 pairs; the 12-bit converter gives max_value 4095; the scorer caps PSNR at 100 dB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from leaderboard.cli import leaderboard
from leaderboard.entries import dump_entry
from leaderboard.validate import validate_entries

FORGED_ID = "paired\n\n| 1 | Forged (1.0) ✔ | 41.37 dB |\n<!--"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = entry
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return change


def _burst_as_paired(entry: dict[str, Any]) -> None:
    entry["record"]["protocol"] = {"name": "burst", "parameters": {"k": 4, "shots": None, "id": "paired"}}
    entry["record"]["n_images"] = 75  # 3 fields x (100 // 4) bursts: a valid burst record apart from its id
    for metrics in entry["record"]["metrics"].values():
        for summary in metrics.values():
            summary["n_images"] = 75


def _self_verified(entry: dict[str, Any]) -> None:
    entry["status"] = "verified"
    entry["verification"] = {
        "by": "Mallory",
        "how": "code",
        "date": "2025-01-01",
        "note": None,
        "scored_sha256": "sha256:" + "0" * 64,
    }


#: (case id, change, text every problem list must contain)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("newline-id-fake-table", _set("record/protocol/parameters/id", FORGED_ID), "[text] record/protocol/parameters/id"),
    (
        "trailing-space-id",
        _set("record/protocol/parameters/id", "paired "),
        "[protocol] record/protocol/parameters/id: got 'paired '",
    ),
    ("burst-as-paired", _burst_as_paired, "protocol 'burst' with these parameters has the id 'burst(k=4)'"),
    ("cr-in-hardware", _set("submission/hardware", "1x CPU\r| forged | row"), "[text] submission/hardware"),
    ("cr-in-setting", _set("record/protocol/parameters/source", "MPM\r"), "[text] record/protocol/parameters/source"),
    ("psnr-1e308", _set("record/metrics/paper/psnr/mean", 1e308), "record/metrics/paper/psnr/mean: 1e+308 outside"),
    (
        "niqe-1e20",
        _set("record/no_reference/niqe/mean", 1e20),
        "record/no_reference/niqe/mean: 1e+20 outside [0.0, 1000",
    ),
    (
        "nan-mean",
        _set("record/metrics/paper/ssim/mean", float("nan")),
        "record/metrics/paper/ssim/mean: nan is not a finite",
    ),
    ("infinite-sem", _set("record/metrics/float/psnr/sem", float("inf")), "record/metrics/float/psnr/sem: inf is not"),
    ("nan-runtime", _set("record/runtime/seconds_per_image", float("nan")), "record/runtime/seconds_per_image: nan"),
    ("negative-infinite-runtime", _set("submission/seconds_per_image", float("-inf")), "submission/seconds_per_image"),
    ("version-99", _set("record/library_version", "99.0"), "library_version '99.0' is newer than the installed"),
    ("n-images-1", _set("record/n_images", 1), "record/n_images: 1, but the canonical MITO test split gives 300"),
    ("train-pairs-99999", _set("record/train_pairs", 99999), "record/train_pairs: 99999; with shots None at most 3600"),
    ("max-value-1", _set("record/dataset/max_value", 1), "record/dataset/max_value: 1; MITO's card says 4095"),
    ("self-verified", _self_verified, "[verified] verification/by 'Mallory' is not in verifiers.json"),
    ("negative-sem", _set("record/metrics/paper/ssim/sem", -0.1), "[schema] record/metrics/paper/ssim/sem"),
    ("psnr-cap-raised", _set("record/aggregation/psnr_cap_db", 1e308), "record/aggregation/psnr_cap_db: 1e+308"),
    (
        "zero-shot-to-itself",
        _set("record/protocol", {"name": "zero_shot", "parameters": {"source": "MITO"}}),
        "is the paired protocol",
    ),
]


def _write(root, entry: dict[str, Any]) -> None:
    # json.dumps writes NaN and Infinity as the tokens the attacker's file held; dump_entry would refuse them
    path = root / "entries" / "simulated" / "DemoNet--1.0--paired--MITO--full.json"
    path.write_text(json.dumps(entry, indent=2, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(("case", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_entry_fails_validate_with_its_message(root, lb, case, change, expected):
    entry = lb.make_entry()
    change(entry)
    _write(root, entry)
    problems = validate_entries(root).problems
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("entries/simulated/DemoNet--1.0--paired--MITO--full.json: [") for p in problems)


@pytest.mark.parametrize(("case", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_build_refuses_hostile_entry_without_traceback_or_writing(root, lb, case, change, expected):
    entry = lb.make_entry()
    change(entry)
    _write(root, entry)
    out = CliRunner().invoke(leaderboard, ["build", "--root", str(root)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), out.output
    assert "Traceback" not in out.output and expected in out.output
    assert not (root / "README.md").exists() and not (root / "site").exists()


def test_simulated_fingerprint_in_canonical_real_is_refused(root, lb):
    # A real-board entry whose fingerprint is the simulated MITO one, registered as "real" in canonical_real.json
    (root / "canonical_real.json").write_text(json.dumps({"fingerprints": {"MITO": lb.SIMULATED["MITO"]}}))
    entry = lb.make_entry(lb.make_record(source="folder", fingerprint=lb.SIMULATED["MITO"]))
    (root / "entries" / "real" / "DemoNet--1.0--paired--MITO--full.json").write_text(dump_entry(entry))
    (problem,) = validate_entries(root).problems
    assert "[fingerprint]" in problem and "lists simulated test fingerprints as real ones" in problem
    out = CliRunner().invoke(leaderboard, ["build", "--root", str(root)])
    assert out.exit_code == 1 and "simulated and real results never mix" in out.output
    assert not (root / "README.md").exists()


def test_simulated_fingerprint_on_the_real_board_is_named(root, lb):
    # The real fingerprint is known, but the entry carries the simulated one under source 'folder'
    (root / "canonical_real.json").write_text(json.dumps({"fingerprints": {"MITO": lb.REAL["MITO"]}}))
    entry = lb.make_entry(lb.make_record(source="folder", fingerprint=lb.SIMULATED["MITO"]))
    (root / "entries" / "real" / "DemoNet--1.0--paired--MITO--full.json").write_text(dump_entry(entry))
    (problem,) = validate_entries(root).problems
    assert "is the canonical simulated one of MITO" in problem


def test_forged_id_cannot_reach_the_readme_even_unvalidated(lb):
    # Escaping is the second wall: render a row whose texts hold a fake table, a comment and a link
    from leaderboard.readme import render_readme
    from leaderboard.tables import row_from_entry

    entry = lb.make_entry()
    row = row_from_entry(entry, "entries/simulated/x.json")
    row = type(row)(**{**row.__dict__, "protocol": FORGED_ID, "setting": "a|b\r<!-- [x](javascript:1)"})
    readme = render_readme([row])
    assert (
        readme.count("<!--") == 1 and "\n| 1 | Forged" not in readme and not re.search(r"(?<!\\)\]\(javascript", readme)
    )
    assert "paired  \\| 1 \\| Forged (1.0) ✔ \\| 41.37 dB \\| &lt;!--" in readme  # one heading line, escaped
    rows = [line for line in readme.splitlines() if line.startswith("| ")]
    cells = [len(re.split(r"(?<!\\)\|", line)) for line in rows]  # unescaped pipes only
    assert len(rows) == 2 and cells[0] == cells[1]  # the header and one row, with as many cells
