"""Validation of a prediction folder against the test split: every problem found and listed at once."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.errors import PredictionError
from microsr_bench.scoring.format import (
    FORMAT_VERSION,
    METADATA_FILE,
    SUFFIXES,
    PredictionFileError,
    load_prediction,
    read_metadata,
)

#: How many missing file names a message shows before it only counts them.
SHOWN_MISSING = 5


@dataclass(frozen=True)
class ExpectedSplit:
    """What one sub-dataset's predictions must contain."""

    dataset: str
    ids: Sequence[str]
    shape: tuple[int, int]
    max_value: int


def _link_problem(path: Path, root: Path) -> str | None:
    """Why a symbolic link may not be followed (broken, looping, leading outside ``root``), or None."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop, on Python < 3.13
        return f"{path}: broken or looping symbolic link ({exc}); replace it with the file it should point to"
    try:
        target.relative_to(root)
    except ValueError:
        return f"{path}: symbolic link leading outside the prediction folder (to {target}); copy the file in instead"
    return None


def _index_dataset(pred_dir: Path, expected: ExpectedSplit, problems: list[str]) -> dict[str, Path]:
    """Map each expected id to its file; record missing, extra, duplicate and escaping files."""
    root = pred_dir.resolve()
    base = pred_dir / expected.dataset
    wanted = set(expected.ids)
    found: dict[str, Path] = {}
    escape = _link_problem(base, root) if base.is_symlink() else None
    if escape is not None:
        problems.append(escape)  # os.walk would follow a linked top folder wherever it leads
        return found
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        folder = Path(dirpath)
        for dirname in list(dirnames):
            if (folder / dirname).is_symlink():
                problems.append(f"{folder / dirname}: symbolic link to a folder; prediction folders must be real")
                dirnames.remove(dirname)
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue  # hidden files (.DS_Store, editors' backups) are never predictions
            path = folder / filename
            rel = path.relative_to(pred_dir)
            frame_id = str(rel.with_suffix("")).replace(os.sep, "/")
            link = _link_problem(path, root) if path.is_symlink() else None
            if path.suffix.lower() not in SUFFIXES or frame_id not in wanted:
                problems.append(f"{path}: extra file (not a prediction for a {expected.dataset} test frame)")
            elif link is not None:
                problems.append(link)
            elif frame_id in found:
                problems.append(f"{path}: second file for {frame_id} (also {found[frame_id].name}); keep one")
            else:
                found[frame_id] = path
    missing = sorted(wanted - set(found))
    if missing:
        shown = ", ".join(missing[:SHOWN_MISSING])
        more = f" and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""
        problems.append(f"{base}: {len(missing)} of {len(wanted)} predictions missing: {shown}{more}")
    return found


def _check_one(args: tuple[Path, tuple[int, int], int]) -> str | None:
    path, shape, max_value = args
    try:
        load_prediction(path, shape=shape, max_value=max_value)
    except PredictionFileError as exc:
        return f"{path}: {exc}"
    except OSError as exc:
        return f"{path}: cannot be read ({exc})"
    return None


def _check_metadata(pred_dir: Path, info: BenchmarkInfo, names: Sequence[str], problems: list[str]) -> None:
    path = pred_dir / METADATA_FILE
    try:
        meta = read_metadata(pred_dir)
    except PredictionFileError as exc:
        problems.append(f"{path}: {exc}; fix or delete it")
        return
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc}); fix or delete it")
        return
    if not meta:
        return
    version = meta.get("format_version")
    recorded = meta.get("datasets", {})
    if version != FORMAT_VERSION:
        problems.append(f"{path}: format_version {version!r}, this scorer reads version {FORMAT_VERSION}")
    if not isinstance(recorded, dict):
        problems.append(f"{path}: 'datasets' is a {type(recorded).__name__}, expected an object; fix or delete it")
        return
    for name in names:
        entry = recorded.get(name) or {}
        got = entry.get("fingerprint") if isinstance(entry, dict) else None
        want = info.fingerprint(name, "test")
        if got is not None and got != want:
            problems.append(
                f"{path}: {name} predictions were made for test data {got}, but the loaded test data is {want} "
                f"(source {info.source}, size {info.size}); {_fix_for(meta, info)}"
            )


def _fix_for(meta: Mapping[str, object], info: BenchmarkInfo) -> str:
    """How to score against the data the predictions were made for, from what predictions.json records."""
    options = [
        f"--{key} {meta[key]}"
        for key, loaded in (("source", info.source), ("size", info.size))
        if isinstance(meta.get(key), str) and meta[key] != loaded
    ]
    if options:
        api = ", ".join(f"{o.split()[0][2:]}={o.split()[1]!r}" for o in options)
        return f"they were made on other data: score with {' '.join(options)} (API: {api})"
    return "score against the data they were made for (same source, size and data version)"


def validate_prediction_dir(
    pred_dir: Path,
    expected: Mapping[str, ExpectedSplit],
    info: BenchmarkInfo,
    *,
    progress: bool = True,
    workers: int | None = None,
) -> dict[str, dict[str, Path]]:
    """Check every file of every requested sub-dataset; return ``{dataset: {frame id: path}}``.

    Raises PredictionError listing all problems (missing, extra, duplicate, escaping links, too large,
    unreadable, wrong shape, dtype or range, NaN/Inf, metadata for other data); nothing is scored then.
    """
    problems: list[str] = []
    if not pred_dir.is_dir():
        raise PredictionError(f"{pred_dir}: not a folder", ["expected PRED_DIR/<DATASET>/<hr_id>/<frame>.tif"])
    for entry in sorted(pred_dir.iterdir()):
        if entry.name != METADATA_FILE and entry.name not in DATASET_NAMES and not entry.name.startswith("."):
            problems.append(f"{entry}: extra entry (expected only {', '.join(DATASET_NAMES)} and {METADATA_FILE})")
    _check_metadata(pred_dir, info, list(expected), problems)
    files = {name: _index_dataset(pred_dir, exp, problems) for name, exp in expected.items()}
    jobs = [(p, expected[n].shape, expected[n].max_value) for n, fs in files.items() for p in fs.values()]
    with ThreadPoolExecutor(max_workers=workers or min(8, 2 * (os.cpu_count() or 1))) as pool:
        results = tqdm(pool.map(_check_one, jobs), total=len(jobs), desc="validating", disable=not progress)
        problems += [r for r in results if r is not None]
    if problems:
        raise PredictionError(f"{pred_dir} cannot be scored; nothing was written", problems)
    return files
