"""The prediction folder format (version 1): paths, dtypes and the scaling rule, one file at a time.

``PRED_DIR/<DATASET>/<hr_id>/<frame>.<ext>`` — the path is the frame id (``MITO/f0007/042``) plus a
suffix, one of ``.tif``/``.tiff``, ``.png`` or ``.npy``. Each file holds one channel at the HR size of the
data (512x512 for the canonical data) in one of three dtypes, mapped to [0, 1] as follows:

- ``uint8``: value / 255;
- ``uint16``: value / max_value of the sub-dataset (4095 for 12-bit data; the HR images' own scale), values
  above max_value are an error;
- ``float32``: already in [0, 1]; values outside it, NaN and Inf are errors.

An optional ``PRED_DIR/predictions.json`` (written by ``write_predictions``) records the format version,
the data source and the test fingerprints the predictions were made for; the scorer checks them.
"""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import tifffile
from PIL import Image

from microsr_bench.data.profiles import SizeName

FORMAT_VERSION = 1
METADATA_FILE = "predictions.json"
SUFFIXES = (".tif", ".tiff", ".png", ".npy")
PredDtype = Literal["uint8", "uint16", "float32"]
PredFormat = Literal["tif", "png", "npy"]
#: Largest file accepted per expected pixel: float32 is 4 bytes/pixel, plus headers. Larger files are
#: refused before decoding (a decompression bomb or a stack would be).
MAX_BYTES_PER_PIXEL = 4.5
_HEADER_ALLOWANCE = 64 * 1024
#: predictions.json is a few hundred bytes; anything far larger is not ours and is not read.
MAX_METADATA_BYTES = 1024 * 1024


class PredictionFileError(Exception):
    """One problem with one prediction file (the caller adds the path)."""


def relative_path(frame_id: str, fmt: str) -> Path:
    """Where the prediction for a frame id goes inside PRED_DIR."""
    return Path(*frame_id.split("/")).with_suffix(f".{fmt}")


def _header_shape_dtype(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` or ``.png`` header (TIFF: :func:`_tiff_shape_dtype` on the open file)."""
    if path.suffix.lower() == ".npy":
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        return tuple(shape), np.dtype(dtype)
    with Image.open(path) as image:
        modes = {"L": np.uint8, "I;16": np.uint16, "I;16B": np.uint16, "I": np.uint16, "F": np.float32}
        if image.mode not in modes:
            raise PredictionFileError(f"PNG mode {image.mode!r}; expected one grayscale channel (L or I;16)")
        return (image.height, image.width), np.dtype(modes[image.mode])


def _tiff_shape_dtype(tif: tifffile.TiffFile) -> tuple[tuple[int, ...], np.dtype]:
    if len(tif.pages) != 1:
        raise PredictionFileError(f"TIFF with {len(tif.pages)} pages; expected exactly one image")
    page = tif.pages[0]
    return tuple(page.shape), np.dtype(page.dtype)


def regular_file_size(path: Path) -> int:
    """The size of ``path`` if it is a regular file (after links); PredictionFileError otherwise.

    Checked before opening: opening a FIFO blocks until someone writes to it, a device may never end.
    """
    try:
        info = path.stat()
    except OSError as exc:
        if path.is_symlink():
            raise PredictionFileError(f"broken or looping symbolic link ({exc.strerror or exc})") from exc
        raise
    if not stat.S_ISREG(info.st_mode):
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "FIFO" if stat.S_ISFIFO(info.st_mode) else "special file"
        raise PredictionFileError(f"a {kind}, not a regular file; predictions and predictions.json are plain files")
    return info.st_size


def read_metadata(pred_dir: Path) -> dict[str, Any]:
    """``PRED_DIR/predictions.json`` as a dict; ``{}`` when there is none.

    Raises PredictionFileError when it is not a regular file, too large, not JSON or not a JSON object.
    """
    path = pred_dir / METADATA_FILE
    if not path.exists() and not path.is_symlink():
        return {}
    size = regular_file_size(path)
    if size > MAX_METADATA_BYTES:
        raise PredictionFileError(f"{size} bytes; a predictions.json is a few hundred (limit {MAX_METADATA_BYTES})")
    try:
        meta = json.loads(path.read_bytes())
    except ValueError as exc:
        raise PredictionFileError(f"not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise PredictionFileError(f"a JSON {type(meta).__name__}, expected an object (as write_predictions writes)")
    return meta


def metadata_or_empty(pred_dir: Path) -> dict[str, Any]:
    """predictions.json, or ``{}`` when absent or unusable (validation reports why, before any scoring)."""
    try:
        return read_metadata(pred_dir) if pred_dir.is_dir() else {}
    except (PredictionFileError, OSError):
        return {}


def metadata_runtime(pred_dir: Path) -> dict[str, Any]:
    runtime = metadata_or_empty(pred_dir).get("runtime") or {}
    return dict(runtime) if isinstance(runtime, dict) else {}


def size_for(pred_dir: Path, size: SizeName | None) -> SizeName:
    """``size``, else the size predictions.json records (write_predictions does), else ``full``."""
    if size is not None:
        return size
    recorded = metadata_or_empty(pred_dir).get("size")
    for name in get_args(SizeName):
        if recorded == name:
            return name
    return "full"


def load_prediction(path: Path, *, shape: tuple[int, int], max_value: int) -> np.ndarray:
    """Read and check one prediction file; its pixels as stored (uint8, uint16 or float32), not yet scaled.

    The file must be a regular file (a FIFO or device would block or never end), and its header is checked
    (size on disk, shape, dtype) before any pixel is decoded, so a decompression bomb or a huge stack is
    refused unread; then the values (range, NaN/Inf) are checked. Raises PredictionFileError naming the
    problem. A TIFF is opened once for its header and its pixels.
    """
    limit = MAX_BYTES_PER_PIXEL * shape[0] * shape[1] + _HEADER_ALLOWANCE
    size = regular_file_size(path)
    if size > limit:
        raise PredictionFileError(f"{size} bytes is too large for a {shape[0]}x{shape[1]} image (limit {limit:.0f})")
    if path.suffix.lower() in (".npy", ".png"):
        got_shape, dtype = _unreadable_as_error(_header_shape_dtype, path)
        _check_header(got_shape, dtype, shape)
        array = _unreadable_as_error(_decode, path)
    else:
        with _unreadable_as_error(tifffile.TiffFile, path) as tif:
            got_shape, dtype = _unreadable_as_error(_tiff_shape_dtype, tif)
            _check_header(got_shape, dtype, shape)
            array = _unreadable_as_error(lambda t: np.asarray(t.asarray()), tif)
    if array.shape != shape:
        raise PredictionFileError(f"decoded shape {array.shape}, expected {shape}")
    check_values(array, max_value)
    return array


def read_prediction(path: Path, *, shape: tuple[int, int], max_value: int, out: np.ndarray | None = None) -> np.ndarray:
    """Read, check and scale one prediction to float64 in [0, 1] (:func:`load_prediction`, then the scaling rule).

    ``out``: a float64 array of ``shape`` to write into (a slot of a batch), instead of a new array.
    """
    return _scale(load_prediction(path, shape=shape, max_value=max_value), max_value, out)


def _unreadable_as_error(function: Any, argument: Any) -> Any:
    """``function(argument)``, any failure but our own reported as an unreadable or truncated file."""
    try:
        return function(argument)
    except PredictionFileError:
        raise
    except Exception as exc:
        raise PredictionFileError(f"unreadable or truncated ({type(exc).__name__}: {exc})") from exc


def _check_header(got_shape: tuple[int, ...], dtype: np.dtype, shape: tuple[int, int]) -> None:
    if got_shape != shape:
        raise PredictionFileError(f"shape {got_shape}, expected {shape} (one channel at the HR size)")
    if dtype not in (np.uint8, np.uint16, np.float32):
        raise PredictionFileError(f"dtype {dtype}, expected uint8, uint16 or float32")


def _decode(path: Path) -> np.ndarray:
    """The pixels of a ``.npy`` or ``.png`` file (TIFF pixels come from the open file in :func:`load_prediction`)."""
    if path.suffix.lower() == ".npy":
        return np.asarray(np.load(path, allow_pickle=False))
    with Image.open(path) as image:
        image.load()
        array = np.asarray(image)
    return array.astype(np.uint16) if array.dtype == np.int32 else array


def check_values(array: np.ndarray, max_value: int) -> None:
    """Raise PredictionFileError for a dtype or values the format does not allow (see the module docstring)."""
    if array.dtype == np.uint8:
        return
    if array.dtype == np.uint16:
        top = int(array.max())
        if top > max_value:
            raise PredictionFileError(
                f"uint16 value {top} above the data's max_value {max_value}; uint16 predictions use the HR scale "
                f"0..{max_value}, or write float32 in [0, 1]"
            )
        return
    if array.dtype == np.float32:
        if not np.isfinite(array).all():
            raise PredictionFileError(f"{int((~np.isfinite(array)).sum())} NaN or Inf values")
        low, high = float(array.min()), float(array.max())
        if low < 0.0 or high > 1.0:
            raise PredictionFileError(f"float32 values in [{low:.4g}, {high:.4g}], expected within [0, 1]")
        return
    raise PredictionFileError(f"dtype {array.dtype}, expected uint8, uint16 or float32")


def _scale(array: np.ndarray, max_value: int, out: np.ndarray | None = None) -> np.ndarray:
    """The format's scaling rule for a checked array: float64 in [0, 1] (one pass: the division widens)."""
    if array.dtype == np.uint8:
        return np.divide(array, 255.0, out=out, dtype=np.float64)
    if array.dtype == np.uint16:
        return np.divide(array, float(max_value), out=out, dtype=np.float64)
    if out is None:
        return array.astype(np.float64)
    out[...] = array
    return out


def to_unit(array: np.ndarray, max_value: int) -> np.ndarray:
    """Apply the format's scaling rule; raise PredictionFileError for values outside the allowed range."""
    check_values(array, max_value)
    return _scale(array, max_value)


def encode_prediction(image: np.ndarray, *, fmt: PredFormat, dtype: PredDtype, max_value: int) -> bytes:
    """Encode a float image in [0, 1] (clipped) as a prediction file's bytes."""
    unit = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    if dtype == "uint8":
        array: np.ndarray = np.round(unit * 255.0).astype(np.uint8)
    elif dtype == "uint16":
        array = np.round(unit * max_value).astype(np.uint16)
    else:
        array = unit.astype(np.float32)
    buffer = io.BytesIO()
    if fmt == "npy":
        np.save(buffer, array, allow_pickle=False)
    elif fmt == "png":
        if dtype == "float32":
            raise ValueError("PNG cannot hold float32; use tif or npy, or dtype uint16")
        Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    else:
        tifffile.imwrite(buffer, array, photometric="minisblack")
    return buffer.getvalue()
