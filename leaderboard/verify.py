"""The maintainers' tool that marks entries verified: only after their own re-scoring reproduced the numbers.

``verify_entries(paths, rescored, by=...)`` takes entry files and the result set the maintainers produced
themselves (``microsr-bench score`` on the submitted predictions, or ``evaluate``/``reproduce`` re-running the
code). Each entry's record must have the same scored content (``leaderboard.verifiers.SCORED_KEYS``) as the
re-scored record of the same method, protocol, sub-dataset and shots; then the entry becomes ``verified``
with the digest of the re-scored record. Nothing is written unless every entry passes every rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from leaderboard.entries import Verification, default_root, dump_entry, read_entry, table_key, write_text
from leaderboard.validate import entry_problems
from leaderboard.verifiers import SCORED_KEYS, VERIFIERS_FILE, scored_digest, verifiers
from microsr_bench.errors import SubmissionError

__all__ = ["verify_entries"]


def _key(record: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (record["method"]["name"], *table_key({"record": record}))


def _differences(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> str:
    keys = [k for k in SCORED_KEYS if ours.get(k) != theirs.get(k)]
    return ", ".join(keys) or "none"


def _rescored_index(rescored: Mapping[str, Any] | str | Path) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    from microsr_bench.scoring.record import read_result, validate_result_set

    if isinstance(rescored, (str, Path)):
        records = read_result(Path(rescored))["records"]
    else:
        validate_result_set(rescored, where="re-scored result set")
        records = list(rescored["records"])
    return {_key(r): r for r in records}


def verify_entries(
    paths: Sequence[Path],
    rescored: Mapping[str, Any] | str | Path,
    *,
    by: str,
    how: Literal["predictions", "code"] = "code",
    note: str | None = None,
    root: Path | None = None,
    today: date | None = None,
) -> list[Path]:
    """Mark the entry files ``paths`` verified by ``by`` after checking them against ``rescored``; return them.

    ``by`` must be listed in ``<root>/verifiers.json``. An entry whose numbers differ from the re-scored
    record, or that has no re-scored counterpart, is refused and nothing is written.
    """
    root = Path(root) if root is not None else default_root()
    allowed = verifiers(root)
    if by not in allowed:
        raise SubmissionError(
            f"{by!r} is not a verifier: {root / VERIFIERS_FILE} lists {', '.join(map(repr, allowed)) or 'nobody'}; "
            "only the maintainers listed there verify entries"
        )
    index = _rescored_index(rescored)
    problems: list[str] = []
    updated: dict[Path, dict[str, Any]] = {}
    for path in paths:
        entry = read_entry(path)
        record = entry.get("record", {})
        try:
            match = index.get(_key(record))
        except (KeyError, TypeError):
            match = None
        if match is None:
            problems.append(f"{path}: the re-scored results have no record of this method, protocol, dataset and shots")
            continue
        if scored_digest(match) != scored_digest(record):
            problems.append(
                f"{path}: the re-scoring did not reproduce the entry's numbers (differs in: "
                f"{_differences(match, record)}); it cannot be verified"
            )
            continue
        verification = Verification(by, how, (today or date.today()).isoformat(), note)
        new = {**entry, "status": "verified", "verification": verification.to_dict(match)}
        problems += entry_problems(new, root=root, where=str(path), folder=path.parent.name, name=path.name)
        updated[path] = new
    if problems:
        raise SubmissionError("verification refused; nothing was written", problems)
    for path, entry in updated.items():
        write_text(path, dump_entry(entry))
    return list(updated)
