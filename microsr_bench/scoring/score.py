"""The scorer: validate a prediction folder, score it per HR image group, aggregate, build the records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.data.load import BenchmarkDict, SourceName, load_benchmark
from microsr_bench.data.profiles import SizeName
from microsr_bench.data.splits import normalize_fields, normalize_shots
from microsr_bench.errors import InvalidArgumentError, PredictionError
from microsr_bench.metrics import default_cap, field_means, macro_average, summarize
from microsr_bench.metrics.recipes import FULL_REFERENCE_METRICS, list_recipes
from microsr_bench.scoring._fields import FieldJob, ScoreSpec, check_workers, score_fields_distributed
from microsr_bench.scoring._micro import MICRO_COLUMNS, fit_micro
from microsr_bench.scoring.format import metadata_runtime, read_prediction, size_for
from microsr_bench.scoring.provenance import MethodInfo, ProtocolInfo
from microsr_bench.scoring.record import SCHEMA_VERSION, build_record, write_result
from microsr_bench.scoring.table import format_table
from microsr_bench.scoring.validate import ExpectedSplit, validate_prediction_dir


@dataclass
class ScoreResult:
    """Records (one per sub-dataset), their macro average, and per-image scores."""

    records: list[dict[str, Any]]
    macro: dict[str, Any] | None
    per_image: list[dict[str, Any]]
    info: BenchmarkInfo
    #: The prediction folder scored; ``write`` never writes inside it.
    pred_dir: Path | None = None

    def result_set(self) -> dict[str, Any]:
        from microsr_bench.scoring.record import SET_TYPE, json_safe

        return json_safe(
            {
                "schema_version": SCHEMA_VERSION,
                "record_type": SET_TYPE,
                "records": self.records,
                "macro_average": self.macro,
            }
        )

    def table(self) -> str:
        return format_table(self.records, self.macro, simulated=self.info.is_simulated)

    def write(self, out: str | Path | None = None, *, overwrite: bool = False) -> tuple[Path, Path]:
        """Write the result set (JSON, validated against the schema) and the per-image CSV beside it.

        ``out``: a ``.json`` file or an existing folder (default ``<PRED_DIR>-results.json`` beside the
        prediction folder), never inside the prediction folder. An existing result is replaced only with
        ``overwrite``. Both files appear together or not at all (docs/scoring.md, "Outputs").
        """
        return write_result(
            Path(out) if out is not None else None,  # type: ignore[arg-type]
            self.records,
            self.macro,
            self.per_image,
            overwrite=overwrite,
            pred_dir=self.pred_dir,
        )


def _field_jobs(bench: BenchmarkDict, name: str, files: Mapping[str, Path], expected: ExpectedSplit) -> list[FieldJob]:
    """One job per HR image of the sub-dataset, frames in id order (the order of the per-image rows)."""
    prepared = bench.prepared[name]
    test = bench["test"]
    hr_of = {i: h for i, h, d in zip(test["id"], test["hr_id"], test["dataset"], strict=True) if d == name}
    groups: dict[str, list[str]] = {}
    for frame_id in expected.ids:
        groups.setdefault(hr_of[frame_id], []).append(frame_id)
    return [
        FieldJob(
            name,
            hr_id,
            prepared.hr_path(hr_id),
            tuple((i, files[i]) for i in ids),
            tuple(expected.shape),  # type: ignore[arg-type]
            expected.max_value,
        )
        for hr_id, ids in groups.items()
    ]


def _expected(
    bench: BenchmarkDict, names: Sequence[str], ids: Mapping[str, Sequence[str]] | None
) -> dict[str, ExpectedSplit]:
    test = bench["test"]
    ids_by_name: dict[str, list[str]] = {n: [] for n in names}
    for frame_id, dataset in zip(test["id"], test["dataset"], strict=True):
        if dataset in ids_by_name:
            ids_by_name[dataset].append(frame_id)
    for name, subset in (ids or {}).items():
        unknown = sorted(set(subset) - set(ids_by_name.get(name, [])))
        if unknown:
            raise InvalidArgumentError(f"ids for {name} are not test frames: {', '.join(unknown[:5])}")
        ids_by_name[name] = sorted(subset)
    return {
        n: ExpectedSplit(n, ids_by_name[n], bench.prepared[n].manifest.hr_shape, bench.benchmark.max_values[n])
        for n in names
    }


def datasets_in(pred_dir: Path, requested: Sequence[str] | None) -> list[str]:
    """The sub-datasets to score: those requested, else the MITO/MPM/MEM/NUC folders present in ``pred_dir``."""
    from microsr_bench.data.load import resolve_names

    if requested:
        return list(resolve_names(list(requested)))
    present = [p.name for p in pred_dir.iterdir() if p.is_dir()] if pred_dir.is_dir() else []
    names: list[str] = [n for n in ("MITO", "MPM", "MEM", "NUC") if n in present]
    if not names:
        raise PredictionError(
            f"{pred_dir} cannot be scored", [f"{pred_dir}: no MITO, MPM, MEM or NUC folder of predictions"]
        )
    return names


def _burst_ids(bench: BenchmarkDict, names: Sequence[str], protocol: ProtocolInfo) -> dict[str, list[str]] | None:
    """Under the burst protocol, one prediction per burst, named after its first frame (protocols/data.py)."""
    if protocol.name != "burst":
        return None
    from microsr_bench.protocols.data import burst_inputs

    k = int(protocol.parameters.get("k", 4))
    return {n: [first for first, _ in burst_inputs(bench, n, k)] for n in names}


def _summaries(
    rows: list[dict[str, Any]], groups: list[str], columns: Sequence[str], n_boot: int, seed: int
) -> dict[str, dict[str, Any]]:
    out = {}
    for column in columns:
        metric = column.split("/")[-1]
        summary = summarize([r[column] for r in rows], groups, n_boot=n_boot, seed=seed, cap=default_cap(metric))
        out[column] = summary.as_record()
    return out


def _field_means(rows: list[dict[str, Any]], groups: list[str], columns: Sequence[str]) -> dict[str, Any]:
    """``{recipe or no_reference: {metric: {hr_id: mean}}}``: what ``compare`` and the board's ties pair up."""
    out: dict[str, dict[str, Any]] = {}
    for column in columns:
        recipe, _, metric = column.rpartition("/")
        means = field_means([r[column] for r in rows], groups, cap=default_cap(metric))
        out.setdefault(recipe or "no_reference", {})[metric] = means
    return out


def score_predictions(
    pred_dir: str | Path,
    *,
    datasets: Sequence[str] | None = None,
    recipes: Sequence[str] = ("paper", "float", "normalized"),
    metrics: Sequence[str] = FULL_REFERENCE_METRICS,
    niqe: bool = False,
    niqe_model: str | Path | None = None,
    fid: bool = False,
    fid_weights: str | Path | None = None,
    bench: BenchmarkDict | None = None,
    source: SourceName = "auto",
    size: SizeName | None = None,
    shots: int | str | None = None,
    fields: int | str | None = None,
    cache_dir: str | Path | None = None,
    method: MethodInfo | None = None,
    protocol: ProtocolInfo | None = None,
    runtime: Mapping[str, Any] | None = None,
    ids: Mapping[str, Sequence[str]] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    progress: bool = True,
    crop_border: int = 0,
    workers: int = 1,
    micro_ssim: bool = False,
) -> ScoreResult:
    """Score a prediction folder against the test split: validate everything first, then score.

    Validation covers every file of every requested sub-dataset and reports all problems in one
    ``PredictionError``; nothing is scored or written then. Scoring reads each HR image once and scores
    its frames together (:func:`microsr_bench.metrics.score_group`) while the next frames are decoded.

    Args:
        pred_dir: ``PRED_DIR/<DATASET>/<hr_id>/<frame>.(tif|png|npy)`` (docs/metrics.md, "Prediction folders").
        datasets: sub-datasets to score; default: every one with a folder in ``pred_dir``.
        recipes, metrics: full-reference recipes and metrics to compute.
        niqe: also compute NIQE of every prediction (pristine model, or ``niqe_model``, a fitted model file).
        fid: also compute FID between the predictions and the HR test images (needs the Inception weights).
        bench: already loaded data (else loaded with ``source``/``size``/``shots``/``cache_dir``; ``shots``
            in records comes from it).
        size: the data size; default: the size ``predictions.json`` records (``write_predictions`` writes
            it), else ``full``.
        shots: the training pairs the method used (200, 400, 800 or full), recorded as the records'
            ``shots`` and ``train_pairs``; the test split is the same for every value.
        fields: instead of ``shots``, the field-level few-shot set the method trained on (2, 4 or 8 whole fields
            of view), recorded as the records' ``fields`` and ``train_pairs`` (as ``evaluate`` records them).
        method, protocol, runtime: what the records say about how the predictions were made; ``runtime``
            defaults to what ``predictions.json`` recorded.
        ids: per sub-dataset, the test frame ids expected; default: all, or under the burst protocol
            (``protocol.name == "burst"``) one prediction per burst of ``k`` frames, named after its first frame.
        n_boot, seed: bootstrap resamples and seed of the intervals.
        crop_border: pixels cut from each side of prediction and target before the full-reference metrics
            (BasicSR's option; 0, the default, scores the whole image: docs/metrics.md says why).
        workers: processes that score fields of view side by side (1: this process only). Under
            ``torch.distributed`` (e.g. ``torchrun``; the caller initialises the group) the fields are also
            shared out over the ranks, and every rank returns the same result. Either way the numbers are
            those of a single process, bit for bit (docs/performance.md, "Scale").
        micro_ssim: also MicroSSIM and MicroMS3IM of every image (the record's ``micro`` group), with offsets,
            scale and range-invariant factor fitted per sub-dataset on all its pairs first, in passes streamed over
            the fields (scoring/_micro.py); whole images (``crop_border`` does not apply).
    """
    folder = Path(pred_dir)
    names = datasets_in(folder, datasets)
    bad_recipes = [r for r in recipes if r not in list_recipes()]
    if bad_recipes or not recipes:
        raise InvalidArgumentError(f"recipes must be among {', '.join(list_recipes())}, got {list(recipes)}.")
    _check_early(n_boot, seed, fid, fid_weights)
    check_workers(workers)
    # Loaded before the data: a missing or broken model file is refused before any data is loaded.
    model = _niqe_model(niqe_model) if niqe or niqe_model else None
    protocol = protocol or ProtocolInfo()
    if bench is None:
        bench = load_benchmark(
            names,
            shots=normalize_shots(shots),
            fields=normalize_fields(fields),
            source=source,
            size=size_for(folder, size),
            cache_dir=cache_dir,
            progress=progress,
        )
    elif shots is not None and normalize_shots(shots) != bench.benchmark.shots:
        raise InvalidArgumentError(
            f"shots={shots!r} but the given bench was loaded with shots={bench.benchmark.shots!r}; the records take "
            "shots from the bench: leave shots out, or load the bench with those shots."
        )
    elif fields is not None and normalize_fields(fields) != bench.benchmark.fields:
        raise InvalidArgumentError(
            f"fields={fields!r} but the given bench was loaded with fields={bench.benchmark.fields!r}; the records "
            "take fields from the bench: leave fields out, or load the bench with those fields."
        )
    missing = [n for n in names if n not in bench.benchmark.datasets]
    if missing:
        raise InvalidArgumentError(f"the loaded data has no {', '.join(missing)}; load those sub-datasets too.")
    expected = _expected(bench, names, ids if ids is not None else _burst_ids(bench, names, protocol))
    files = validate_prediction_dir(folder, expected, bench.benchmark, progress=progress)
    columns = [f"{r}/{m}" for r in recipes for m in metrics] + (["niqe"] if model is not None else [])
    columns += list(MICRO_COLUMNS) if micro_ssim else []
    aggregation = {
        "method": (
            "mean over frames; cluster-robust SE over HR images (fields of view); ci95: mean -/+ t_{G-1} SE; "
            "ci95_boot: percentile bootstrap over HR images"
        ),
        "n_boot": n_boot,
        "seed": seed,
        "psnr_cap_db": float(default_cap("psnr") or 0.0),
        "crop_border": crop_border,
    }
    runtime = dict(runtime if runtime is not None else metadata_runtime(folder))
    total = sum(len(e.ids) for e in expected.values())
    jobs = [job for name in names for job in _field_jobs(bench, name, files[name], expected[name])]
    fits = {n: fit_micro([j for j in jobs if j.dataset == n], workers) for n in names} if micro_ssim else None
    spec = ScoreSpec(tuple(recipes), tuple(metrics), crop_border, model, fits)
    with tqdm(total=total, desc="scoring", unit="frame", disable=not progress) as bar:
        field_rows = score_fields_distributed(jobs, spec, workers=workers, bar=bar)
    records, per_image, per_dataset = [], [], {}
    for name in names:
        rows = [row for job, part in zip(jobs, field_rows, strict=True) if job.dataset == name for row in part]
        groups = [row["hr_id"] for row in rows]
        per_image += rows
        per_dataset[name] = (rows, groups)
        set_metrics, samples = _set_metrics(bench, name, files[name], expected[name], fid_weights) if fid else ({}, {})
        records.append(
            build_record(
                name,
                bench.benchmark,
                _summaries(rows, groups, columns, n_boot, seed),
                len(set(groups)),
                method or MethodInfo(),
                protocol,
                runtime,
                aggregation | ({"micro_fit": fits[name].as_record()} if fits is not None else {}),
                set_metrics,
                _field_means(rows, groups, columns),
            )
            | ({"set_metrics_samples": samples} if samples else {})
        )
    macro = _macro(per_dataset, columns, n_boot, seed) if len(names) > 1 else None
    return ScoreResult(records, macro, per_image, bench.benchmark, pred_dir=folder)


def _macro(
    per_dataset: dict[str, tuple[list[dict[str, Any]], list[str]]], columns: Sequence[str], n_boot: int, seed: int
) -> dict[str, Any]:
    metrics: dict[str, dict[str, Any]] = {}
    for column in columns:
        metric = column.split("/")[-1]
        values = {n: ([r[column] for r in rows], groups) for n, (rows, groups) in per_dataset.items()}
        summary = macro_average(values, n_boot=n_boot, seed=seed, cap=default_cap(metric))
        recipe = column.split("/")[0] if "/" in column else "no_reference"
        record = summary.as_record()
        metrics.setdefault(recipe, {})[metric] = {k: record[k] for k in ("mean", "sem", "ci95", "ci95_boot")}
    return {"datasets": sorted(per_dataset, key=["MITO", "MPM", "MEM", "NUC"].index), "metrics": metrics}


def _check_early(n_boot: int, seed: int, fid: bool, fid_weights: str | Path | None) -> None:
    """Refuse, before anything is loaded or scored, the arguments that would only fail at the end."""
    from microsr_bench.metrics import find_inception_weights
    from microsr_bench.metrics.aggregate import check_bootstrap

    check_bootstrap(n_boot, seed)
    if fid:
        find_inception_weights(fid_weights)


def _niqe_model(path: str | Path | None) -> Any:
    from microsr_bench.metrics import NiqeModel, pristine_model

    return NiqeModel.load(Path(path)) if path is not None else pristine_model()


def _set_metrics(
    bench: BenchmarkDict, name: str, files: Mapping[str, Path], expected: ExpectedSplit, weights: str | Path | None
) -> tuple[dict[str, float], dict[str, int]]:
    """FID and KID of one sub-dataset's predictions against its HR test images, on 299x299 tiles, streamed.

    Images are read one at a time (never stacked: MPM's 2,400 predictions were ~5 GB in float64).
    """
    from microsr_bench.imageio import read_image
    from microsr_bench.metrics import set_metrics

    prepared = bench.prepared[name]
    preds = (read_prediction(files[i], shape=expected.shape, max_value=expected.max_value) for i in expected.ids)
    refs = (read_image(prepared.hr_path(h)) / expected.max_value for h in prepared.manifest.hr_ids("test"))
    result = set_metrics(preds, refs, weights=weights)
    return {"fid": result.fid, "kid": result.kid}, result.counts()
