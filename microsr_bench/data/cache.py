"""The prepared cache: layout, atomic building, integrity checks, and opening splits as Arrow datasets.

Layout of one prepared sub-dataset (``<cache>/<source key>/<NAME>/``)::

    manifest.json          ids per split, SHA-256 per image, fingerprints (see manifest.py)
    hr/<hr_id>.tif         each HR image once (uncompressed 16-bit TIFF)
    pairs/<split>.arrow    one row per LR frame: id, dataset, hr_id, frame, lr (TIFF bytes)
    integrity.json         size and SHA-256 of every file above; written last
    stamp.json             size and mtime of every file when its checksums were last verified

A cache is built in a hidden sibling folder and renamed into place only when complete, so an
interrupted build leaves nothing that a later load could take as valid. A rebuild moves the previous copy
aside (``.<NAME>.old-<pid>-<hex>``) just before the rename; a process killed between the two renames
leaves no ``<NAME>/`` at all, so the next load or build puts the previous copy back (and deletes a dead
run's leftovers of either kind) before it looks. A load checks sizes and
modification times against ``stamp.json``; if anything differs (or on ``verify="full"``) every file's
SHA-256 is recomputed against ``integrity.json`` before the data is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import datasets
import numpy as np
from datasets.arrow_writer import ArrowWriter

from microsr_bench._testhooks import pause_point
from microsr_bench.data.cards import SPLITS, SplitName
from microsr_bench.data.manifest import FieldEntry, Manifest, image_sha256
from microsr_bench.data.splits import frame_id
from microsr_bench.errors import CacheError, DataError
from microsr_bench.imageio import atomic_write_text, encode_tiff

CACHE_FORMAT = 1
VerifyMode = Literal["quick", "full"]

PAIR_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "dataset": datasets.Value("string"),
        "hr_id": datasets.Value("string"),
        "frame": datasets.Value("int32"),
        "lr": datasets.Image(),
    }
)


def default_cache_dir() -> Path:
    """``$MICROSR_BENCH_CACHE`` if set, else ``~/.cache/microsr_bench``."""
    env = os.environ.get("MICROSR_BENCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "microsr_bench"


#: TIFF header and Arrow row overhead per stored image, in bytes (measured on the tiny and small caches: a few
#: hundred bytes per image; rounded up so the estimate errs on the side of asking for more space).
_PER_IMAGE_OVERHEAD = 1024


def estimated_bytes(n_fields: int, *, hr_shape: tuple[int, int], lr_shape: tuple[int, int], frames: int) -> int:
    """About how many bytes a prepared sub-dataset of ``n_fields`` fields takes on disk (16-bit, uncompressed)."""
    per_field = 2 * hr_shape[0] * hr_shape[1] + frames * 2 * lr_shape[0] * lr_shape[1]
    return n_fields * (per_field + (frames + 1) * _PER_IMAGE_OVERHEAD)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class PreparedDataset:
    """A verified prepared sub-dataset on disk."""

    root: Path
    manifest: Manifest

    def split_path(self, split: SplitName) -> Path:
        return self.root / "pairs" / f"{split}.arrow"

    def hr_path(self, hr_id: str) -> Path:
        return self.root / "hr" / f"{hr_id}.tif"

    def pairs(self, split: SplitName) -> datasets.Dataset:
        """The memory-mapped rows of a split, with ``hr`` resolved lazily from the HR file of each row."""
        table = datasets.Dataset.from_file(str(self.split_path(split)), in_memory=False)
        hr_paths = [{"path": str(self.hr_path(h)), "bytes": None} for h in table["hr_id"]]
        return table.add_column("hr", hr_paths, feature=datasets.Image())

    def hr_images(self, split: SplitName) -> datasets.Dataset:
        """One row per HR image of a split: ``hr_id``, ``dataset``, ``hr``."""
        hr_ids = self.manifest.hr_ids(split)
        return datasets.Dataset.from_dict(
            {
                "hr_id": hr_ids,
                "dataset": [self.manifest.dataset] * len(hr_ids),
                "hr": [{"path": str(self.hr_path(h)), "bytes": None} for h in hr_ids],
            },
            features=datasets.Features(
                {"hr_id": datasets.Value("string"), "dataset": datasets.Value("string"), "hr": datasets.Image()}
            ),
        )


def _tracked_files(root: Path) -> list[Path]:
    files = [root / "manifest.json", *sorted((root / "pairs").glob("*.arrow"))]
    files += sorted((root / "hr").glob("*.tif"))
    return [f for f in files if f.is_file()]


def _stat_record(root: Path, relpaths: Sequence[str]) -> dict[str, list[int]]:
    record = {}
    for rel in relpaths:
        st = (root / rel).stat()
        record[rel] = [st.st_size, st.st_mtime_ns]
    return record


def open_prepared(root: Path, *, verify: VerifyMode = "quick") -> PreparedDataset:
    """Open a prepared sub-dataset after checking its integrity; raise CacheError if anything is off."""
    integrity_path = root / "integrity.json"
    if not integrity_path.is_file():
        raise CacheError(f"{root}: no integrity.json, so the cache is incomplete; prepare the data again.")
    try:
        integrity = json.loads(integrity_path.read_text())
        files: dict[str, dict[str, Any]] = integrity["files"]
    except (ValueError, KeyError) as exc:
        raise CacheError(f"{integrity_path}: unreadable ({exc}); prepare the data again.") from exc
    problems = []
    for rel, info in files.items():
        path = root / rel
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != info["size"]:
            problems.append(f"{path}: {path.stat().st_size} bytes, expected {info['size']} (truncated or altered)")
    if problems:
        raise CacheError(f"Corrupted cache at {root}", problems)
    if verify == "full" or not _stamp_matches(root, list(files)):
        problems = [
            f"{root / rel}: SHA-256 differs from integrity.json (file altered or damaged)"
            for rel, info in files.items()
            if file_sha256(root / rel) != info["sha256"]
        ]
        if problems:
            raise CacheError(f"Corrupted cache at {root}", problems)
        with contextlib.suppress(OSError):  # a read-only cache is still usable; it is verified again next time
            atomic_write_text(root / "stamp.json", json.dumps(_stat_record(root, list(files))))
    return PreparedDataset(root, Manifest.load(root / "manifest.json"))


def _stamp_matches(root: Path, relpaths: list[str]) -> bool:
    try:
        stamp = json.loads((root / "stamp.json").read_text())
        return bool(stamp == _stat_record(root, relpaths))
    except (OSError, ValueError):
        return False


class CacheWriter:
    """Builds a prepared sub-dataset in a hidden folder; ``commit`` renames it into place.

    Fields must be added in ascending ``hr_id`` order (so rows are sorted by id). Leaving the ``with``
    block by an exception removes the partial folder.
    """

    def __init__(
        self,
        final_dir: Path,
        *,
        dataset: str,
        splits: dict[SplitName, list[str]],
        lr_shape: tuple[int, int],
        hr_shape: tuple[int, int],
        frames_per_hr: int,
        max_value: int,
        source: dict[str, Any],
        canonical: bool,
    ) -> None:
        self.final_dir = final_dir
        self.tmp_dir = final_dir.parent / f".{final_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._meta: dict[str, Any] = {
            "dataset": dataset,
            "lr_shape": lr_shape,
            "hr_shape": hr_shape,
            "frames_per_hr": frames_per_hr,
            "max_value": max_value,
            "source": source,
            "canonical": canonical,
        }
        self._split_of = {hr_id: split for split, ids in splits.items() for hr_id in ids}
        self._entries: dict[SplitName, list[FieldEntry]] = {s: [] for s in SPLITS}
        self._writers: dict[SplitName, ArrowWriter] = {}

    def __enter__(self) -> CacheWriter:
        self.final_dir.parent.mkdir(parents=True, exist_ok=True)
        (self.tmp_dir / "hr").mkdir(parents=True)
        (self.tmp_dir / "pairs").mkdir()
        for split in SPLITS:
            self._writers[split] = ArrowWriter(
                features=PAIR_FEATURES, path=str(self.tmp_dir / "pairs" / f"{split}.arrow")
            )
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def add_field(self, hr_id: str, hr: np.ndarray, lr: Sequence[np.ndarray]) -> None:
        """Store one field of view: its HR image once and one row per LR frame."""
        split = self._split_of[hr_id]
        dataset = str(self._meta["dataset"])
        (self.tmp_dir / "hr" / f"{hr_id}.tif").write_bytes(encode_tiff(hr))
        self._entries[split].append(FieldEntry(hr_id, image_sha256(hr), tuple(image_sha256(f) for f in lr)))
        self._writers[split].write_batch(
            {
                "id": [frame_id(dataset, hr_id, k) for k in range(len(lr))],
                "dataset": [dataset] * len(lr),
                "hr_id": [hr_id] * len(lr),
                "frame": list(range(len(lr))),
                "lr": [{"bytes": encode_tiff(f), "path": None} for f in lr],
            }
        )
        pause_point("cache-field-written")

    def commit(self, *, expected: Manifest | None = None) -> PreparedDataset:
        """Finish every file, write manifest and integrity records, and rename into place atomically.

        With ``expected`` (a published manifest), every image digest must match it, or nothing is kept.
        """
        missing = sorted(set(self._split_of) - {e.hr_id for es in self._entries.values() for e in es})
        if missing:
            raise CacheError(f"{self.final_dir}: fields never added: {', '.join(missing[:10])}")
        for writer in self._writers.values():
            writer.finalize()
            writer.close()
        self._writers.clear()
        manifest = Manifest(splits={s: tuple(self._entries[s]) for s in SPLITS}, **self._meta)
        if expected is not None:
            _check_against(manifest, expected)
        manifest.save(self.tmp_dir / "manifest.json")
        files = _tracked_files(self.tmp_dir)
        rels = [str(f.relative_to(self.tmp_dir)) for f in files]
        records = {r: {"size": f.stat().st_size, "sha256": file_sha256(f)} for r, f in zip(rels, files, strict=True)}
        integrity = {"format": CACHE_FORMAT, "files": records}
        atomic_write_text(self.tmp_dir / "integrity.json", json.dumps(integrity, indent=1, sort_keys=True))
        atomic_write_text(self.tmp_dir / "stamp.json", json.dumps(_stat_record(self.tmp_dir, rels)))
        _replace_dir(self.tmp_dir, self.final_dir)
        return PreparedDataset(self.final_dir, manifest)


def _check_against(manifest: Manifest, expected: Manifest) -> None:
    if manifest.fingerprint() == expected.fingerprint():
        return
    problems = []
    for split in SPLITS:
        got = {e.hr_id: e for e in manifest.fields(split)}
        for want in expected.fields(split):
            have = got.get(want.hr_id)
            if have is None:
                problems.append(f"{split}/{want.hr_id}: missing")
            elif have.hr_sha256 != want.hr_sha256:
                problems.append(f"{split}/{want.hr_id}: HR image differs from the manifest")
            elif have.frame_sha256 != want.frame_sha256:
                bad = [k for k, (a, b) in enumerate(zip(have.frame_sha256, want.frame_sha256, strict=False)) if a != b]
                problems.append(f"{split}/{want.hr_id}: frames {bad[:5]} differ or are missing from the manifest")
    raise DataError(f"{manifest.dataset}: the downloaded data does not match its published manifest", problems)


def _replace_dir(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``; an existing ``dst`` is moved aside first and deleted after."""
    old = None
    if dst.exists():
        # The pid in the name lets a later run tell a dead run's copy (put back or deleted) from a live one's.
        old = dst.parent / f".{dst.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        dst.rename(old)
        pause_point("cache-replace")
    src.rename(dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale_builds(parent: Path) -> Iterator[Path]:
    """Tidy what interrupted runs (their process gone) left in ``parent``; yield each path removed or put back.

    A partial build (``.tmp-``) is deleted. A previous copy moved aside (``.old-``) is put back when the run
    died before its new copy took its place (no ``<NAME>/``), else deleted.
    """
    if not parent.is_dir():
        return
    for path in sorted(parent.glob(".*.*-*")):
        stem, kind, pid = _build_owner(path.name)
        if pid is None or _pid_alive(pid):
            continue
        final = parent / stem
        if kind == "old" and not final.exists() and (path / "integrity.json").is_file():
            path.rename(final)
        else:
            shutil.rmtree(path, ignore_errors=True)
        yield path


def _build_owner(name: str) -> tuple[str, str, int | None]:
    """``.<NAME>.tmp-<pid>-<hex>`` -> (NAME, "tmp", pid); (name, "", None) for any other name."""
    for kind in ("tmp", "old"):
        head, marker, tail = name.rpartition(f".{kind}-")
        pid = tail.split("-")[0]
        if marker and head.startswith(".") and pid.isdigit():
            return head[1:], kind, int(pid)
    return name, "", None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
