"""Submitting results: validate a result set with its metadata, then write the entry files or open a hub PR.

Locally the entries are written to ``<root>/entries/<board>/`` (ready for a pull request on the project's
repository). With ``hub`` they are proposed as one pull request on a Hugging Face dataset repository that
mirrors the leaderboard folder; this module only ever calls ``create_commit(..., create_pr=True)``, so
nothing is pushed to the repository's main branch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from leaderboard.entries import (
    Board,
    SubmissionMetadata,
    Verification,
    default_root,
    dump_entry,
    entries_from_result_set,
    entry_relpath,
    write_text,
)
from leaderboard.validate import validate_entries
from microsr_bench.errors import SubmissionError

__all__ = ["SubmitResult", "open_hub_pr", "prepare_entries", "submit"]

_NEW = "new entry"


@dataclass(frozen=True)
class SubmitResult:
    """The entries made, where they go (relative to the leaderboard root), and what was done with them."""

    entries: tuple[dict[str, Any], ...]
    paths: tuple[str, ...]
    written: tuple[Path, ...] = ()
    pr_url: str | None = None


def prepare_entries(
    result: Mapping[str, Any] | str | Path,
    metadata: SubmissionMetadata | Mapping[str, Any],
    *,
    root: Path,
    verified: Verification | None = None,
    board: Board | None = None,
    submitted: date | None = None,
) -> list[dict[str, Any]]:
    """Make the entries of a result set and check them with every rule against the entries already in ``root``.

    ``board`` is the board the submitter means; a record that belongs on the other one is rejected. Problems of
    entries already on the board are not the submitter's and do not block a submission.
    """
    entries = entries_from_result_set(result, metadata, verified=verified, submitted=submitted)
    problems = []
    if board is not None:
        problems += [
            f"{_NEW} {entry_relpath(e)}: [board] the record was scored on {e['record']['dataset']['source']!r} "
            f"data, which belongs on the {e['board']!r} board, not the {board!r} one; simulated and real results "
            "never mix"
            for e in entries
            if e["board"] != board
        ]
    report = validate_entries(root, extra=[(f"{_NEW} {entry_relpath(e)}", e) for e in entries])
    problems += [p for p in report.problems if p.startswith(_NEW)]
    if problems:
        raise SubmissionError("submission rejected; nothing was written", problems)
    return entries


def _in_git_clone(folder: Path) -> bool:
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def _hub_api() -> Any:
    from huggingface_hub import HfApi

    return HfApi()


def open_hub_pr(entries: Sequence[Mapping[str, Any]], repo: str, *, api: Any = None) -> str:
    """Propose the entries as one pull request on the dataset repository ``repo``; return the PR's URL."""
    from huggingface_hub import CommitOperationAdd

    api = api if api is not None else _hub_api()
    paths = [entry_relpath(e) for e in entries]
    hint = "check the repository name (a dataset repository) and your token (`hf auth login` or HF_TOKEN)"
    try:
        existing = {p.casefold() for p in api.list_repo_files(repo, repo_type="dataset")}
    except Exception as exc:  # any hub failure becomes one clear rejection
        raise SubmissionError(f"cannot list the files of the dataset repository {repo!r}; {hint}", [str(exc)]) from exc
    clashes = [p for p in paths if p.casefold() in existing]
    if clashes:
        raise SubmissionError(
            f"submission rejected: {repo} already has these entries; use another method version",
            [f"{p}: [duplicate] already on the hub board" for p in clashes],
        )
    operations = [
        CommitOperationAdd(path_in_repo=p, path_or_fileobj=dump_entry(e).encode())
        for p, e in zip(paths, entries, strict=True)
    ]
    first = entries[0]["submission"]
    status = {e["status"] for e in entries}
    try:
        info = api.create_commit(
            repo,
            operations,
            commit_message=f"Add {first['method']} {first['version']}: {len(entries)} leaderboard entries",
            commit_description="Submitted with `microsr-bench leaderboard submit` ("
            + ", ".join(sorted(status))
            + ").\n\n"
            + "\n".join(f"- {p}" for p in paths),
            repo_type="dataset",
            create_pr=True,
        )
    except Exception as exc:  # any hub failure becomes one clear rejection
        raise SubmissionError(f"cannot open a pull request on {repo!r}; {hint}", [str(exc)]) from exc
    url = getattr(info, "pr_url", None)
    if not url:
        raise SubmissionError(f"{repo}: the hub did not report a pull request URL; check the repository's PR page")
    return str(url)


def submit(
    result: Mapping[str, Any] | str | Path,
    metadata: SubmissionMetadata | Mapping[str, Any],
    *,
    root: Path | None = None,
    verified: Verification | None = None,
    board: Board | None = None,
    hub: str | None = None,
    api: Any = None,
    submitted: date | None = None,
    dry_run: bool = False,
) -> SubmitResult:
    """Validate and submit a result set: write its entries under ``root``, or open a PR on the dataset repo ``hub``.

    ``root`` defaults to the leaderboard folder of this checkout; written locally only if that is inside a git
    clone (an installed copy lives in site-packages, where a new entry would be lost). ``dry_run`` validates
    and returns the entries without writing or uploading anything.
    """
    if root is None and hub is None and not dry_run and not _in_git_clone(default_root()):
        raise SubmissionError(
            f"{default_root()} is an installed copy, not a clone of the repository; pass root= (--root) the "
            "leaderboard folder of your clone, or hub= (--hub) to open a pull request"
        )
    root = Path(root) if root is not None else default_root()
    entries = prepare_entries(result, metadata, root=root, verified=verified, board=board, submitted=submitted)
    paths = tuple(entry_relpath(e) for e in entries)
    if dry_run:
        return SubmitResult(tuple(entries), paths)
    if hub is not None:
        return SubmitResult(tuple(entries), paths, pr_url=open_hub_pr(entries, hub, api=api))
    taken = [p for p in paths if (root / p).exists()]
    if taken:  # an unreadable or misplaced file there escapes the duplicate rule; never overwrite it silently
        raise SubmissionError(
            "submission rejected; nothing was written: these entry files already exist (give the method a new "
            "version, or remove the old file in the same pull request)",
            [str(root / p) for p in taken],
        )
    written = []
    for path, entry in zip(paths, entries, strict=True):
        target = root / path
        write_text(target, dump_entry(entry))
        written.append(target)
    return SubmitResult(tuple(entries), paths, tuple(written))
