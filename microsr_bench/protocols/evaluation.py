"""``evaluate``: train if the protocol and method allow it, predict the test split, score it, cache the result."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from microsr_bench._imageio import atomic_write_text
from microsr_bench._version import __version__
from microsr_bench.data.load import BenchmarkDict, SourceName
from microsr_bench.data.profiles import SizeName
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols.data import ProtocolData, burst_inputs, protocol_data
from microsr_bench.protocols.method import Method, MethodOptions, load_method, method_name
from microsr_bench.protocols.protocols import Burst, Protocol
from microsr_bench.scoring import MethodInfo, ProtocolInfo, ScoreResult, read_result, score_predictions
from microsr_bench.scoring.writer import predict_test_split, runtime_record, write_predictions

Overwrite = Literal["never", "scores", "always"]
OVERWRITE_CHOICES: tuple[Overwrite, ...] = ("never", "scores", "always")


@dataclass(frozen=True)
class EvaluationPaths:
    """Where one evaluation keeps its files: ``<out>/<method>/<protocol id>/<dataset>-<shots>/``."""

    folder: Path

    @property
    def result(self) -> Path:
        return self.folder / "result.json"

    @property
    def predictions(self) -> Path:
        return self.folder / "predictions"

    @property
    def key(self) -> Path:
        return self.folder / "key.json"


def default_results_dir() -> Path:
    return Path("results")


def _paths(out_dir: Path, name: str, protocol: Protocol) -> EvaluationPaths:
    shots = "full" if protocol.shots is None else str(protocol.shots)
    safe_id = protocol.id.replace("(", "-").replace(")", "").replace("=", "").replace(",", "-")
    return EvaluationPaths(out_dir / name / safe_id / f"{protocol.test_dataset}-{shots}")


def cache_key(spec: str, options: MethodOptions, protocol: Protocol, fingerprints: dict[str, str]) -> dict[str, Any]:
    """Everything that determines a result: method identity, protocol, and the data trained on and scored."""
    return {
        "method": spec,
        "options": {
            "budget": options.budget,
            "seed": options.seed,
            "weights": str(options.weights) if options.weights else None,
            "extra": options.extra,
        },
        "protocol": {"id": protocol.id, "name": protocol.name, "parameters": protocol.parameters},
        "data": fingerprints,
        "library_version": __version__,
    }


def _hash(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


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
) -> ScoreResult:
    """Run a method under a protocol: train (if allowed and the method has ``fit``), predict, score.

    Args:
        method: a registered name (``bicubic``, ``resrgan-b``, ...), ``module:attr``, or a method object.
        protocol: ``paired(...)``, ``zero_shot(...)``, ``blind_synthetic(...)`` or ``burst(...)``.
        options: budget, device, seed, workdir, weights for the method factory.
        source, size, cache_dir: which data (see ``load_benchmark``).
        out_dir: results go to ``<out_dir>/<method>/<protocol id>/<dataset>-<shots>/result.json`` (+ CSV).
        overwrite: ``never`` reuses a cached result with the same key (method, options, protocol, data
            fingerprints, library version); ``scores`` re-scores kept predictions; ``always`` recomputes.
        keep_predictions: keep the prediction folder next to the result (needed for ``overwrite="scores"``).
    """
    if overwrite not in OVERWRITE_CHOICES:
        raise InvalidArgumentError(f"overwrite must be one of {', '.join(OVERWRITE_CHOICES)}, got {overwrite!r}.")
    options = _options_for(method, options or MethodOptions(progress=progress), protocol)
    spec = method if isinstance(method, str) else f"{type(method).__module__}:{type(method).__qualname__}"
    data = protocol_data(protocol, source=source, size=size, cache_dir=cache_dir, progress=progress, seed=options.seed)
    key = cache_key(spec, options, protocol, data.fingerprints)
    instance = load_method(method, options) if isinstance(method, str) else method
    paths = _paths(
        Path(out_dir) if out_dir is not None else default_results_dir(), method_name(instance, spec), protocol
    )
    cached = _cached(paths, key, overwrite)
    if cached is not None:
        return cached
    fit_seconds = None
    if overwrite != "scores" or not paths.predictions.is_dir():
        fit_seconds = _fit(instance, data, progress)
        runtime, ids = _predict(instance, data, protocol, paths.predictions, batch_size, options.device, progress)
    else:
        runtime, ids = None, _burst_ids(data, protocol)
    result = score_predictions(
        paths.predictions,
        bench=data.test,
        datasets=[protocol.test_dataset],
        method=_method_info(instance, spec, fit_seconds),
        protocol=ProtocolInfo(name=protocol.name, parameters={**protocol.parameters, "id": protocol.id}),
        runtime=runtime,
        ids=ids,
        n_boot=n_boot,
        seed=options.seed,
        progress=progress,
    )
    result.write(paths.result, overwrite=True)  # the cache key above decides when a result is replaced
    atomic_write_text(paths.key, json.dumps({"hash": _hash(key), "key": key}, indent=2, default=str))
    if not keep_predictions:
        shutil.rmtree(paths.predictions, ignore_errors=True)
    return result


#: Registered baselines that take a protocol parameter as a setting (burst size, LR synthesis).
_PROTOCOL_SETTINGS = {
    ("frame-average", "burst"): ("k", "k"),
    ("resrgan-s", "blind_synthetic"): ("synthesis", "degradation"),
}


def _options_for(method: str | Method, options: MethodOptions, protocol: Protocol) -> MethodOptions:
    """Hand the protocol's parameter to the baselines that need it (frame-average's k, RESRGan-S's synthesis)."""
    if not isinstance(method, str) or (method, protocol.name) not in _PROTOCOL_SETTINGS:
        return options
    setting, attribute = _PROTOCOL_SETTINGS[(method, protocol.name)]
    value = getattr(protocol, attribute)
    if options.extra.get(setting, value) != value:
        raise InvalidArgumentError(
            f"{method} was given {setting}={options.extra[setting]!r} but the protocol {protocol.id} needs {value!r}."
        )
    return dataclasses.replace(options, extra={**options.extra, setting: value})


def _cached(paths: EvaluationPaths, key: dict[str, Any], overwrite: Overwrite) -> ScoreResult | None:
    if overwrite != "never" or not (paths.result.is_file() and paths.key.is_file()):
        return None
    try:
        recorded = json.loads(paths.key.read_text())["hash"]
    except (OSError, ValueError, KeyError):
        return None
    if recorded != _hash(key):
        return None
    from microsr_bench.data.info import BenchmarkInfo

    data = read_result(paths.result)
    info = BenchmarkInfo(
        datasets=(data["records"][0]["dataset"]["name"],),
        source=data["records"][0]["dataset"]["source"],
        size=data["records"][0]["dataset"]["size"],
        canonical=data["records"][0]["dataset"]["canonical"],
        shots=data["records"][0]["shots"],
        max_values={},
        fingerprints={},
    )
    return ScoreResult(data["records"], data["macro_average"], [], info)


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


def _method_info(method: Method, spec: str, fit_seconds: float | None) -> MethodInfo:
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
    )
