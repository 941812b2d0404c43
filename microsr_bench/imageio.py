"""Reading and writing single-channel microscopy images (TIFF, PNG, NPY) strictly and atomically.

Public for the packages above the library (baselines, leaderboard): ``read_image``, ``encode_tiff``,
``decode_image_bytes``, and ``atomic_write_bytes`` / ``atomic_write_text`` (write to a temporary sibling,
then rename: a reader never sees half a file).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_BYTES_PER_PIXEL",
    "ImageReadError",
    "atomic_write_bytes",
    "atomic_write_text",
    "decode_image_bytes",
    "encode_tiff",
    "read_image",
]

IMAGE_SUFFIXES = (".tif", ".tiff", ".png")
#: Files larger than this many bytes per pixel of the expected image are refused unread: no valid
#: single-channel 16-bit image needs more (uncompressed TIFF is 2 bytes/pixel plus headers), and a larger
#: file may be a decompression bomb or a multi-page stack.
MAX_BYTES_PER_PIXEL = 4.5


class ImageReadError(Exception):
    """An image that cannot be read as one 2-D integer channel; the message names the problem."""


def read_image(path: Path, *, max_pixels: int = 4096 * 4096) -> np.ndarray:
    """Read a 2-D single-channel 8- or 16-bit TIFF or PNG and return it unchanged (uint8 or uint16).

    Raises ImageReadError (a plain message without the path; callers add it) for unreadable or truncated
    files, several channels or pages, other dtypes, or images over ``max_pixels``.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".tif", ".tiff"):
            array = _read_tiff(path, max_pixels)
        elif suffix == ".png":
            array = _read_png(path, max_pixels)
        else:
            raise ImageReadError(f"unsupported file type {suffix!r}; expected one of {', '.join(IMAGE_SUFFIXES)}")
    except ImageReadError:
        raise
    except Exception as exc:  # every decoder failure becomes one readable problem
        raise ImageReadError(f"unreadable or truncated image ({type(exc).__name__}: {exc})") from exc
    if array.ndim != 2:
        raise ImageReadError(f"expected one channel (2-D image), got shape {array.shape}")
    if array.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"expected 8- or 16-bit unsigned integers, got dtype {array.dtype}")
    return array


def _read_tiff(path: Path, max_pixels: int) -> np.ndarray:
    with tifffile.TiffFile(path) as tif:
        if len(tif.pages) == 0:
            raise ImageReadError("unreadable or truncated TIFF (no image page could be read)")
        if len(tif.pages) != 1:
            raise ImageReadError(f"expected a single-page TIFF, got {len(tif.pages)} pages")
        page = tif.pages[0]
        shape = tuple(page.shape)
        if int(np.prod(shape)) > max_pixels:
            raise ImageReadError(f"image of shape {shape} is larger than the {max_pixels} pixels allowed")
        array = page.asarray()
    return np.asarray(array)


def _read_png(path: Path, max_pixels: int) -> np.ndarray:
    with Image.open(path) as image:
        if image.width * image.height > max_pixels:
            raise ImageReadError(f"image of size {image.width}x{image.height} is larger than allowed")
        if image.mode not in ("L", "I;16", "I;16B", "I"):
            raise ImageReadError(f"expected a grayscale PNG (mode L or I;16), got mode {image.mode!r}")
        image.load()
        array = np.asarray(image)
    if array.dtype == np.int32:  # 16-bit PNGs may open as 32-bit signed "I"; values fit in uint16
        if array.min() < 0 or array.max() > 65535:
            raise ImageReadError("PNG values outside the 16-bit range")
        array = array.astype(np.uint16)
    return array


def encode_tiff(array: np.ndarray) -> bytes:
    """Encode a 2-D integer array as an uncompressed little-endian TIFF (fast to decode, exact)."""
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.ascontiguousarray(array), photometric="minisblack")
    return buffer.getvalue()


def decode_image_bytes(data: bytes) -> np.ndarray:
    """Decode TIFF or PNG bytes written by this library back to an array."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def _umask() -> int:
    """The process's umask. Linux reports it in /proc; elsewhere it can only be read by setting it and setting it
    straight back, which another thread creating a file in between would see, so /proc comes first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would: 0666 minus the umask.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text (UTF-8) atomically; see atomic_write_bytes."""
    atomic_write_bytes(path, text.encode("utf-8"))
