"""Who may mark an entry verified, and the digest that ties a verification to the numbers it checked.

- ``<root>/verifiers.json`` (``{"verifiers": ["name", ...]}``) is the allow-list, maintained in the repository:
  a verification by anyone else is refused by ``validate``, ``build`` and ``submit``. Changing it is a
  reviewed change of the repository, like changing ``canonical_real.json``.
- A verification carries ``scored_sha256``: the SHA-256 of the scored content of the record the maintainers
  produced themselves (``scored_digest``). ``validate`` recomputes it from the entry's record, so a number
  edited after verification, or a verification block not made by the maintainers' tool, is refused.

The digest is not a signature: whoever can edit an entry can recompute it. It proves that the numbers are the
ones the listed verifier's tool hashed; the allow-list and the review of pull requests decide who that is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microsr_bench.errors import SubmissionError

__all__ = ["SCORED_KEYS", "VERIFIERS_FILE", "scored_digest", "verification_problems", "verifiers"]

VERIFIERS_FILE = "verifiers.json"
#: The parts of a record that a re-scoring reproduces exactly (not the time stamp, runtime or environment).
SCORED_KEYS: tuple[str, ...] = (
    "dataset",
    "protocol",
    "shots",
    "train_pairs",
    "n_images",
    "n_fields",
    "metrics",
    "no_reference",
    "set_metrics",
    "aggregation",
)


def scored_digest(record: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the record's scored content as canonical JSON (sorted keys, no spaces, no NaN)."""
    content = {key: record.get(key) for key in SCORED_KEYS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def verifiers(root: Path) -> tuple[str, ...]:
    """The names allowed to verify entries, from ``<root>/verifiers.json`` (none when the file is absent)."""
    path = root / VERIFIERS_FILE
    if not path.is_file():
        return ()
    try:
        names = json.loads(path.read_text(encoding="utf-8"))["verifiers"]
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise TypeError("'verifiers' must be a list of non-empty names")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SubmissionError(
            f"{path}: expected {{'verifiers': ['maintainer name', ...]}}; fix or restore the file",
            [f"{type(exc).__name__}: {exc}"],
        ) from exc
    return tuple(names)


def verification_problems(entry: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> list[str]:
    """A verified entry names a listed verifier and the digest of exactly the numbers it shows."""
    block = entry.get("verification")
    if entry.get("status") != "verified" or not isinstance(block, Mapping):
        return []
    problems = []
    if block.get("by") not in allowed:
        listed = ", ".join(repr(n) for n in allowed) or "nobody"
        problems.append(
            f"{where}: [verified] verification/by {block.get('by')!r} is not in {VERIFIERS_FILE} (listed: {listed}); "
            "only the maintainers verify entries: submit it as self-reported (without --verified)"
        )
    digest = scored_digest(entry["record"])
    if block.get("scored_sha256") != digest:
        problems.append(
            f"{where}: [verified] verification/scored_sha256 {block.get('scored_sha256')!r} is not the digest "
            f"{digest} of the entry's numbers: they changed after verification or the block was not made by the "
            "maintainers' tool (`microsr-bench leaderboard verify`); restore the verified numbers or re-verify"
        )
    return problems
