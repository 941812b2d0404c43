"""Manifests: the ids of every split, a SHA-256 per image, and fingerprints that identify a split's data."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microsr_bench.data.cards import SPLITS, SplitName
from microsr_bench.data.splits import frame_id
from microsr_bench.errors import CacheError

MANIFEST_FORMAT = 1


def image_sha256(image: np.ndarray) -> str:
    """SHA-256 of an image's pixel values, independent of the file format it came in.

    The digest covers the shape and the values as little-endian uint16 in row-major order, so the same
    pixels give the same digest whether they were read from TIFF or PNG, 8- or 16-bit.
    """
    if image.ndim != 2 or image.dtype.kind != "u" or image.dtype.itemsize > 2:
        raise ValueError(f"image_sha256 expects a 2-D uint8/uint16 array, got {image.dtype} {image.shape}")
    header = f"uint16:{image.shape[0]}x{image.shape[1]}:".encode()
    return hashlib.sha256(header + np.ascontiguousarray(image, dtype="<u2").tobytes()).hexdigest()


@dataclass(frozen=True)
class FieldEntry:
    """One field of view: its HR image digest and the digests of its LR frames, in frame order."""

    hr_id: str
    hr_sha256: str
    frame_sha256: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """Everything that identifies one prepared sub-dataset, independent of where its files live."""

    dataset: str
    #: Where the data came from: ``{"kind": "simulated"|"folder"|"hub", ...}`` plus kind-specific details.
    source: dict[str, Any]
    max_value: int
    lr_shape: tuple[int, int]
    hr_shape: tuple[int, int]
    frames_per_hr: int
    splits: dict[SplitName, tuple[FieldEntry, ...]]
    canonical: bool = True
    format_version: int = MANIFEST_FORMAT
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def fields(self, split: SplitName) -> tuple[FieldEntry, ...]:
        return self.splits[split]

    def hr_ids(self, split: SplitName) -> list[str]:
        return [entry.hr_id for entry in self.splits[split]]

    def ids(self, split: SplitName) -> list[str]:
        """Frame ids of a split, sorted."""
        return sorted(
            frame_id(self.dataset, e.hr_id, k) for e in self.splits[split] for k in range(len(e.frame_sha256))
        )

    def fingerprint(self, split: SplitName | None = None) -> str:
        """SHA-256 over the split's ids and image digests (``None``: all splits), prefixed ``sha256:``."""
        key = split or "all"
        if key not in self._cache:
            chosen = SPLITS if split is None else (split,)
            payload = {
                "dataset": self.dataset,
                "max_value": self.max_value,
                "lr_shape": list(self.lr_shape),
                "hr_shape": list(self.hr_shape),
                "splits": {s: [[e.hr_id, e.hr_sha256, list(e.frame_sha256)] for e in self.splits[s]] for s in chosen},
            }
            text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
            self._cache[key] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        return self._cache[key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "dataset": self.dataset,
            "source": self.source,
            "canonical": self.canonical,
            "max_value": self.max_value,
            "lr_shape": list(self.lr_shape),
            "hr_shape": list(self.hr_shape),
            "frames_per_hr": self.frames_per_hr,
            "fingerprints": {s: self.fingerprint(s) for s in SPLITS} | {"all": self.fingerprint()},
            "splits": {
                s: [{"hr_id": e.hr_id, "hr": e.hr_sha256, "frames": list(e.frame_sha256)} for e in self.splits[s]]
                for s in SPLITS
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "manifest") -> Manifest:
        """Rebuild a manifest and check that its recorded fingerprints match its content."""
        try:
            if data["format_version"] != MANIFEST_FORMAT:
                raise CacheError(
                    f"{origin}: manifest format {data['format_version']} is not the supported {MANIFEST_FORMAT}; "
                    "prepare the data again with this version of microsr-bench."
                )
            manifest = cls(
                dataset=data["dataset"],
                source=dict(data["source"]),
                canonical=bool(data["canonical"]),
                max_value=int(data["max_value"]),
                lr_shape=(int(data["lr_shape"][0]), int(data["lr_shape"][1])),
                hr_shape=(int(data["hr_shape"][0]), int(data["hr_shape"][1])),
                frames_per_hr=int(data["frames_per_hr"]),
                splits={
                    s: tuple(FieldEntry(f["hr_id"], f["hr"], tuple(f["frames"])) for f in data["splits"][s])
                    for s in SPLITS
                },
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise CacheError(f"{origin}: malformed manifest ({type(exc).__name__}: {exc}).") from exc
        recorded = data.get("fingerprints", {})
        for split in (*SPLITS, None):
            key = split or "all"
            if recorded.get(key) != manifest.fingerprint(split):
                raise CacheError(f"{origin}: fingerprint of {key!r} does not match the manifest's content.")
        return manifest

    def save(self, path: Path) -> None:
        from microsr_bench.imageio import atomic_write_bytes

        text = json.dumps(self.to_dict(), indent=1, sort_keys=True)
        data = gzip.compress(text.encode(), mtime=0) if path.suffix == ".gz" else text.encode()
        atomic_write_bytes(path, data)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        raw = path.read_bytes()
        text = gzip.decompress(raw).decode() if path.suffix == ".gz" else raw.decode()
        return cls.from_dict(json.loads(text), origin=str(path))
