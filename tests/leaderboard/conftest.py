"""Fixtures for the leaderboard tests: valid result records built in code, fake canonical fingerprints, a root.

Records are made by ``make_record`` and checked with the scorer's own ``validate_record``, so the fixture
entries are the same shape as what ``microsr-bench score`` writes, never hand-typed JSON.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from leaderboard.entries import SubmissionMetadata, Verification, dump_entry, entry_from_record, entry_relpath
from microsr_bench._version import __version__
from microsr_bench.data import canonical as library_canonical
from microsr_bench.data.cards import get_card
from microsr_bench.scoring.record import SCHEMA_VERSION, validate_record


def fake_fingerprint(tag: str) -> str:
    return "sha256:" + hashlib.sha256(tag.encode()).hexdigest()


#: The one name the fixture root's verifiers.json allows to verify entries.
VERIFIER = "maintainer"
#: Stand-ins for the frozen simulated manifests (the lead ships the real ones; tests must not depend on them).
SIMULATED = {name: fake_fingerprint(f"simulated-{name}") for name in ("MITO", "MPM", "MEM", "NUC")}
REAL = {name: fake_fingerprint(f"real-{name}") for name in ("MITO", "MPM", "MEM", "NUC")}


def _summary(mean: float, half: float, n_images: int, n_groups: int) -> dict[str, Any]:
    return {
        "mean": mean,
        "sem": half / 1.96,
        "ci95": [mean - half, mean + half],
        "n_images": n_images,
        "n_groups": n_groups,
        "n_capped": 0,
    }


def make_record(
    *,
    dataset: str = "MITO",
    protocol: str = "paired",
    shots: int | None = None,
    source: str = "simulated",
    psnr: float = 28.0,
    ssim: float = 0.80,
    half: float = 0.1,
    method: str = "demo",
    parameters: dict[str, Any] | None = None,
    lineage: list[dict[str, Any]] | None = None,
    **dataset_overrides: Any,
) -> dict[str, Any]:
    """A result record that passes ``validate_record``; the paper PSNR/SSIM are ``psnr``/``ssim`` ± ``half``.

    Image and field counts are the dataset card's test split (Table I), as the scorer writes them.
    """
    fingerprint = (SIMULATED if source == "simulated" else REAL)[dataset]
    card = get_card(dataset)
    n, f = card.pairs("test"), card.hr_images.test
    if protocol == "burst":  # one prediction per burst of k consecutive frames of a field
        n = f * (card.frames_per_hr // (parameters or {}).get("k", 4))
    record = {
        "schema_version": SCHEMA_VERSION,
        "record_type": "microsr-bench-result",
        "library_version": __version__,
        "created": "2025-01-02T03:04:05Z",
        "method": {"name": method, "description": "fixture method"},
        "protocol": {"name": protocol, "parameters": dict(parameters or {}, **({"shots": shots} if shots else {}))},
        "lineage": lineage,
        "dataset": {
            "name": dataset,
            "split": "test",
            "source": source,
            "size": "full",
            "canonical": True,
            "fingerprint": fingerprint,
            "max_value": 4095,
        }
        | dataset_overrides,
        "shots": shots,
        "n_images": n,
        "n_fields": f,
        "metrics": {
            "paper": {"psnr": _summary(psnr, half, n, f), "ssim": _summary(ssim, half / 100, n, f)},
            "float": {"psnr": _summary(psnr + 1.0, half, n, f), "ssim": _summary(ssim + 0.01, half / 100, n, f)},
            "normalized": {"nrmse": _summary(0.05, 0.002, n, f)},
        },
        "no_reference": {"niqe": _summary(6.0, 0.05, n, f)},
        "set_metrics": {"fid": 80.0},
        "aggregation": {"method": "hr-bootstrap", "n_boot": 1000, "seed": 0, "psnr_cap_db": 100.0},
        "runtime": {"seconds_per_image": 0.02, "device": "cpu"},
        "environment": {"python": "3.11"},
    }
    validate_record(record)
    return record


METADATA = {
    "method": "DemoNet",
    "version": "1.0",
    "description": "A fixture method.",
    "training_data": "the benchmark's training split",
    "extra_data": False,
    "hardware": "1x CPU",
    "license": "Apache-2.0",
    "code_url": "https://example.org/demo",
}


def make_entry(record: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    """An entry for ``record`` (default: ``make_record()``) with the fixture metadata, overridden by ``metadata``."""
    return entry_from_record(record or make_record(), SubmissionMetadata.from_dict(METADATA | metadata))


def write_entry(root: Path, entry: dict[str, Any], name: str | None = None, folder: str | None = None) -> Path:
    """Store ``entry`` where it belongs under ``root`` (or under another ``name``/``folder`` to break a rule)."""
    path = root / entry_relpath(entry)
    if name or folder:
        path = root / "entries" / (folder or entry["board"]) / (name or path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_entry(entry))
    return path


@pytest.fixture
def canonical(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Make the library report the fake simulated fingerprints (no frozen manifest is needed)."""

    def fake(source: str, dataset: str) -> str | None:
        return SIMULATED.get(dataset) if source == "simulated" else None

    monkeypatch.setattr(library_canonical, "canonical_test_fingerprint", fake)
    return SIMULATED


@pytest.fixture
def root(tmp_path: Path, canonical: dict[str, str]) -> Path:
    """An empty leaderboard folder whose simulated board accepts the fake fingerprints."""
    base = tmp_path / "board"
    for board in ("simulated", "real"):
        (base / "entries" / board).mkdir(parents=True)
    (base / "verifiers.json").write_text(json.dumps({"verifiers": [VERIFIER]}))
    return base


def fixture_set() -> list[dict[str, Any]]:
    """A small board: three methods, paired few-shot on MITO and NUC, zero-shot from NUC to MITO.

    Alpha is verified, Gamma used extra data; Beta beats Alpha by 0.4 dB with overlapping intervals (a tie),
    Gamma trails by 2 dB (no tie) but has the best SSIM, so sorting by SSIM reorders a table.
    """
    curves = {"Alpha": (27.0, 0.78), "Beta": (27.4, 0.79), "Gamma": (25.0, 0.83)}
    entries = []
    for method, (psnr, ssim) in curves.items():
        verified = Verification(VERIFIER, "predictions", "2025-01-03") if method == "Alpha" else None
        meta = SubmissionMetadata.from_dict(METADATA | {"method": method, "extra_data": method == "Gamma"})
        records = [
            make_record(
                dataset=dataset,
                shots=shots,
                psnr=psnr + offset + 0.3 * k,
                ssim=ssim + 0.01 * k,
                half=0.3,
                method=method,
            )
            for dataset, offset in (("MITO", 0.0), ("NUC", 2.0))
            for k, shots in enumerate((200, 400, 800, None))
        ]
        records.append(
            make_record(
                protocol="zero_shot", psnr=psnr - 1.0, ssim=ssim - 0.05, method=method, parameters={"source": "NUC"}
            )
        )
        entries += [entry_from_record(r, meta, verified=verified) for r in records]
    return entries


@pytest.fixture
def lb() -> SimpleNamespace:
    """The helpers above, for tests (conftest modules cannot be imported under --import-mode=importlib)."""
    return SimpleNamespace(
        make_record=make_record,
        make_entry=make_entry,
        write_entry=write_entry,
        fixture_set=fixture_set,
        fake_fingerprint=fake_fingerprint,
        SIMULATED=SIMULATED,
        REAL=REAL,
        METADATA=METADATA,
        VERIFIER=VERIFIER,
    )
