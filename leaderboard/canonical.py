"""The test fingerprints each board accepts: the frozen simulated manifests, and a registry file for real data.

A fingerprint is the SHA-256 over a test split's ids and image digests (``Manifest.fingerprint``); it does
not depend on the source, so ``folder`` and ``hub`` copies of the same real data share it.

- Simulated board: ``microsr_bench.data.canonical.canonical_test_fingerprint("simulated", name)``, the
  frozen manifest of the full-size simulated data shipped with the library.
- Real board: the library knows no real fingerprint until the real data is published, so the leaderboard
  keeps ``<root>/canonical_real.json`` (``{"fingerprints": {"MITO": "sha256:..."}}``), empty until then.
  A maintainer adds each sub-dataset's published test fingerprint there; entries on the real board are
  rejected until it is known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from leaderboard.entries import Board
from microsr_bench.data import canonical as _library
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.errors import SubmissionError

__all__ = ["CANONICAL_REAL_FILE", "canonical_fingerprint", "real_fingerprints", "simulated_fingerprints"]

CANONICAL_REAL_FILE = "canonical_real.json"
_FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{64}$")


def real_fingerprints(root: Path) -> dict[str, str]:
    """Accepted real test fingerprints per sub-dataset from ``<root>/canonical_real.json`` ({} if absent)."""
    path = root / CANONICAL_REAL_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fingerprints = data["fingerprints"]
        if not isinstance(fingerprints, dict):
            raise TypeError(f"'fingerprints' is a {type(fingerprints).__name__}, expected an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SubmissionError(
            f"{path}: expected {{'fingerprints': {{DATASET: 'sha256:<64 hex>'}}}}; fix or restore the file",
            [f"{type(exc).__name__}: {exc}"],
        ) from exc
    problems = [
        f"{name!r}: {value!r}"
        for name, value in fingerprints.items()
        if name not in DATASET_NAMES or not isinstance(value, str) or not _FINGERPRINT.match(value)
    ]
    if problems:
        raise SubmissionError(
            f"{path}: keys must be {', '.join(DATASET_NAMES)} and values 'sha256:<64 hex>'; fix these", problems
        )
    simulated = simulated_fingerprints()
    mixed = [
        f"{name!r}: {value} is the canonical simulated test fingerprint of {simulated[value]}"
        for name, value in fingerprints.items()
        if value in simulated
    ]
    if mixed:
        raise SubmissionError(
            f"{path}: lists simulated test fingerprints as real ones; simulated and real results never mix: put only "
            "the fingerprints `microsr-bench prepare` prints for the published real data",
            mixed,
        )
    return dict(fingerprints)


def simulated_fingerprints() -> dict[str, str]:
    """The frozen simulated test fingerprints, each mapped to its sub-dataset's name."""
    found = {name: _library.canonical_test_fingerprint("simulated", name) for name in DATASET_NAMES}
    return {value: name for name, value in found.items() if value is not None}


def canonical_fingerprint(board: Board, dataset: str, *, root: Path) -> str | None:
    """The test fingerprint ``board`` accepts for ``dataset``, or None while none is known."""
    if board == "simulated":
        return _library.canonical_test_fingerprint("simulated", dataset)
    known = _library.canonical_test_fingerprint("folder", dataset)
    return known if known is not None else real_fingerprints(root).get(dataset)
