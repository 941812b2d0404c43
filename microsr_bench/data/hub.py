"""The hub source: the benchmark as parquet on a Hugging Face dataset repository, at a pinned revision.

Layout of a repository (or of a local folder with the same files)::

    README.md                         dataset card; its YAML ``configs`` name the parquet files
    <NAME>/{train,validation,test}-00000-of-00001.parquet       pairs: id, dataset, hr_id, frame, lr
    <NAME>_hr/{train,validation,test}-00000-of-00001.parquet    HR images once: hr_id, dataset, hr
    manifests/<NAME>.json             the manifest; every downloaded image is checked against it

Config ``<NAME>`` holds the pairs and ``<NAME>_hr`` the HR images (each stored once). No public copy of
the real data exists yet, so there is no default repository: pass ``hub_repo`` or set
``MICROSR_BENCH_HUB_REPO``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from filelock import FileLock
from tqdm.auto import tqdm

from microsr_bench._notices import announce
from microsr_bench.data.cache import (
    CacheWriter,
    PreparedDataset,
    VerifyMode,
    estimated_bytes,
    open_prepared,
    remove_stale_builds,
)
from microsr_bench.data.cards import SPLITS, SplitName, get_card
from microsr_bench.data.hub_card import render_dataset_card
from microsr_bench.data.manifest import Manifest
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import CacheError, DataError, InvalidArgumentError
from microsr_bench.imageio import decode_image_bytes

HR_FEATURES = datasets.Features(
    {"hr_id": datasets.Value("string"), "dataset": datasets.Value("string"), "hr": datasets.Image()}
)


def write_hub_layout(prepared: Mapping[str, PreparedDataset], out_dir: Path, *, overwrite: bool = False) -> Path:
    """Write prepared sub-datasets as the hub layout (parquet, manifests, card) into the folder ``out_dir``.

    ``out_dir`` must be new or empty, or (with ``overwrite``) a layout this function wrote earlier, which is
    then replaced whole; a folder with anything else in it is refused (:mod:`microsr_bench.data.hub_local`).
    """
    from microsr_bench.data.hub_local import write_local_dir

    return write_local_dir(out_dir, lambda folder: _write_layout(prepared, folder), overwrite=overwrite)


def _write_layout(prepared: Mapping[str, PreparedDataset], out_dir: Path) -> None:
    """The layout's files, written into the existing folder ``out_dir``."""
    (out_dir / "manifests").mkdir(exist_ok=True)
    for name, data in prepared.items():
        for split in SPLITS:
            pairs = datasets.Dataset.from_file(str(data.split_path(split)))
            (out_dir / name).mkdir(exist_ok=True)
            with _progress_bars(False):
                pairs.to_parquet(str(out_dir / name / f"{split}-00000-of-00001.parquet"))
            hr_ids = data.manifest.hr_ids(split)
            hr = datasets.Dataset.from_dict(
                {
                    "hr_id": hr_ids,
                    "dataset": [name] * len(hr_ids),
                    "hr": [{"bytes": data.hr_path(h).read_bytes(), "path": f"{h}.tif"} for h in hr_ids],
                },
                features=HR_FEATURES,
            )
            (out_dir / f"{name}_hr").mkdir(exist_ok=True)
            with _progress_bars(False):
                hr.to_parquet(str(out_dir / f"{name}_hr" / f"{split}-00000-of-00001.parquet"))
        data.manifest.save(out_dir / "manifests" / f"{name}.json")
    manifests = {n: p.manifest for n, p in prepared.items()}
    (out_dir / "README.md").write_text(render_dataset_card(manifests))


def push_to_hub(
    prepared: Mapping[str, PreparedDataset],
    repo_id: str,
    *,
    private: bool = True,
    token: str | None = None,
    commit_message: str = "Upload microsr-bench data",
) -> str:
    """Upload prepared data in hub layout to a dataset repository; return the commit sha to pin."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="microsr-hub-") as tmp:
        _write_layout(prepared, Path(tmp))  # no local marker file in the repository
        info = api.upload_folder(folder_path=tmp, repo_id=repo_id, repo_type="dataset", commit_message=commit_message)
    return str(getattr(info, "oid", "") or "")


def _resolve_repo(hub_repo: str | None, revision: str | None) -> tuple[str, str]:
    repo = hub_repo or os.environ.get("MICROSR_BENCH_HUB_REPO")
    if not repo:
        raise InvalidArgumentError(
            "source='hub' needs a repository: pass hub_repo='owner/name' (and revision='<commit sha>') or set "
            "MICROSR_BENCH_HUB_REPO. No public copy of the real data exists yet, so there is no default."
        )
    rev = revision or os.environ.get("MICROSR_BENCH_HUB_REVISION")
    if Path(repo).expanduser().is_dir():
        folder = Path(repo).expanduser().resolve()
        digest = hashlib.sha256()
        for path in sorted((folder / "manifests").glob("*.json")):
            digest.update(path.read_bytes())
        return str(folder), rev or f"local-{digest.hexdigest()[:16]}"
    if rev is None:
        from huggingface_hub import HfApi

        rev = str(HfApi().dataset_info(repo).sha)
        warnings.warn(
            f"No revision given for {repo}: pinned to its current commit {rev}. Pass revision={rev!r} "
            "(or set MICROSR_BENCH_HUB_REVISION) so that later loads use exactly this data.",
            UserWarning,
            stacklevel=4,
        )
    return repo, rev


def _read_manifest(repo: str, revision: str, name: str) -> Manifest:
    if Path(repo).is_dir():
        path = Path(repo) / "manifests" / f"{name}.json"
        if not path.is_file():
            raise DataError(f"{repo}: no manifests/{name}.json; is {name} published in this repository?")
        return Manifest.load(path)
    from huggingface_hub import hf_hub_download

    local = hf_hub_download(repo, f"manifests/{name}.json", repo_type="dataset", revision=revision)
    return Manifest.load(Path(local))


def _ingest_hub(repo: str, revision: str, name: str, target: Path, cache_root: Path, progress: bool) -> PreparedDataset:
    published = _read_manifest(repo, revision, name)
    hf_cache = str(cache_root / "hf-datasets")
    kwargs = {"revision": None if Path(repo).is_dir() else revision, "cache_dir": hf_cache}
    splits = {s: published.hr_ids(s) for s in SPLITS}
    n_fields = sum(len(ids) for ids in splits.values())
    nbytes = estimated_bytes(
        n_fields, hr_shape=published.hr_shape, lr_shape=published.lr_shape, frames=published.frames_per_hr
    )
    # The download lands in hf-datasets/ and the checked copy beside it: about twice the data. Its duration
    # depends on the network, so only the progress bars can tell it.
    announce(
        f"Downloading {name} from {repo} at {revision[:12]} ({n_fields} fields x {published.frames_per_hr} frames) "
        "and storing a checked copy",
        cache_root.absolute(),
        nbytes=2 * nbytes,
        seconds=None,
        stacklevel=4,
    )
    with disk_full_as_error(f"the {name} data from {repo}", cache_root, needed=2 * nbytes):
        return _download_and_store(repo, revision, name, kwargs, published, splits, target, progress)


def _download_and_store(
    repo: str,
    revision: str,
    name: str,
    kwargs: dict[str, Any],
    published: Manifest,
    splits: dict[SplitName, list[str]],
    target: Path,
    progress: bool,
) -> PreparedDataset:
    with _progress_bars(progress):
        pairs = datasets.load_dataset(repo, name=name, **kwargs)
        hr = datasets.load_dataset(repo, name=f"{name}_hr", **kwargs)
    source = {"kind": "hub", "repo": repo, "revision": revision}
    with CacheWriter(
        target,
        dataset=name,
        splits=splits,
        lr_shape=published.lr_shape,
        hr_shape=published.hr_shape,
        frames_per_hr=published.frames_per_hr,
        max_value=published.max_value,
        source=source,
        canonical=published.canonical,
    ) as writer:
        for split in SPLITS:
            _ingest_split(writer, pairs[split], hr[split], name, split, progress)
        return writer.commit(expected=published)


@contextlib.contextmanager
def _progress_bars(enabled: bool) -> Iterator[None]:
    """Silence the datasets library's own bars when ours are off, restoring its setting after."""
    was_enabled = datasets.is_progress_bar_enabled()
    if not enabled:
        datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


def _ingest_split(
    writer: CacheWriter, pairs: datasets.Dataset, hr: datasets.Dataset, name: str, split: str, progress: bool
) -> None:
    pairs = pairs.cast_column("lr", datasets.Image(decode=False))
    hr = hr.cast_column("hr", datasets.Image(decode=False))
    hr_bytes = {row["hr_id"]: row["hr"]["bytes"] for row in hr}
    frames: dict[str, list[tuple[int, bytes]]] = {}
    for row in pairs:
        frames.setdefault(row["hr_id"], []).append((row["frame"], row["lr"]["bytes"]))
    for hr_id in tqdm(sorted(hr_bytes), desc=f"ingesting {name} {split}", disable=not progress):
        stack = [decode_image_bytes(b).astype(np.uint16) for _, b in sorted(frames.get(hr_id, []))]
        writer.add_field(hr_id, decode_image_bytes(hr_bytes[hr_id]).astype(np.uint16), stack)


def prepared_hub(
    names: Sequence[str],
    cache_root: Path,
    hub_repo: str | None,
    revision: str | None,
    *,
    verify: VerifyMode,
    progress: bool,
) -> dict[str, PreparedDataset]:
    """Open the local copy of hub data at a pinned revision, downloading and checking it first if needed."""
    repo, rev = _resolve_repo(hub_repo, revision)
    key = re.sub(r"[^A-Za-z0-9_.-]+", "__", repo.strip("/"))[-80:] + "@" + rev[:40]
    parent = cache_root / "real" / "hub" / key
    parent.mkdir(parents=True, exist_ok=True)
    result = {}
    for name in names:
        get_card(name)
        with FileLock(str(parent / f".{name}.lock")):
            list(remove_stale_builds(parent))
            if (parent / name).exists():
                try:
                    result[name] = open_prepared(parent / name, verify=verify)
                    continue
                except CacheError as exc:
                    warnings.warn(f"{exc}\nDownloading and checking it again.", RuntimeWarning, stacklevel=3)
            result[name] = _ingest_hub(repo, rev, name, parent / name, cache_root, progress)
    return result
