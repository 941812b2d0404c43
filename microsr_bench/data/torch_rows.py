"""Benchmark rows as torch tensors without ``datasets``' generic formatter, with optional random training crops.

``split.with_format("torch")`` decodes every image through PIL, widens 16-bit values to int64 and copies
them with ``torch.tensor``; it also re-reads the HR file of a field for each of its 100 frames. On this
project's machine that made a DataLoader 5-50x slower than a plain tifffile loop (docs/performance.md).
:class:`TorchPairs` reads the stored bytes undecoded, decodes the LR TIFF with tifffile, decodes each HR
image once per process (a small LRU cache: the frames of a field share it), and hands ``torch.from_numpy``
views to the DataLoader's collate, which makes the only copy.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import tifffile
import torch

from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.imageio import read_image

__all__ = ["TorchPairs"]

_COLUMNS = ("id", "dataset", "hr_id", "frame", "lr", "hr")


class _TiffDecoder:
    """Decodes the cache's uncompressed single-strip TIFFs, skipping the header parse after the first one.

    Every LR frame of a split is written the same way (cache.encode_tiff), so all share one header: bytes
    whose header equals a known one hold their pixels at the same offset, read with ``np.frombuffer``
    (about 20 us instead of tifffile's 300 us per frame). Anything else goes through tifffile.
    """

    def __init__(self) -> None:
        self._layouts: dict[int, tuple[bytes, int, tuple[int, ...], np.dtype[Any]]] = {}

    def __call__(self, data: bytes) -> np.ndarray:
        layout = self._layouts.get(len(data))
        if layout is not None:
            header, offset, shape, dtype = layout
            if data[:offset] == header:
                stored = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=offset).reshape(shape)
                return stored if dtype.isnative else stored.astype(dtype.newbyteorder("="))
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            image = np.asarray(page.asarray())
            simple = len(tif.pages) == 1 and page.is_contiguous and page.compression == 1
            if simple and len(page.dataoffsets) == 1 and page.databytecounts[0] == image.nbytes:
                offset = int(page.dataoffsets[0])
                if offset + image.nbytes <= len(data):
                    order = np.dtype(tif.byteorder + image.dtype.char)
                    self._layouts[len(data)] = (bytes(data[:offset]), offset, image.shape, order)
        return image


class TorchPairs(torch.utils.data.Dataset[dict[str, Any]]):
    """A map-style torch ``Dataset`` over a split of :func:`~microsr_bench.data.load_benchmark`.

    Each item is ``{"id", "dataset", "hr_id", "frame", "lr", "hr"}`` with ``lr`` ``[1, 256, 256]`` and ``hr``
    ``[1, 512, 512]`` tensors: the stored uint16 values, or float32 in [0, 1] with ``scale=True`` (divided
    by the card's ``max_value``). The default ``collate_fn`` batches them to ``[B, 1, H, W]``.

    With ``patch=P`` every item is an aligned random crop, as training uses: an LR patch of ``P/2`` at
    ``(y, x)`` and the HR patch of ``P`` at ``(2y, 2x)``. Crops are drawn from ``(seed, epoch, index)``, so
    they are the same in any number of worker processes; call :meth:`set_epoch` before each epoch to draw new
    ones (as with ``DistributedSampler``; with ``persistent_workers=True`` the workers keep their copy).

    Args:
        split: a split (or a ``select`` of one) from ``load_benchmark``.
        scale: float32 in [0, 1] instead of the stored uint16 values.
        patch: HR patch size (even, at most the HR size), or ``None`` for whole images.
        seed: seed of the crops.
        hr_cache: HR images kept decoded per process (512x512 uint16: 0.5 MB each).
    """

    def __init__(
        self,
        split: datasets.Dataset,
        *,
        scale: bool = False,
        patch: int | None = None,
        seed: int = 0,
        hr_cache: int = 64,
    ) -> None:
        missing = [c for c in _COLUMNS if c not in split.column_names]
        if missing:
            raise InvalidArgumentError(
                f"TorchPairs needs the columns {', '.join(_COLUMNS)}; this split lacks {', '.join(missing)}. Pass a "
                "split from load_benchmark (bench['train'], bench['test'], ...)."
            )
        if patch is not None and (isinstance(patch, bool) or not isinstance(patch, int) or patch < 2 or patch % 2):
            raise InvalidArgumentError(f"patch must be an even HR patch size >= 2 or None, got {patch!r}.")
        if hr_cache < 1:
            raise InvalidArgumentError(f"hr_cache must be at least 1 HR image, got {hr_cache}.")
        self._max_values: Mapping[str, int] = benchmark_info(split).max_values
        raw = split.select_columns(list(_COLUMNS))
        for column in ("lr", "hr"):
            raw = raw.cast_column(column, datasets.Image(decode=False))
        self._rows = raw.with_format(None)
        self.scale, self.patch, self.seed, self.epoch = scale, patch, seed, 0
        self._hr_cache_size = hr_cache
        self._hr: OrderedDict[str, np.ndarray] = OrderedDict()
        self._decode = _TiffDecoder()

    def __len__(self) -> int:
        return len(self._rows)

    def set_epoch(self, epoch: int) -> None:
        """Draw the crops of epoch ``epoch`` (no effect without ``patch``)."""
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        # The DataLoader asks for a whole batch at once: one Arrow read instead of one per row.
        columns = self._rows[list(indices)]
        return [self._item(int(i), {c: columns[c][k] for c in _COLUMNS}) for k, i in enumerate(indices)]

    def _item(self, index: int, row: dict[str, Any]) -> dict[str, Any]:
        lr = self._decode(row["lr"]["bytes"]) if row["lr"]["bytes"] is not None else self._file(row["lr"]["path"])
        hr = self._hr_image(row["hr"])
        if self.patch is not None:
            lr, hr = self._crop(index, lr, hr)
        item = {k: row[k] for k in ("id", "dataset", "hr_id", "frame")}
        item["lr"], item["hr"] = self._tensor(lr, row["dataset"]), self._tensor(hr, row["dataset"])
        return item

    def _hr_image(self, hr: Mapping[str, Any]) -> np.ndarray:
        if hr["bytes"] is not None:  # hub data embeds the HR bytes; nothing to share
            return self._decode(hr["bytes"])
        path = str(hr["path"])
        image = self._hr.get(path)
        if image is None:
            image = self._file(path)
            image.flags.writeable = False  # shared by the frames of a field; torch must not write into it
            self._hr[path] = image
            if len(self._hr) > self._hr_cache_size:
                self._hr.popitem(last=False)
        else:
            self._hr.move_to_end(path)
        return image

    @staticmethod
    def _file(path: str) -> np.ndarray:
        return read_image(Path(path))

    def _crop(self, index: int, lr: np.ndarray, hr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half = self.patch // 2  # type: ignore[operator]
        if min(lr.shape) < half or min(hr.shape) < 2 * half:
            raise InvalidArgumentError(
                f"patch={self.patch} is larger than the images (LR {lr.shape}, HR {hr.shape}); use a patch of at "
                f"most {2 * min(lr.shape)}."
            )
        rng = np.random.default_rng((self.seed, self.epoch, index))
        y = int(rng.integers(0, lr.shape[0] - half + 1))
        x = int(rng.integers(0, lr.shape[1] - half + 1))
        return lr[y : y + half, x : x + half], hr[2 * y : 2 * y + 2 * half, 2 * x : 2 * x + 2 * half]

    def _tensor(self, image: np.ndarray, dataset: str) -> torch.Tensor:
        if self.scale:
            # Divided (not multiplied by the reciprocal) so values equal PairCollator's to the last bit.
            out = image.astype(np.float32)
            out /= np.float32(self._max_values[dataset])
            return torch.from_numpy(out)[None]
        if not image.flags.writeable:  # a cached HR image or a crop of it: the batch copy needs no own copy
            return torch.from_numpy(np.array(image))[None]
        return torch.from_numpy(np.ascontiguousarray(image))[None]
