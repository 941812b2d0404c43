"""The folder source: validate the real data on disk, all problems at once, then ingest it into the cache."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock
from tqdm.auto import tqdm

from microsr_bench.data.cache import (
    CacheWriter,
    PreparedDataset,
    VerifyMode,
    default_cache_dir,
    estimated_bytes,
    open_prepared,
    remove_stale_builds,
)
from microsr_bench.data.cards import SPLITS, DatasetCard, SplitCounts, SplitName, get_card
from microsr_bench.data.folder_scan import FolderIndex, scan_csv, scan_layout
from microsr_bench.data.manifest import image_sha256
from microsr_bench.data.splits import assign_splits
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import CacheError, DataError, InvalidArgumentError
from microsr_bench.imageio import ImageReadError, read_image


def folder_cache_dir(cache_root: Path) -> Path:
    """Where prepared real data lives inside the cache."""
    return cache_root / "real" / "folder"


@dataclass(frozen=True)
class _ImageCheck:
    path: Path
    dtype: str
    shape: tuple[int, ...]
    max: int
    sha256: str


def _check_image(path: Path) -> _ImageCheck | str:
    try:
        array = read_image(path)
    except ImageReadError as exc:
        return f"{path}: {exc}"
    except OSError as exc:
        return f"{path}: cannot be read ({exc})"
    return _ImageCheck(path, str(array.dtype), tuple(array.shape), int(array.max()), image_sha256(array))


def _structure_problems(index: FolderIndex, card: DatasetCard, allow_noncanonical: bool) -> list[str]:
    problems = list(index.problems)
    for hr_id in sorted(set(index.lr) - set(index.hr)):
        problems.append(f"{index.dataset}/lr/{hr_id}: frames without an HR image {index.dataset}/hr/{hr_id}.*")
    for hr_id in sorted(set(index.hr) - set(index.lr)):
        problems.append(f"{index.hr[hr_id]}: HR image without LR frames (expected {index.dataset}/lr/{hr_id}/)")
    for hr_id, frames in sorted(index.lr.items()):
        if hr_id in index.hr and len(frames) != card.frames_per_hr:
            problems.append(
                f"{index.dataset}/lr/{hr_id}: {len(frames)} frames, expected {card.frames_per_hr} per HR image"
            )
    n_hr = len(index.hr)
    if n_hr != card.hr_images.total and not allow_noncanonical:
        problems.append(
            f"{index.dataset}: {n_hr} HR images, Table I has {card.hr_images.total}; pass --allow-noncanonical "
            "to prepare it anyway (results will not be ranked)"
        )
    if index.splits is not None:
        problems += _split_file_problems(index, card, allow_noncanonical)
    return problems


def _split_file_problems(index: FolderIndex, card: DatasetCard, allow_noncanonical: bool) -> list[str]:
    assert index.splits is not None
    problems = [f"{index.dataset}/splits.csv: unknown hr_id {h!r}" for h in sorted(set(index.splits) - set(index.hr))]
    problems += [
        f"{index.dataset}/splits.csv: hr_id {h!r} has no split" for h in sorted(set(index.hr) - set(index.splits))
    ]
    for split in SPLITS:
        count = sum(1 for s in index.splits.values() if s == split)
        if count != card.hr_images[split] and not allow_noncanonical:
            problems.append(
                f"{index.dataset}/splits.csv: {count} {split} HR images, Table I has {card.hr_images[split]}"
            )
    return problems


def _content_problems(
    index: FolderIndex, card: DatasetCard, checks: dict[Path, _ImageCheck], bit_depth: int | None
) -> tuple[list[str], int]:
    """Shapes, dtypes, value range and duplicate contents; returns the problems and the max_value."""
    problems = []
    hr_paths = set(index.hr.values())
    for path, c in checks.items():
        expected = card.hr_shape if path in hr_paths else card.lr_shape
        if c.shape != expected:
            kind = "HR" if path in hr_paths else "LR"
            problems.append(f"{path}: {kind} shape {c.shape}, expected {expected}")
    dtypes = {c.dtype for c in checks.values()}
    if len(dtypes) > 1:
        problems.append(f"{index.dataset}: mixed bit depths ({', '.join(sorted(dtypes))}); convert all to one")
    depth = 8 if dtypes == {"uint8"} else bit_depth or card.bit_depth
    max_value = 2**depth - 1
    for path, c in checks.items():
        if c.max > max_value:
            problems.append(
                f"{path}: value {c.max} above {max_value} ({depth}-bit); pass --bit-depth 16 if the data is 16-bit"
            )
    by_digest: dict[str, list[Path]] = defaultdict(list)
    for path, c in checks.items():
        by_digest[c.sha256].append(path)
    for paths in by_digest.values():
        if len(paths) > 1:
            problems.append(f"{paths[0]}: identical pixels in {len(paths)} files, e.g. {paths[1]} (duplicate)")
    return problems, max_value


def validate_index(
    index: FolderIndex, *, bit_depth: int | None, allow_noncanonical: bool, progress: bool
) -> tuple[list[str], int]:
    """Every problem of one sub-dataset's files (read fully), and its max_value."""
    card = get_card(index.dataset)
    problems = _structure_problems(index, card, allow_noncanonical)
    paths = list(index.hr.values()) + [p for frames in index.lr.values() for p in frames]
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) * 2)) as pool:
        results = list(
            tqdm(
                pool.map(_check_image, paths), total=len(paths), desc=f"checking {index.dataset}", disable=not progress
            )
        )
    problems += [r for r in results if isinstance(r, str)]
    checks = {r.path: r for r in results if isinstance(r, _ImageCheck)}
    content, max_value = _content_problems(index, card, checks, bit_depth)
    return problems + content, max_value


def _split_assignment(index: FolderIndex, card: DatasetCard) -> tuple[dict[SplitName, list[str]], bool]:
    hr_ids = sorted(index.hr)
    if index.splits is not None:
        splits: dict[SplitName, list[str]] = {s: sorted(h for h in hr_ids if index.splits[h] == s) for s in SPLITS}
        canonical = all(len(splits[s]) == card.hr_images[s] for s in SPLITS)
        return splits, canonical
    if len(hr_ids) == card.hr_images.total:
        return assign_splits(index.dataset, hr_ids, card.hr_images), True
    n = len(hr_ids)
    if n < 3:
        raise InvalidArgumentError(f"{index.dataset}: {n} HR images cannot make three splits; at least 3 are needed.")
    train = max(1, round(n * card.hr_images.train / card.hr_images.total))
    validation = max(1, round(n * card.hr_images.validation / card.hr_images.total))
    train = min(train, n - validation - 1)
    counts = SplitCounts(train=train, validation=validation, test=n - train - validation)
    return assign_splits(index.dataset, hr_ids, counts), False


def _ingest(
    index: FolderIndex, target: Path, *, max_value: int, source: dict[str, str], progress: bool
) -> PreparedDataset:
    card = get_card(index.dataset)
    splits, canonical = _split_assignment(index, card)
    needed = estimated_bytes(len(index.hr), hr_shape=card.hr_shape, lr_shape=card.lr_shape, frames=card.frames_per_hr)
    with (
        disk_full_as_error(f"the prepared {index.dataset} data", target.parent, needed=needed),
        CacheWriter(
            target,
            dataset=index.dataset,
            splits=splits,
            lr_shape=card.lr_shape,
            hr_shape=card.hr_shape,
            frames_per_hr=card.frames_per_hr,
            max_value=max_value,
            source={**source, "bit_depth": int(np.log2(max_value + 1))},
            canonical=canonical,
        ) as writer,
    ):
        for hr_id in tqdm(sorted(index.hr), desc=f"writing {index.dataset}", disable=not progress):
            hr = read_image(index.hr[hr_id]).astype(np.uint16)
            frames = [read_image(p).astype(np.uint16) for p in index.lr[hr_id]]
            writer.add_field(hr_id, hr, frames)
        return writer.commit()


def prepare_folder(
    root: str | Path | None = None,
    names: Sequence[str] | None = None,
    *,
    index_csv: str | Path | None = None,
    dataset: str | None = None,
    cache_dir: str | Path | None = None,
    bit_depth: int | None = None,
    allow_noncanonical: bool = False,
    progress: bool = True,
) -> dict[str, PreparedDataset]:
    """Validate the real data (layout under ``root`` or a CSV index) and ingest it into the cache.

    Every file is read before anything is written; all problems are reported together in one
    ``DataError``, each naming its file. Each sub-dataset is written to a temporary folder and renamed
    into place, replacing an earlier preparation only once the new one is complete.
    """
    if (root is None) == (index_csv is None):
        raise InvalidArgumentError("Give exactly one of a data root folder or a CSV index (index_csv=...).")
    if bit_depth is not None and not 8 <= bit_depth <= 16:
        raise InvalidArgumentError(f"bit_depth must be between 8 and 16, got {bit_depth}.")
    for name in names or ():
        get_card(name)
    if index_csv is not None:
        indexes = scan_csv(Path(index_csv).expanduser().resolve(), dataset)
        origin = {"kind": "folder", "index": str(Path(index_csv).expanduser().resolve())}
    else:
        resolved = Path(str(root)).expanduser().resolve()
        indexes = scan_layout(resolved, list(names) if names else None)
        origin = {"kind": "folder", "root": str(resolved)}
    if names and index_csv is not None:
        indexes = {k: v for k, v in indexes.items() if k in names or k == "*"}
    problems = list(indexes.pop("*").problems) if "*" in indexes else []
    max_values = {}
    for name, index in indexes.items():
        found, max_values[name] = validate_index(
            index, bit_depth=bit_depth, allow_noncanonical=allow_noncanonical, progress=progress
        )
        problems += found
    if problems or not indexes:
        where = index_csv if index_csv is not None else root
        raise DataError(f"The data at {where} cannot be prepared; nothing was written", problems or ["no images"])
    parent = folder_cache_dir(Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
    parent.mkdir(parents=True, exist_ok=True)
    prepared = {}
    for name, index in indexes.items():
        with FileLock(str(parent / f".{name}.lock")):
            list(remove_stale_builds(parent))
            prepared[name] = _ingest(index, parent / name, max_value=max_values[name], source=origin, progress=progress)
    return prepared


def prepared_folder(
    names: Sequence[str], cache_root: Path, data_dir: str | Path | None, *, verify: VerifyMode, progress: bool
) -> dict[str, PreparedDataset]:
    """Open prepared real data; prepare it first from ``data_dir``/``$MICROSR_BENCH_DATA`` when needed."""
    from microsr_bench.data.load import missing_real_data_error

    data_root = data_dir if data_dir is not None else os.environ.get("MICROSR_BENCH_DATA")
    resolved = str(Path(data_root).expanduser().resolve()) if data_root else None
    parent = folder_cache_dir(cache_root)
    list(remove_stale_builds(parent))  # a prepare killed mid-rebuild: its previous copy is put back first
    result: dict[str, PreparedDataset] = {}
    to_prepare = []
    for name in names:
        if not (parent / name).exists():
            to_prepare.append(name)
            continue
        try:
            opened = open_prepared(parent / name, verify=verify)
        except CacheError as exc:
            fix = f"microsr-bench prepare {resolved or 'ROOT'}"
            raise CacheError(f"{exc}\nThe prepared real data is damaged; prepare it again: `{fix}`.") from exc
        if resolved is not None and opened.manifest.source.get("root") != resolved:
            to_prepare.append(name)  # prepared from another root: the caller asked for this one
        else:
            result[name] = opened
    if to_prepare:
        if resolved is None:
            raise missing_real_data_error(to_prepare)
        result |= prepare_folder(resolved, to_prepare, cache_dir=cache_root, progress=progress)
    return {n: result[n] for n in names}
