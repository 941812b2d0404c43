"""``load_benchmark``: resolve the source, make sure it is prepared and intact, and return the splits."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

import datasets
from filelock import FileLock

from microsr_bench.data.cache import PreparedDataset, VerifyMode, default_cache_dir, open_prepared, remove_stale_builds
from microsr_bench.data.cards import DATASET_NAMES, SPLITS, SplitName, get_card
from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.data.profiles import SizeName, get_profile
from microsr_bench.data.simulated import build_simulated, simulated_source_key
from microsr_bench.data.splits import ShotsArg, normalize_fields, normalize_shots, select_fields, select_shots
from microsr_bench.errors import CacheError, InvalidArgumentError, NotFoundError

SourceName = Literal["auto", "simulated", "folder", "hub"]
SOURCES: tuple[str, ...] = get_args(SourceName)


class SimulatedDataWarning(UserWarning):
    """Emitted when ``source="auto"`` falls back to the simulated default data."""


SIMULATED_FALLBACK_MESSAGE = (
    "No real data is configured, so microsr-bench uses its SIMULATED default data (generated on this machine "
    "from a physics model of video-rate confocal acquisition). Results on it are not comparable with the paper "
    "and are ranked on a separate board. To use the real data: `microsr-bench prepare ROOT` (layout in "
    "docs/data.md), or set MICROSR_BENCH_DATA=ROOT, or pass source='hub', hub_repo=..., revision=...."
)


class BenchmarkDict(datasets.DatasetDict):
    """A ``DatasetDict`` (train/validation/test) that also knows its provenance and its HR images."""

    benchmark: BenchmarkInfo
    _prepared: dict[str, PreparedDataset]

    @property
    def prepared(self) -> Mapping[str, PreparedDataset]:
        """Sub-dataset name -> its prepared data on disk: ``root`` (the cache folder), ``manifest`` (ids per
        split, sha256 per image, ``hr_shape``), ``split_path(split)`` and ``hr_images(split)``. Read-only."""
        return MappingProxyType(self._prepared)

    def hr_images(self, split: SplitName = "train") -> datasets.Dataset:
        """The unique HR images of a split (``hr_id``, ``dataset``, ``hr``): the view for HR-only training."""
        if split not in SPLITS:
            raise InvalidArgumentError(f"split must be one of {', '.join(SPLITS)}, got {split!r}.")
        parts = [self._prepared[name].hr_images(split) for name in self.benchmark.datasets]
        table = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
        return self.benchmark.stamp(table)


def resolve_names(name: str | Sequence[str]) -> tuple[str, ...]:
    """``"all"`` -> the four sub-datasets; a name or list of names -> validated names in the paper's order."""
    names = list(DATASET_NAMES) if name == "all" else [name] if isinstance(name, str) else list(name)
    if not names:
        raise InvalidArgumentError("name must be a sub-dataset name, 'all', or a non-empty list of names.")
    for n in names:
        get_card(n)  # unknown names: UnknownNameError with the valid names and the closest match
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"Sub-dataset names must not repeat, got {names}.")
    return tuple(n for n in DATASET_NAMES if n in names)


def load_benchmark(
    name: str | Sequence[str],
    *,
    shots: ShotsArg = None,
    source: SourceName = "auto",
    cache_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    hub_repo: str | None = None,
    revision: str | None = None,
    size: SizeName = "full",
    verify: VerifyMode = "quick",
    progress: bool = True,
    fields: int | str | None = None,
) -> BenchmarkDict:
    """Load sub-datasets of the benchmark as a ``DatasetDict`` with ``train``, ``validation`` and ``test``.

    One row per LR frame: ``id`` (``MITO/f0007/042``), ``dataset``, ``hr_id``, ``frame``, ``lr`` and ``hr``.
    Images are 16-bit (PIL in Python format; ``with_format("numpy")`` gives uint16 arrays and
    ``with_format("torch")`` uint16 tensors ``[1, H, W]``); divide by ``benchmark.max_values[dataset]`` for
    [0, 1]. Each HR image is stored once and read lazily by the rows that refer to it.

    Args:
        name: ``"MITO"``, ``"MPM"``, ``"MEM"``, ``"NUC"``, a list of them, or ``"all"``.
        shots: 200, 400, 800, or ``None``/``"full"``; shrinks ``train`` only, to nested fixed subsets.
        fields: 2, 4, 8, or ``None``/``"full"``: the field-level few-shot set instead (whole fields of view, all
            their frames; nested and frozen like ``shots``); not together with ``shots``.
        source: ``"auto"`` (real data if configured, else simulated with a warning), ``"simulated"``,
            ``"folder"`` (real data from ``data_dir``/``$MICROSR_BENCH_DATA``/an earlier ``prepare``), or
            ``"hub"`` (``hub_repo`` at ``revision``).
        cache_dir: where prepared data lives; default ``$MICROSR_BENCH_CACHE`` or ``~/.cache/microsr_bench``.
        data_dir: root of the real data on disk (layout in docs/data.md); prepared on first use.
        hub_repo, revision: a Hugging Face dataset repository (or a local folder in hub layout) and the commit.
        size: simulated data only: ``"full"`` (Table I), ``"small"`` or ``"tiny"`` (tests).
        verify: ``"quick"`` re-checks checksums only when files changed since last verified; ``"full"`` always.
        progress: show progress bars while preparing.
    """
    names = resolve_names(name)
    level = normalize_shots(shots)
    field_level = normalize_fields(fields)
    if level is not None and field_level is not None:
        raise InvalidArgumentError(
            f"shots={shots!r} and fields={fields!r} both shrink the training split; give one of them "
            "(pair-level shots or whole-field sets)."
        )
    if source not in SOURCES:
        raise InvalidArgumentError(f"source must be one of {', '.join(SOURCES)}, got {source!r}.")
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    kind = _resolve_source(source, names, root, data_dir, hub_repo)
    if kind != "simulated" and size != "full":
        raise InvalidArgumentError(f"size={size!r} exists only for simulated data; real data has one size, 'full'.")
    if kind == "simulated":
        prepared = {n: _prepared_simulated(n, size, root, verify, progress) for n in names}
    elif kind == "folder":
        from microsr_bench.data.folder import prepared_folder

        prepared = prepared_folder(names, root, data_dir, verify=verify, progress=progress)
    else:
        from microsr_bench.data.hub import prepared_hub

        prepared = prepared_hub(names, root, hub_repo, revision, verify=verify, progress=progress)
    return _assemble(names, prepared, kind, size if kind == "simulated" else "full", level, field_level)


def _resolve_source(
    source: str, names: tuple[str, ...], root: Path, data_dir: str | Path | None, hub_repo: str | None
) -> str:
    if source != "auto":
        return source
    if data_dir is not None or os.environ.get("MICROSR_BENCH_DATA"):
        return "folder"
    if hub_repo is not None or os.environ.get("MICROSR_BENCH_HUB_REPO"):
        return "hub"
    from microsr_bench.data.folder import folder_cache_dir

    list(remove_stale_builds(folder_cache_dir(root)))  # a killed rebuild's previous copy counts as prepared
    if all((folder_cache_dir(root) / n / "integrity.json").is_file() for n in names):
        return "folder"
    warnings.warn(SIMULATED_FALLBACK_MESSAGE, SimulatedDataWarning, stacklevel=3)
    return "simulated"


def _prepared_simulated(name: str, size: str, root: Path, verify: VerifyMode, progress: bool) -> PreparedDataset:
    profile = get_profile(size)
    parent = root / simulated_source_key(profile)
    target = parent / name
    parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(parent / f".{name}.lock")):
        list(remove_stale_builds(parent))
        if target.exists():
            try:
                return open_prepared(target, verify=verify)
            except CacheError as exc:
                # Simulated data is deterministic, so a damaged copy is rebuilt rather than trusted.
                warnings.warn(f"{exc}\nRebuilding the simulated data.", RuntimeWarning, stacklevel=4)
        built = build_simulated(name, profile, target, progress=progress)
    _compare_with_frozen(built, size)
    return built


def _compare_with_frozen(built: PreparedDataset, size: str) -> None:
    """Warn when data generated here differs from the frozen reference (results would not be comparable)."""
    from microsr_bench.data.canonical import frozen_simulated_manifests

    reference = frozen_simulated_manifests(size).get(built.manifest.dataset)
    if reference is None or reference.source != built.manifest.source:
        return  # no reference for this size or simulator version
    if reference.fingerprint() != built.manifest.fingerprint():
        warnings.warn(
            f"The simulated {built.manifest.dataset} data generated on this machine differs from the reference "
            f"manifest shipped with microsr-bench ({built.manifest.fingerprint()} != {reference.fingerprint()}). "
            "Scores on it are not comparable with published simulated results; please report this with your "
            "platform details.",
            SimulatedDataWarning,
            stacklevel=4,
        )


def _assemble(
    names: tuple[str, ...],
    prepared: dict[str, PreparedDataset],
    kind: str,
    size: str,
    level: int | None,
    field_level: int | None = None,
) -> BenchmarkDict:
    splits: dict[str, list[datasets.Dataset]] = {s: [] for s in SPLITS}
    train_pairs = {}
    for n in names:
        for split in SPLITS:
            table = prepared[n].pairs(split)
            if split == "train" and (level is not None or field_level is not None):
                ids = table["id"]
                keep = set(select_shots(n, ids, level) if level is not None else select_fields(n, ids, field_level))
                table = table.select([i for i, row_id in enumerate(table["id"]) if row_id in keep])
            if split == "train":
                train_pairs[n] = len(table)
            splits[split].append(table)
    info = BenchmarkInfo(
        datasets=names,
        source=kind,
        size=size,
        canonical=all(prepared[n].manifest.canonical for n in names),
        shots=level,
        max_values={n: prepared[n].manifest.max_value for n in names},
        fingerprints={
            n: {s: prepared[n].manifest.fingerprint(s) for s in SPLITS} | {"all": prepared[n].manifest.fingerprint()}
            for n in names
        },
        source_details={n: prepared[n].manifest.source for n in names},
        train_pairs=train_pairs,
        fields=field_level,
    )
    result = BenchmarkDict(
        {s: info.stamp(t[0] if len(t) == 1 else datasets.concatenate_datasets(t)) for s, t in splits.items()}
    )
    result.benchmark = info
    result._prepared = prepared
    return result


def missing_real_data_error(names: Sequence[str]) -> NotFoundError:
    return NotFoundError(
        f"No prepared real data for {', '.join(names)}. Run `microsr-bench prepare ROOT` once with the real "
        "data laid out as ROOT/<NAME>/hr/<hr_id>.tif and ROOT/<NAME>/lr/<hr_id>/<frame>.tif (see docs/data.md), "
        "or pass data_dir=ROOT, or set MICROSR_BENCH_DATA=ROOT."
    )
