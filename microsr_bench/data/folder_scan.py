"""Finding the real data's files: the documented folder layout, or a CSV index of ``lr_path,hr_path``.

Layout (one folder per sub-dataset)::

    ROOT/<NAME>/hr/<hr_id>.tif              one HR image per field of view (.tif, .tiff or .png)
    ROOT/<NAME>/lr/<hr_id>/<frame>.tif      its LR frames; <frame> is an integer (0..99 or 1..100)
    ROOT/<NAME>/splits.csv                  optional: hr_id,split to impose a split (else the keyed hash)

CSV index: columns ``lr_path,hr_path`` and, when it covers several sub-datasets, ``dataset``. Paths are
relative to the CSV file's folder. The HR id is the HR file's name without suffix; the frames of a field
are numbered in the order of their rows.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from microsr_bench.data.cards import DATASET_NAMES, SPLITS
from microsr_bench.imageio import IMAGE_SUFFIXES

_IGNORED = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class FolderIndex:
    """The files of one sub-dataset, before any image is read."""

    dataset: str
    hr: dict[str, Path] = field(default_factory=dict)
    lr: dict[str, list[Path]] = field(default_factory=dict)
    splits: dict[str, str] | None = None
    problems: list[str] = field(default_factory=list)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in _IGNORED


def scan_layout(root: Path, names: list[str] | None) -> dict[str, FolderIndex]:
    """Index ROOT/<NAME>/hr and ROOT/<NAME>/lr for the requested names (default: every one present)."""
    if not root.is_dir():
        return {"*": FolderIndex("*", problems=[f"{root}: not a folder; expected the data root ROOT/<NAME>/..."])}
    present = [n for n in DATASET_NAMES if (root / n).is_dir()]
    wanted = names if names is not None else present
    indexes: dict[str, FolderIndex] = {}
    if not wanted:
        problem = f"{root}: no sub-dataset folder found; expected one or more of {', '.join(DATASET_NAMES)}"
        return {"*": FolderIndex("*", problems=[problem])}
    for name in wanted:
        indexes[name] = _scan_dataset(root / name, name)
    return indexes


def _scan_dataset(base: Path, name: str) -> FolderIndex:
    index = FolderIndex(name)
    if not base.is_dir():
        index.problems.append(f"{base}: missing folder for sub-dataset {name}")
        return index
    for sub in ("hr", "lr"):
        if not (base / sub).is_dir():
            index.problems.append(f"{base / sub}: missing folder (expected {name}/{sub}/)")
    for entry in sorted(p for p in base.iterdir() if _visible(p)):
        if entry.name not in ("hr", "lr", "splits.csv"):
            index.problems.append(f"{entry}: unexpected entry (expected only hr/, lr/ and optional splits.csv)")
    if (base / "hr").is_dir():
        _scan_hr(base / "hr", index)
    if (base / "lr").is_dir():
        _scan_lr(base / "lr", index)
    if (base / "splits.csv").is_file():
        index.splits = _read_splits(base / "splits.csv", index)
    return index


def _scan_hr(folder: Path, index: FolderIndex) -> None:
    for path in sorted(p for p in folder.iterdir() if _visible(p)):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            index.problems.append(f"{path}: extra file (HR images must be {', '.join(IMAGE_SUFFIXES)})")
        elif path.stem in index.hr:
            index.problems.append(f"{path}: duplicate HR id {path.stem!r}, also {index.hr[path.stem].name}")
        else:
            index.hr[path.stem] = path


def _scan_lr(folder: Path, index: FolderIndex) -> None:
    for sub in sorted(p for p in folder.iterdir() if _visible(p)):
        if not sub.is_dir():
            index.problems.append(f"{sub}: extra file (expected one folder of frames per HR id)")
            continue
        frames: dict[int, Path] = {}
        for path in sorted(p for p in sub.iterdir() if _visible(p)):
            if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
                index.problems.append(f"{path}: extra file (LR frames must be {', '.join(IMAGE_SUFFIXES)})")
            elif not path.stem.isdigit():
                index.problems.append(f"{path}: frame name must be an integer like 000{path.suffix}")
            elif int(path.stem) in frames:
                index.problems.append(f"{path}: duplicate frame {int(path.stem)}, also {frames[int(path.stem)].name}")
            else:
                frames[int(path.stem)] = path
        index.lr[sub.name] = [frames[k] for k in sorted(frames)]


def _read_splits(path: Path, index: FolderIndex) -> dict[str, str]:
    splits: dict[str, str] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or {"hr_id", "split"} - set(reader.fieldnames):
            index.problems.append(f"{path}: expected the columns hr_id,split, got {reader.fieldnames}")
            return splits
        for line, row in enumerate(reader, start=2):
            if row["split"] not in SPLITS:
                index.problems.append(f"{path}:{line}: split {row['split']!r} is not one of {', '.join(SPLITS)}")
            elif row["hr_id"] in splits:
                index.problems.append(f"{path}:{line}: hr_id {row['hr_id']!r} listed twice")
            else:
                splits[row["hr_id"]] = row["split"]
    return splits


def scan_csv(csv_path: Path, dataset: str | None) -> dict[str, FolderIndex]:
    """Index the files listed in a CSV of ``[dataset,]lr_path,hr_path`` rows."""
    indexes: dict[str, FolderIndex] = defaultdict(lambda: FolderIndex("?"))
    problems: list[str] = []
    seen_lr: dict[Path, int] = {}
    try:
        handle = csv_path.open(newline="")
    except OSError as exc:
        return {"*": FolderIndex("*", problems=[f"{csv_path}: cannot open the index ({exc})"])}
    with handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        if {"lr_path", "hr_path"} - columns:
            problem = f"{csv_path}: expected columns lr_path,hr_path (and dataset), got {reader.fieldnames}"
            return {"*": FolderIndex("*", problems=[problem])}
        if "dataset" not in columns and dataset is None:
            problem = f"{csv_path}: no 'dataset' column; add one or pass the sub-dataset name (--dataset NAME)"
            return {"*": FolderIndex("*", problems=[problem])}
        for line, row in enumerate(reader, start=2):
            name = row.get("dataset") or dataset or "?"
            if name not in DATASET_NAMES:
                problems.append(f"{csv_path}:{line}: unknown dataset {name!r} (expected {', '.join(DATASET_NAMES)})")
                continue
            _add_csv_row(csv_path, line, row, indexes.setdefault(name, FolderIndex(name)), seen_lr, problems)
    result = dict(indexes)
    if problems:
        result.setdefault("*", FolderIndex("*")).problems.extend(problems)
    return result


def _add_csv_row(
    csv_path: Path, line: int, row: dict[str, str], index: FolderIndex, seen: dict[Path, int], problems: list[str]
) -> None:
    lr_path = (csv_path.parent / row["lr_path"]).resolve()
    hr_path = (csv_path.parent / row["hr_path"]).resolve()
    if lr_path in seen:
        problems.append(f"{csv_path}:{line}: LR file {lr_path} already listed on line {seen[lr_path]}")
        return
    seen[lr_path] = line
    hr_id = hr_path.stem
    if hr_id in index.hr and index.hr[hr_id] != hr_path:
        problems.append(f"{csv_path}:{line}: HR id {hr_id!r} names two files: {index.hr[hr_id]} and {hr_path}")
        return
    index.hr[hr_id] = hr_path
    index.lr.setdefault(hr_id, []).append(lr_path)
