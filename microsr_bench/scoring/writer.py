"""Writing prediction folders: from arrays keyed by frame id, or by running a model over a test split."""

from __future__ import annotations

import json
import platform
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from microsr_bench._testhooks import pause_point
from microsr_bench._version import __version__
from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.data.load import BenchmarkDict
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.scoring.folders import (
    WRITTEN_BY,
    check_output_folder,
    disk_full_as_error,
    remove_stale_temps,
    temp_sibling,
)
from microsr_bench.scoring.format import (
    FORMAT_VERSION,
    METADATA_FILE,
    PredDtype,
    PredFormat,
    encode_prediction,
    relative_path,
)

Model = Callable[[torch.Tensor], torch.Tensor]


class _FolderWriter:
    """Writes into a hidden sibling folder and renames it to ``out_dir`` only when everything is written.

    An existing ``out_dir`` is replaced only with ``overwrite`` and only if this library wrote it (see
    ``folders.check_output_folder``); a full disk becomes one clear error and the temporary is removed.
    """

    def __init__(self, out_dir: Path, *, overwrite: bool, protected: Sequence[Path] = ()) -> None:
        check_output_folder(out_dir, overwrite=overwrite, protected=protected)
        self.out_dir = out_dir
        self.tmp = temp_sibling(out_dir)

    def __enter__(self) -> _FolderWriter:
        with disk_full_as_error("predictions", self.out_dir):
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(self.out_dir.parent, stem=self.out_dir.name)
            self.tmp.mkdir()
        return self

    def write(self, rel: Path, data: bytes) -> None:
        path = self.tmp / rel
        with disk_full_as_error("predictions", self.out_dir):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def commit(self) -> None:
        old = None
        if self.out_dir.exists():
            old = temp_sibling(self.out_dir, "old")
            self.out_dir.rename(old)
        pause_point("predictions-commit")
        self.tmp.rename(self.out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _metadata(
    info: BenchmarkInfo,
    counts: Mapping[str, int],
    fmt: str,
    dtype: str,
    method: str | None,
    runtime: Mapping[str, Any] | None,
) -> str:
    return json.dumps(
        {
            "written_by": WRITTEN_BY,
            "runtime": dict(runtime) if runtime else None,
            "format_version": FORMAT_VERSION,
            "library_version": __version__,
            "format": fmt,
            "dtype": dtype,
            "method": method,
            "source": info.source,
            "size": info.size,
            "datasets": {
                name: {"fingerprint": info.fingerprint(name, "test"), "max_value": info.max_values[name], "n": n}
                for name, n in counts.items()
            },
        },
        indent=2,
    )


def write_predictions(
    out_dir: str | Path,
    predictions: Mapping[str, np.ndarray] | Iterable[tuple[str, np.ndarray]],
    info: BenchmarkInfo,
    *,
    fmt: PredFormat = "tif",
    dtype: PredDtype = "uint16",
    method: str | None = None,
    runtime: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    overwrite: bool = False,
    protected: Sequence[Path] = (),
) -> Path:
    """Write float predictions in [0, 1] (clipped), keyed by frame id, as a prediction folder.

    ``info`` is the ``benchmark`` attribute of the loaded data (for max values and test fingerprints,
    recorded in ``predictions.json``). ``runtime`` (or a function returning it once all predictions are
    made) is recorded there too, and the scorer copies it into the records. The folder appears only once
    complete. ``overwrite`` replaces only a prediction folder this library wrote; ``out_dir`` may not be the
    current or home folder, or hold any of the ``protected`` paths (e.g. the data cache).
    """
    items = predictions.items() if isinstance(predictions, Mapping) else predictions
    out = Path(out_dir)
    counts: dict[str, int] = {}
    with _FolderWriter(out, overwrite=overwrite, protected=protected) as writer:
        for frame_id, image in items:
            name = frame_id.split("/")[0]
            if name not in info.max_values:
                raise InvalidArgumentError(f"{frame_id!r}: not a frame id of {', '.join(info.datasets)}.")
            if not np.isfinite(image).all():
                raise InvalidArgumentError(f"{frame_id}: prediction has NaN or Inf values; nothing was written.")
            data = encode_prediction(image, fmt=fmt, dtype=dtype, max_value=info.max_values[name])
            writer.write(relative_path(frame_id, fmt), data)
            counts[name] = counts.get(name, 0) + 1
        meta = _metadata(info, counts, fmt, dtype, method, runtime() if callable(runtime) else runtime)
        writer.write(Path(METADATA_FILE), meta.encode())
        writer.commit()
    return out


def predict_test_split(
    model: Model,
    bench: BenchmarkDict,
    *,
    split: str = "test",
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    progress: bool = True,
    timing: dict[str, float] | None = None,
) -> Iterable[tuple[str, np.ndarray]]:
    """Run ``model`` (float32 [B, 1, h, w] in [0, 1] -> [B, 1, H, W]) over a split; yield (frame id, image).

    With ``timing`` (a dict), the model's own time (``seconds``, synchronised on CUDA) and the number of
    ``images`` are accumulated into it, for the record's runtime per image.
    """
    rows = bench[split]
    info = bench.benchmark
    scale = torch.tensor([float(info.max_values[n]) for n in rows["dataset"]], dtype=torch.float32)
    loader = torch.utils.data.DataLoader(
        rows.with_format("torch", columns=["lr"]), batch_size=batch_size, shuffle=False, num_workers=0
    )
    ids = rows["id"]
    start = 0
    with torch.inference_mode():
        for batch in tqdm(loader, desc=f"predicting {split}", disable=not progress, unit="batch"):
            lr = batch["lr"].to(torch.float32) / scale[start : start + len(batch["lr"])].view(-1, 1, 1, 1)
            lr = lr.to(device)
            began = time.perf_counter()
            result = model(lr)
            if result.device.type == "cuda":
                torch.cuda.synchronize(result.device)
            if timing is not None:
                timing["seconds"] = timing.get("seconds", 0.0) + time.perf_counter() - began
                timing["images"] = timing.get("images", 0.0) + result.shape[0]
            out = result.detach().to("cpu", torch.float64).numpy()
            for k in range(out.shape[0]):
                yield ids[start + k], out[k, 0]
            start += out.shape[0]


def write_model_predictions(
    model: Model,
    bench: BenchmarkDict,
    out_dir: str | Path,
    *,
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    fmt: PredFormat = "tif",
    dtype: PredDtype = "uint16",
    method: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    protected: Sequence[Path] = (),
) -> Path:
    """Predict the test split with ``model`` and write it as a prediction folder (see write_predictions)."""
    timing: dict[str, float] = {}
    stream = predict_test_split(model, bench, batch_size=batch_size, device=device, progress=progress, timing=timing)

    def runtime() -> dict[str, Any]:
        return runtime_record(timing, device, batch_size)

    return write_predictions(
        out_dir,
        stream,
        bench.benchmark,
        fmt=fmt,
        dtype=dtype,
        method=method,
        runtime=runtime,
        overwrite=overwrite,
        protected=protected,
    )


def runtime_record(timing: Mapping[str, float], device: str | torch.device, batch_size: int) -> dict[str, Any]:
    """The record's runtime block from accumulated model time (see predict_test_split)."""
    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or platform.machine()
    images = timing.get("images", 0.0)
    return {
        "seconds_per_image": timing.get("seconds", 0.0) / images if images else None,
        "device": dev.type,
        "device_name": name,
        "what": f"model forward only (no data loading or writing), batches of {batch_size} LR frames",
    }
