"""``evaluate``: train if the protocol and method allow it, predict the test split, score it, cache the result."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import datasets
import numpy as np
import torch

from microsr_bench._testhooks import pause_point
from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.data.load import BenchmarkDict, SourceName
from microsr_bench.data.profiles import SizeName
from microsr_bench.device import check_device
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.imageio import atomic_write_text
from microsr_bench.protocols.cache_key import cache_key, file_sha256, key_hash
from microsr_bench.protocols.data import ProtocolData, burst_inputs, protocol_data
from microsr_bench.protocols.method import (
    Method,
    MethodOptions,
    load_method,
    method_factory_of,
    method_name,
    protocol_parameters,
)
from microsr_bench.protocols.protocols import Burst, Protocol
from microsr_bench.scoring import MethodInfo, ProtocolInfo, ScoreResult, read_result, score_predictions
from microsr_bench.scoring.folders import disk_full_as_error
from microsr_bench.scoring.lineage import declared_lineage, stage_from_split
from microsr_bench.scoring.writer import predict_test_split, runtime_record, write_predictions

Overwrite = Literal["never", "scores", "always"]
OVERWRITE_CHOICES: tuple[Overwrite, ...] = ("never", "scores", "always")


@dataclass(frozen=True)
class EvaluationPaths:
    """Where one evaluation keeps its files: ``<out>/<method>/<protocol id>/<source>-<size>/<dataset>-<shots>/``.

    Source and size are in the path, so a result on the small simulated data and one on the full data (or
    on real data) never share a folder.
    """

    folder: Path

    @property
    def result(self) -> Path:
        return self.folder / "result.json"

    @property
    def predictions(self) -> Path:
        return self.folder / "predictions"

    @property
    def csv(self) -> Path:
        return self.result.with_suffix(".csv")

    @property
    def lineage(self) -> Path:
        """The lineage of the kept predictions' model (``overwrite="scores"`` re-scores without refitting)."""
        return self.folder / "lineage.json"

    @property
    def key(self) -> Path:
        return self.folder / "key.json"

    @property
    def predictions_key(self) -> Path:
        """The key hash the kept predictions were made under (``overwrite="scores"`` re-scores only those)."""
        return self.folder / "predictions.key"


def default_results_dir() -> Path:
    return Path("results")


def check_results_folder(out_dir: Path, flag: str = "--out") -> None:
    """Refuse a results folder that is an existing file (before any data is loaded or model trained)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidArgumentError(
            f"{flag} {out_dir} is an existing file; results go into a folder. Give a folder path (new or existing)."
        )


def evaluation_paths(out_dir: Path, name: str, protocol: Protocol, info: BenchmarkInfo) -> EvaluationPaths:
    fields = getattr(protocol, "fields", None)
    shots = "full" if protocol.shots is None else str(protocol.shots)
    shots = shots if fields is None else f"fields{fields}"
    safe_id = protocol.id.replace("(", "-").replace(")", "").replace("=", "").replace(",", "-")
    data = f"{info.source}-{info.size}"
    return EvaluationPaths(out_dir / name.replace("/", "_") / safe_id / data / f"{protocol.test_dataset}-{shots}")


def _burst_stream(
    method: Method, bench: BenchmarkDict, dataset: str, k: int, batch_size: int, device: str, timing: dict[str, float]
) -> Iterator[tuple[str, np.ndarray]]:
    """Predict one image per burst of ``k`` frames (input ``[B, k, h, w]``), named after the first frame."""
    bursts = burst_inputs(bench, dataset, k)
    rows = bench["test"].with_format("numpy", columns=["lr"])
    scale = float(bench.benchmark.max_values[dataset])
    with torch.inference_mode():
        for start in range(0, len(bursts), batch_size):
            chunk = bursts[start : start + batch_size]
            stack = np.stack([np.stack([rows[i]["lr"] for i in indices]) for _, indices in chunk])
            lr = torch.from_numpy(stack.astype(np.float32) / scale).to(device)
            began = time.perf_counter()
            out = method(lr)
            timing["seconds"] = timing.get("seconds", 0.0) + time.perf_counter() - began
            timing["images"] = timing.get("images", 0.0) + len(chunk)
            for (first_id, _), image in zip(chunk, out[:, 0].detach().cpu().double().numpy(), strict=True):
                yield first_id, image


def _predict(
    method: Method, data: ProtocolData, protocol: Protocol, folder: Path, batch_size: int, device: str, progress: bool
) -> tuple[dict[str, float], dict[str, list[str]] | None]:
    timing: dict[str, float] = {}
    stream: Iterable[tuple[str, np.ndarray]]
    test = data.test
    name = protocol.test_dataset
    if isinstance(protocol, Burst):
        stream = _burst_stream(method, test, name, protocol.k, batch_size, device, timing)
        ids = {name: [first for first, _ in burst_inputs(test, name, protocol.k)]}
    else:
        if test.benchmark.datasets != (name,):
            raise InvalidArgumentError(f"the test data must hold only {name}, got {test.benchmark.datasets}.")
        stream = predict_test_split(
            method, test, batch_size=batch_size, device=device, progress=progress, timing=timing
        )
        ids = None

    def runtime() -> dict[str, Any]:
        return runtime_record(timing, device, batch_size)

    name_ = method_name(method, "method")
    write_predictions(folder, stream, test.benchmark, method=name_, runtime=runtime, overwrite=True)
    return runtime(), ids


def evaluate(
    method: str | Method,
    protocol: Protocol,
    *,
    options: MethodOptions | None = None,
    source: SourceName = "auto",
    size: SizeName = "full",
    cache_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    overwrite: Overwrite = "never",
    keep_predictions: bool = False,
    batch_size: int = 8,
    n_boot: int = 2000,
    progress: bool = True,
    report: Callable[[str], None] | None = None,
    score_workers: int = 1,
    seeds: Sequence[int] | str | None = None,
) -> ScoreResult:
    """Run a method under a protocol: train (if allowed and the method has ``fit``), predict, score.

    Args:
        method: a registered name (``bicubic``, ``resrgan-b``, ...), ``module:attr``, or a method object.
        protocol: ``paired(...)``, ``zero_shot(...)``, ``blind_synthetic(...)`` or ``burst(...)``.
        options: budget, device, seed, workdir, weights for the method factory.
        source, size, cache_dir: which data (see ``load_benchmark``).
        out_dir: results go to ``<out_dir>/<method>/<protocol id>/<source>-<size>/<dataset>-<shots>/result.json``
            (+ CSV and ``key.json``).
        overwrite: ``never`` reuses a cached result whose key matches (method source and version, weights
            sha256, options, protocol, data fingerprints, source and size, library version; see
            ``cache_key``); ``scores`` re-scores kept predictions; ``always`` recomputes.
        keep_predictions: keep the prediction folder next to the result (needed for ``overwrite="scores"``).
        report: called with one line saying where the record went and whether a cached one was reused.
        score_workers: processes that score the predictions (``score_predictions(workers=...)``); the numbers
            do not depend on it, so it is not part of the cache key.
        seeds: train and score once per seed (each run in ``<out_dir>/seed-<s>/``, ``options.seed`` replaced)
            and return one record with the spread over seeds, written under ``<out_dir>/seeds-<s0>-<s1>.../``
            (:mod:`microsr_bench.protocols.seeds`). Needs a method name or ``module:attr`` (a fresh instance
            per seed).
    """
    if seeds is not None:
        from microsr_bench.protocols.seeds import evaluate_seeds, parse_seeds

        passed: dict[str, Any] = {"source": source, "size": size, "cache_dir": cache_dir, "overwrite": overwrite}
        passed |= {"batch_size": batch_size, "keep_predictions": keep_predictions, "n_boot": n_boot}
        out_root = Path(out_dir) if out_dir is not None else default_results_dir()
        options = options or MethodOptions(progress=progress)
        return evaluate_seeds(method, protocol, parse_seeds(seeds), options, out_root, progress, report, passed)
    if overwrite not in OVERWRITE_CHOICES:
        raise InvalidArgumentError(f"overwrite must be one of {', '.join(OVERWRITE_CHOICES)}, got {overwrite!r}.")
    options = _options_for(method, options or MethodOptions(progress=progress), protocol)
    check_device(options.device)
    out_root = Path(out_dir) if out_dir is not None else default_results_dir()
    check_results_folder(out_root)
    spec = method if isinstance(method, str) else f"{type(method).__module__}:{type(method).__qualname__}"
    # The method first: an unknown name or a missing extra is refused before any data is generated or loaded.
    instance = load_method(method, options) if isinstance(method, str) else method
    data = protocol_data(protocol, source=source, size=size, cache_dir=cache_dir, progress=progress, seed=options.seed)
    info = data.test.benchmark
    key = cache_key(spec, instance, options, protocol, {**data.fingerprints, "source": info.source, "size": info.size})
    paths = evaluation_paths(out_root, method_name(instance, spec), protocol, info)
    say = report or (lambda line: None)
    cached, why = _cached(paths, key, overwrite)
    if cached is not None:
        say(f"Reused the cached result {paths.result} (same method code, weights, options, protocol and data).")
        return cached
    # The key goes first: from here until the new key is written, no run can take the folder's files as cached.
    paths.key.unlink(missing_ok=True)
    try:
        result = _run(
            instance,
            spec,
            data,
            protocol,
            paths,
            key,
            overwrite,
            options,
            (batch_size, n_boot, score_workers),
            progress,
        )
    finally:
        if not keep_predictions:
            shutil.rmtree(paths.predictions, ignore_errors=True)
            paths.predictions_key.unlink(missing_ok=True)
            paths.lineage.unlink(missing_ok=True)
    say(f"Wrote the result to {paths.result}" + (f" (replacing one whose {why})." if why else "."))
    return result


def _run(
    instance: Method,
    spec: str,
    data: ProtocolData,
    protocol: Protocol,
    paths: EvaluationPaths,
    key: dict[str, Any],
    overwrite: Overwrite,
    options: MethodOptions,
    sizes: tuple[int, int, int],
    progress: bool,
) -> ScoreResult:
    """Fit and predict (or take kept predictions made under the same key), score, and commit the result."""
    batch_size, n_boot, workers = sizes  # prediction batch, bootstrap resamples, scoring processes
    fit_seconds = None
    lineage = _kept_lineage(paths) if overwrite == "scores" and _same_key(paths.predictions_key, key) else None
    if lineage is not None and paths.predictions.is_dir():
        runtime, ids = None, _burst_ids(data, protocol)
    else:
        paths.predictions_key.unlink(missing_ok=True)
        fit_seconds = _fit(instance, data, progress)
        lineage = model_lineage(instance, data.train if fit_seconds is not None else None, options.seed)
        runtime, ids = _predict(instance, data, protocol, paths.predictions, batch_size, options.device, progress)
        atomic_write_text(paths.lineage, json.dumps(lineage, indent=2) + "\n")
        atomic_write_text(paths.predictions_key, key_hash(key) + "\n")
    result = score_predictions(
        paths.predictions,
        bench=data.test,
        datasets=[protocol.test_dataset],
        method=_method_info(instance, spec, fit_seconds, lineage),
        protocol=ProtocolInfo(name=protocol.name, parameters={**protocol.parameters, "id": protocol.id}),
        runtime=runtime,
        ids=ids,
        n_boot=n_boot,
        seed=options.seed,
        progress=progress,
        workers=workers,
    )
    _commit(result, paths, key)
    return result


def _same_key(path: Path, key: dict[str, Any]) -> bool:
    try:
        return path.read_text().strip() == key_hash(key)
    except OSError:
        return False


def _commit(result: ScoreResult, paths: EvaluationPaths, key: dict[str, Any]) -> None:
    """Write result, CSV, then the key naming their digests: the key commits exactly those two files."""
    try:
        with disk_full_as_error("the result", paths.folder):
            result.write(paths.result, overwrite=True)  # the cache key decides when a result is replaced
            pause_point("evaluate-before-key")
            digests = {"result_sha256": file_sha256(paths.result), "csv_sha256": file_sha256(paths.csv)}
            atomic_write_text(
                paths.key, json.dumps({"hash": key_hash(key), **digests, "key": key}, indent=2, default=str)
            )
    except BaseException:
        for path in (paths.key, paths.result, paths.csv):
            path.unlink(missing_ok=True)
        raise


def _options_for(method: str | Method, options: MethodOptions, protocol: Protocol) -> MethodOptions:
    """Hand the protocol's parameters to a factory that declared it takes them (``takes_protocol_parameter``)."""
    if not isinstance(method, str):
        return options
    wanted = [p for p in protocol_parameters(method_factory_of(method)) if p.protocol == protocol.name]
    extra = dict(options.extra)
    for declared in wanted:
        if not hasattr(protocol, declared.parameter):
            raise InvalidArgumentError(
                f"{method} declares that it takes the parameter {declared.parameter!r} of the {protocol.name} "
                f"protocol, which has no such parameter; fix the method's takes_protocol_parameter declaration."
            )
        value = getattr(protocol, declared.parameter)
        if extra.get(declared.setting, value) != value:
            raise InvalidArgumentError(
                f"{method} was given {declared.setting}={extra[declared.setting]!r} but the protocol {protocol.id} "
                f"needs {value!r}; drop the setting or choose the protocol with that value."
            )
        extra[declared.setting] = value
    return dataclasses.replace(options, extra=extra) if wanted else options


def _cached(paths: EvaluationPaths, key: dict[str, Any], overwrite: Overwrite) -> tuple[ScoreResult | None, str]:
    """The cached result if its key and file digests match; else None and what differs (for the message)."""
    if not paths.result.is_file():
        return None, ""
    try:
        stored = json.loads(paths.key.read_text())
        recorded, old_key = stored["hash"], stored.get("key", {})
        intact = file_sha256(paths.result) == stored["result_sha256"] and file_sha256(paths.csv) == stored["csv_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None, "key was missing or unreadable (an interrupted run)"
    if overwrite != "never":
        return None, f"recomputation was asked for (overwrite={overwrite})"
    if recorded != key_hash(key) or not intact:
        return None, _difference(old_key, key) if intact else "files do not match their key"
    data = read_result(paths.result)
    info = BenchmarkInfo(
        datasets=(data["records"][0]["dataset"]["name"],),
        source=data["records"][0]["dataset"]["source"],
        size=data["records"][0]["dataset"]["size"],
        canonical=data["records"][0]["dataset"]["canonical"],
        shots=data["records"][0]["shots"],
        fields=data["records"][0].get("fields"),
        max_values={},
        fingerprints={},
    )
    return ScoreResult(data["records"], data["macro_average"], [], info), ""


def _difference(old: Any, new: dict[str, Any], prefix: str = "") -> str:
    """The first parts of two keys that differ, as ``method.source, options.seed`` (for the message)."""
    if not isinstance(old, dict):
        return "key differs"
    changed = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str):
            continue
        if isinstance(a, dict) and isinstance(b, dict) and prefix.count(".") < 1:
            changed.append(_difference(a, b, f"{prefix}{name}.").removeprefix("key differs: "))
        else:
            changed.append(f"{prefix}{name}")
    return "key differs: " + ", ".join(changed) if changed else "key differs"


def _burst_ids(data: ProtocolData, protocol: Protocol) -> dict[str, list[str]] | None:
    if isinstance(protocol, Burst):
        return {protocol.dataset: [first for first, _ in burst_inputs(data.test, protocol.dataset, protocol.k)]}
    return None


def _fit(method: Method, data: ProtocolData, progress: bool) -> float | None:
    fit = getattr(method, "fit", None)
    if not callable(fit):
        return None
    began = time.perf_counter()
    fit(data.train, data.validation)
    return time.perf_counter() - began


def model_lineage(method: Method, train: datasets.Dataset | None, seed: int) -> list[dict[str, Any]]:
    """What reached the weights: what the method declares, then the stage ``fit`` ran on (when it ran).

    The protocol's stage is counted from the rows handed to ``fit``, whatever the method says about it;
    ``fit_iterations`` (an optional method attribute) fills in its length.
    """
    lineage = declared_lineage(method)
    if train is not None:
        iterations = getattr(method, "fit_iterations", None)
        lineage += stage_from_split(train, iterations=iterations if isinstance(iterations, int) else None, seed=seed)
    return lineage


def _kept_lineage(paths: EvaluationPaths) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(paths.lineage.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, list) else None


def _method_info(
    method: Method, spec: str, fit_seconds: float | None, lineage: list[dict[str, Any]] | None = None
) -> MethodInfo:
    parameters = dict(getattr(method, "parameters", {}) or {})
    if fit_seconds is not None:
        parameters["fit_seconds"] = round(fit_seconds, 3)
    return MethodInfo(
        name=method_name(method, spec),
        description=str(getattr(method, "description", "") or ""),
        version=getattr(method, "version", None),
        identity=getattr(method, "identity", None),
        parameters=parameters,
        initialisation=getattr(method, "initialisation", None),
        lineage=lineage,
    )
