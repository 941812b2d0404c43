"""Maintainer tool, run once: add the verification digest to entries verified before the digest existed.

    python tools/migrate_verified.py [--root leaderboard]

Entries made before the ``scored_sha256`` field carry ``status: verified`` and a verification block without a
digest. The baselines' entries were written by ``tools/submit_baselines.py`` from the records that
``microsr-bench reproduce`` wrote, embedded unchanged; those embedded records are the maintainers' own
scoring, so they are passed to ``leaderboard verify`` as the re-scored results. Only entries verified by
a name in ``verifiers.json`` are migrated; each keeps its verifier, method and date, and its note says
that the digest was added by this migration. Nothing is written unless every entry passes every rule.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from leaderboard.entries import default_root, read_entry
from leaderboard.verifiers import verifiers
from leaderboard.verify import verify_entries

NOTE = "digest added by tools/migrate_verified.py from the record reproduce wrote"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=None, help="leaderboard folder (default: this checkout's)")
    args = parser.parse_args()
    root = args.root or default_root()
    allowed = verifiers(root)
    groups: dict[tuple[str, str, str, str | None], list[tuple[Path, dict[str, Any]]]] = {}
    for path in sorted((root / "entries").glob("*/*.json")):
        entry = read_entry(path)
        block = entry.get("verification") or {}
        if entry.get("status") != "verified" or "scored_sha256" in block:
            continue
        if block.get("by") not in allowed:
            raise SystemExit(f"{path}: verified by {block.get('by')!r}, who is not in verifiers.json; not migrated")
        key = (block["by"], block["how"], block["date"], block.get("note"))
        groups.setdefault(key, []).append((path, entry))
    for (by, how, day, note), items in groups.items():
        rescored = {
            "schema_version": "1.0",
            "record_type": "microsr-bench-result-set",
            "records": [entry["record"] for _, entry in items],
            "macro_average": None,
        }
        written = verify_entries(
            [path for path, _ in items],
            rescored,
            by=by,
            how=how,
            note=f"{note}; {NOTE}" if note else NOTE,
            root=root,
            today=date.fromisoformat(day),
        )
        print(f"{by} ({how}, {day}): {len(written)} entries migrated")


if __name__ == "__main__":
    main()
