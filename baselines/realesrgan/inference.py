"""Inference with a trained generator: batched, optionally tiled with overlap, float32, clamped to [0, 1].

Tiling follows the idea of Real-ESRGAN's ``RealESRGANer.tile_process`` (read, not copied): the LR image is
cut into ``tile x tile`` cores; each core is run with ``overlap`` extra pixels of real image context on every
side (less at the image border, where the network's own zero padding applies as it does for the whole
image), and only the core's part of the output is kept. A convolutional network's output pixel depends
only on input pixels within its receptive field, so when ``overlap`` covers the receptive field's radius the
tiled output equals the whole-image output exactly: no seams. With less overlap (the full 23-block RRDBNet
sees hundreds of pixels) the difference is small and smooth; ``overlap`` trades memory for it.

Tile borders are kept on multiples of the network's pixel-unshuffle factor (2 for x2), because shifting the
unshuffle grid changes what the network computes. Inputs with odd sides are reflect-padded to even and the
output cropped back, as ``RealESRGANer.pre_process`` does.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from microsr_bench.errors import InvalidArgumentError

__all__ = ["receptive_radius", "super_resolve", "tile_grid"]


def _alignment(model: nn.Module) -> int:
    config = getattr(model, "config", None)
    return int(getattr(config, "unshuffle", 2)) if config is not None else 2


def _check(lr: torch.Tensor, tile: int | None, overlap: int, batch_size: int, align: int) -> None:
    if not isinstance(lr, torch.Tensor) or lr.ndim != 4 or not lr.is_floating_point():
        raise InvalidArgumentError(
            f"super_resolve expects a float tensor [B, C, h, w] in [0, 1], got {type(lr).__name__} "
            f"{getattr(lr, 'dtype', '')} {tuple(getattr(lr, 'shape', ()))}. Divide integer frames by max_value."
        )
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}.")
    if tile is not None and (tile < align or tile % align):
        raise InvalidArgumentError(f"tile must be a positive multiple of {align} (the unshuffle factor), got {tile}.")
    if overlap < 0 or overlap % align:
        raise InvalidArgumentError(f"overlap must be a multiple of {align} and >= 0, got {overlap}.")


def tile_grid(size: int, tile: int) -> list[tuple[int, int]]:
    """Split ``0..size`` into consecutive cores ``(start, stop)`` of at most ``tile`` pixels."""
    return [(start, min(start + tile, size)) for start in range(0, size, tile)]


def _tiles(height: int, width: int, tile: int, overlap: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Per tile: the input window ``(y0, y1, x0, x1)`` and the core ``(y0, y1, x0, x1)``."""
    for cy0, cy1 in tile_grid(height, tile):
        for cx0, cx1 in tile_grid(width, tile):
            window = (
                max(cy0 - overlap, 0),
                min(cy1 + overlap, height),
                max(cx0 - overlap, 0),
                min(cx1 + overlap, width),
            )
            yield window, (cy0, cy1, cx0, cx1)


def _run(model: nn.Module, batch: torch.Tensor, device: torch.device, batch_size: int) -> torch.Tensor:
    outs = [model(batch[i : i + batch_size].to(device, torch.float32)) for i in range(0, batch.shape[0], batch_size)]
    return torch.cat(outs).clamp_(0.0, 1.0)


def _tiled(
    model: nn.Module, lr: torch.Tensor, tile: int, overlap: int, device: torch.device, batch_size: int
) -> torch.Tensor:
    b, _, h, w = lr.shape
    out: torch.Tensor | None = None
    scale = 0
    for (wy0, wy1, wx0, wx1), (cy0, cy1, cx0, cx1) in _tiles(h, w, tile, overlap):
        result = _run(model, lr[:, :, wy0:wy1, wx0:wx1], device, batch_size)
        if out is None:
            scale = result.shape[-1] // (wx1 - wx0)
            out = torch.empty(b, result.shape[1], h * scale, w * scale, dtype=torch.float32, device=device)
        oy, ox = (cy0 - wy0) * scale, (cx0 - wx0) * scale
        core = result[:, :, oy : oy + (cy1 - cy0) * scale, ox : ox + (cx1 - cx0) * scale]
        out[:, :, cy0 * scale : cy1 * scale, cx0 * scale : cx1 * scale] = core
    assert out is not None  # the grid of a non-empty image has at least one tile
    return out


@torch.inference_mode()
def super_resolve(
    model: nn.Module,
    lr: torch.Tensor,
    *,
    tile: int | None = None,
    overlap: int = 16,
    batch_size: int = 8,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Run ``model`` over ``lr`` (float ``[B, C, h, w]`` in [0, 1]); return float32 ``[B, C, s*h, s*w]`` in [0, 1].

    Args:
        model: the generator (e.g. :class:`~baselines.realesrgan.RRDBNet`); put in eval mode here.
        lr: the low-resolution batch, on any device.
        tile: side of the LR tile cores, or ``None`` to run whole images. Must be a multiple of the network's
            unshuffle factor (2 for x2).
        overlap: LR pixels of context added around each core (a multiple of the unshuffle factor).
        batch_size: images (or tiles) per forward pass.
        device: where to compute; default: the model's device. The output comes back on ``lr``'s device.
    """
    align = _alignment(model)
    _check(lr, tile, overlap, batch_size, align)
    target = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval().to(target)
    h, w = lr.shape[-2:]
    pad_h, pad_w = (-h) % align, (-w) % align
    x = F.pad(lr, (0, pad_w, 0, pad_h), mode="reflect") if pad_h or pad_w else lr
    if tile is None or (tile >= x.shape[-2] and tile >= x.shape[-1]):
        out = _run(model, x, target, batch_size)
    else:
        out = _tiled(model, x, tile, overlap, target, batch_size)
    scale = out.shape[-1] // x.shape[-1]
    return out[:, :, : h * scale, : w * scale].to(lr.device)


def receptive_radius(model: nn.Module, size: int = 64, channels: int = 1) -> int:
    """Measured receptive-field radius in input pixels: how far from the centre an input change reaches.

    Computed from the gradient of one central output pixel with respect to the input (non-zero where the input
    influences it). Useful to choose an ``overlap`` that makes tiling exact for small networks.
    """
    model = model.eval()
    x = torch.rand(1, channels, size, size, requires_grad=True)
    out = model(x)
    s = out.shape[-1] // size
    out[0, 0, (size // 2) * s, (size // 2) * s].backward()
    assert x.grad is not None
    rows = torch.nonzero(x.grad.abs().sum(dim=(0, 1, 3)) > 0).flatten()
    cols = torch.nonzero(x.grad.abs().sum(dim=(0, 1, 2)) > 0).flatten()
    centre = size // 2
    return max(centre - int(rows.min()), int(rows.max()) - centre, centre - int(cols.min()), int(cols.max()) - centre)
