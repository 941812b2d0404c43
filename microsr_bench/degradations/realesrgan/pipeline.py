"""The Real-ESRGAN second-order ("high-order") degradation for single-channel microscopy images.

Wang, Xie, Dong and Shan, "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic
Data", ICCV Workshops 2021, section 3; behaviour of ``RealESRGANModel.feed_data`` in xinntao/Real-ESRGAN
``realesrgan/models/realesrgan_model.py`` and of the kernel sampling in ``realesrgan/data/
realesrgan_dataset.py``. An HR image ``x`` in [0, 1] becomes an LR image ``scale`` times smaller::

    x <- USM(x)                                          (unsharp mask, as the official model does)
    stage 1: blur k1 -> resize (up/down/keep, random mode) -> Gaussian|Poisson noise -> JPEG
    stage 2: blur k2 (p = 0.8) -> resize to (H/scale) * s -> Gaussian|Poisson noise
    final:   50 %: [resize to H/scale + sinc] -> JPEG,  50 %: JPEG -> [resize to H/scale + sinc]
    lr = clamp(round(255 out), 0, 255) / 255

Which parameters are drawn per image and which per batch mirrors the official code: kernels (k1, k2,
the final sinc), noise levels and JPEG qualities are per image; resize direction, factor and mode, the
choice Gaussian vs. Poisson, whether the second blur happens and the order of the final step are shared
by the whole batch (the official training loop mixes batches with a queue of 180 images instead). Use a
batch of one (as :func:`realesrgan_degrade_pair` does) to draw everything per image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from microsr_bench.degradations.inputs import as_rng, check_raw_image
from microsr_bench.degradations.realesrgan import ops
from microsr_bench.degradations.realesrgan.config import SecondOrderConfig
from microsr_bench.degradations.realesrgan.jpeg import jpeg_luma
from microsr_bench.degradations.realesrgan.kernels import SampledKernel, sample_blur_kernel, sample_final_sinc
from microsr_bench.errors import InvalidArgumentError

__all__ = [
    "DegradationParams",
    "SecondOrderDegradation",
    "StageParams",
    "realesrgan_degrade_pair",
]

ResizeDirection = Literal["up", "down", "keep"]
NoiseKind = Literal["gaussian", "poisson"]
FinalOrder = Literal["resize_sinc_then_jpeg", "jpeg_then_resize_sinc"]
_DIRECTIONS: tuple[ResizeDirection, ...] = ("up", "down", "keep")


@dataclass(frozen=True, eq=False)
class StageParams:
    """Everything drawn for one of the two degradation stages of a batch of ``B`` images."""

    #: Whether the blur runs (always in stage one; with ``second_blur_prob`` in stage two). Per batch.
    blur: bool
    #: The per-image blur kernels, ``B`` of them.
    kernels: tuple[SampledKernel, ...]
    #: Resize direction, factor and interpolation mode. Per batch.
    resize: ResizeDirection
    resize_factor: float
    resize_mode: ops.ResizeMode
    #: Gaussian or Poisson noise. Per batch.
    noise: NoiseKind
    #: Per image: Gaussian std on the 0..255 scale, or the Poisson scale, ``[B]``.
    noise_level: np.ndarray
    #: Per image: the official gray-noise flag, ``[B]`` bool; no effect on one channel.
    gray_noise: np.ndarray
    #: Per image JPEG quality ``[B]``.
    jpeg_quality: np.ndarray


@dataclass(frozen=True, eq=False)
class DegradationParams:
    """All random choices for one batch; :meth:`SecondOrderDegradation.apply` is deterministic given them."""

    batch_size: int
    stage1: StageParams
    stage2: StageParams
    #: Per image final filter: a sinc (``final_sinc_prob``) or the identity pulse.
    final_kernels: tuple[SampledKernel, ...]
    #: Order of the final step and the mode of its resize back to the LR size. Per batch.
    final_order: FinalOrder
    final_mode: ops.ResizeMode
    #: JPEG quality of the final step ``[B]``.
    final_jpeg_quality: np.ndarray
    #: Seed of the torch generator that draws the noise fields (on the image's device).
    noise_seed: int


def _uniform(rng: np.random.Generator, bounds: tuple[float, float], size: int) -> np.ndarray:
    return rng.uniform(float(bounds[0]), float(bounds[1]), size=size)


def _stack_kernels(kernels: tuple[SampledKernel, ...], like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.stack([k.kernel for k in kernels]), dtype=like.dtype, device=like.device)


class SecondOrderDegradation:
    """Callable ``hr [B, 1, H, W] in [0, 1] -> lr [B, 1, H/scale, W/scale] in [0, 1]`` on ``hr``'s device.

    Randomness: ``generator`` (a ``numpy.random.Generator`` or an int seed) draws every parameter
    on the CPU (:meth:`sample_params`); a torch generator seeded from it on the image's device draws
    the noise fields, so the same seed gives the same output on the same device and torch build.
    """

    def __init__(self, config: SecondOrderConfig | None = None) -> None:
        if config is not None and not isinstance(config, SecondOrderConfig):
            raise InvalidArgumentError(
                f"config must be a SecondOrderConfig or None; got {type(config).__name__}. "
                "Build one with SecondOrderConfig(...) or SecondOrderConfig.from_dict({...})."
            )
        self.config = config or SecondOrderConfig()

    def __call__(self, hr: torch.Tensor, *, generator: np.random.Generator | int) -> torch.Tensor:
        self._check_input(hr)
        params = self.sample_params(hr.shape[0], generator)
        return self.apply(hr, params)

    def __repr__(self) -> str:
        return f"SecondOrderDegradation(scale={self.config.scale})"

    # -- sampling ---------------------------------------------------------------------------------

    def sample_params(self, batch_size: int, generator: np.random.Generator | int) -> DegradationParams:
        """Draw all random choices for a batch of ``batch_size`` images."""
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be a positive int; got {batch_size!r}.")
        rng = as_rng(generator)
        c = self.config
        kernels1, kernels2, finals = [], [], []
        for _ in range(batch_size):  # the dataset draws the three kernels of one image in this order
            kernels1.append(self._sample_kernel(rng, second=False))
            kernels2.append(self._sample_kernel(rng, second=True))
            finals.append(
                sample_final_sinc(rng, prob=c.final_sinc_prob, sizes=c.kernel_range, pad_to=c.blur_kernel_size)
            )
        stage1 = self._sample_stage(rng, batch_size, tuple(kernels1), second=False)
        stage2 = self._sample_stage(rng, batch_size, tuple(kernels2), second=True)
        order: FinalOrder = "resize_sinc_then_jpeg" if rng.uniform() < 0.5 else "jpeg_then_resize_sinc"
        return DegradationParams(
            batch_size=batch_size,
            stage1=stage1,
            stage2=stage2,
            final_kernels=tuple(finals),
            final_order=order,
            final_mode=ops.RESIZE_MODES[int(rng.integers(len(ops.RESIZE_MODES)))],
            final_jpeg_quality=_uniform(rng, c.jpeg_range2, batch_size),
            noise_seed=int(rng.integers(0, 2**63 - 1)),
        )

    def _sample_kernel(self, rng: np.random.Generator, *, second: bool) -> SampledKernel:
        c, suffix = self.config, "2" if second else ""
        return sample_blur_kernel(
            rng,
            families=getattr(c, "kernel_list" + suffix),
            probs=getattr(c, "kernel_prob" + suffix),
            sizes=c.kernel_range,
            sigma_range=getattr(c, "blur_sigma" + suffix),
            betag_range=getattr(c, "betag_range" + suffix),
            betap_range=getattr(c, "betap_range" + suffix),
            sinc_prob=getattr(c, "sinc_prob" + suffix),
            pad_to=c.blur_kernel_size,
        )

    def _sample_stage(
        self, rng: np.random.Generator, batch: int, kernels: tuple[SampledKernel, ...], *, second: bool
    ) -> StageParams:
        c = self.config
        suffix = "2" if second else ""
        blur = bool(rng.uniform() < c.second_blur_prob) if second else True
        probs = np.asarray(getattr(c, "resize_prob" + suffix), dtype=np.float64)
        direction = _DIRECTIONS[int(rng.choice(3, p=probs / probs.sum()))]
        low, high = getattr(c, "resize_range" + suffix)
        factor = 1.0
        if direction == "up":
            factor = float(rng.uniform(1.0, high))
        elif direction == "down":
            factor = float(rng.uniform(low, 1.0))
        mode = ops.RESIZE_MODES[int(rng.integers(len(ops.RESIZE_MODES)))]
        gaussian = rng.uniform() < getattr(c, "gaussian_noise_prob" + suffix)
        level_range = getattr(c, ("noise_range" if gaussian else "poisson_scale_range") + suffix)
        return StageParams(
            blur=blur,
            kernels=kernels,
            resize=direction,
            resize_factor=factor,
            resize_mode=mode,
            noise="gaussian" if gaussian else "poisson",
            noise_level=_uniform(rng, level_range, batch),
            gray_noise=rng.uniform(size=batch) < getattr(c, "gray_noise_prob" + suffix),
            jpeg_quality=_uniform(rng, getattr(c, "jpeg_range" + suffix), batch),
        )

    # -- application ------------------------------------------------------------------------------

    def apply(self, hr: torch.Tensor, params: DegradationParams) -> torch.Tensor:
        """Degrade ``hr`` with already drawn ``params`` (deterministic on a given device)."""
        self._check_input(hr)
        if params.batch_size != hr.shape[0]:
            raise InvalidArgumentError(
                f"params were drawn for a batch of {params.batch_size} images but hr holds {hr.shape[0]}. "
                "Draw them with sample_params(hr.shape[0], generator)."
            )
        c = self.config
        x = hr.to(torch.float32) if hr.dtype != torch.float64 else hr
        height, width = x.shape[-2:]
        noise_rng = torch.Generator(device=x.device)
        noise_rng.manual_seed(params.noise_seed)
        out = ops.usm_sharpen(x) if c.usm_sharpen else x
        s1, s2 = params.stage1, params.stage2
        out = ops.filter2d(out, _stack_kernels(s1.kernels, out))
        out = ops.resize(out, s1.resize_mode, scale_factor=s1.resize_factor)
        out = self._noise(out, s1, noise_rng)
        out = self._jpeg(out, s1.jpeg_quality)
        if s2.blur:
            out = ops.filter2d(out, _stack_kernels(s2.kernels, out))
        size2 = (
            ops.output_size(height, c.scale, s2.resize_factor),
            ops.output_size(width, c.scale, s2.resize_factor),
        )
        out = ops.resize(out, s2.resize_mode, size=size2)
        out = self._noise(out, s2, noise_rng)
        lr_size = (height // c.scale, width // c.scale)
        final_kernels = _stack_kernels(params.final_kernels, out)
        if params.final_order == "resize_sinc_then_jpeg":
            out = ops.filter2d(ops.resize(out, params.final_mode, size=lr_size), final_kernels)
            out = self._jpeg(out, params.final_jpeg_quality)
        else:
            out = self._jpeg(out, params.final_jpeg_quality)
            out = ops.filter2d(ops.resize(out, params.final_mode, size=lr_size), final_kernels)
        out = torch.clamp((out * 255.0).round(), 0, 255) / 255.0 if c.quantize_output else out.clamp(0.0, 1.0)
        return out.to(hr.dtype)

    @staticmethod
    def _noise(image: torch.Tensor, stage: StageParams, generator: torch.Generator) -> torch.Tensor:
        level = torch.as_tensor(stage.noise_level, dtype=image.dtype, device=image.device)
        if stage.noise == "gaussian":
            return ops.add_gaussian_noise(image, level, generator)
        return ops.add_poisson_noise(image, level, generator)

    def _jpeg(self, image: torch.Tensor, quality: np.ndarray) -> torch.Tensor:
        # Clamp first, as the official code does: values outside [0, 1] make JPEG ring badly.
        q = torch.as_tensor(quality, dtype=image.dtype, device=image.device)
        return jpeg_luma(torch.clamp(image, 0.0, 1.0), q, variant=self.config.jpeg_variant)

    # -- checks -----------------------------------------------------------------------------------

    def min_size(self) -> int:
        """Smallest HR side the pipeline accepts: every reflect padding must fit its image."""
        c = self.config
        need = ops.min_reflect_length(c.blur_kernel_size)
        n = c.scale
        while not (
            n % c.scale == 0
            and ops.smallest_stage_one_length(n, c.resize_range[0]) >= need
            and n // c.scale >= need
            and ops.output_size(n, c.scale, c.resize_range2[0]) >= 1
            and (not c.usm_sharpen or n >= ops.min_reflect_length(ops.USM_RADIUS))
        ):
            n += c.scale
        return n

    def _check_input(self, hr: object) -> None:
        if not isinstance(hr, torch.Tensor):
            raise InvalidArgumentError(
                f"hr must be a torch.Tensor [B, 1, H, W]; got {type(hr).__name__}. Convert with torch.from_numpy."
            )
        if hr.ndim != 4 or hr.shape[1] != 1 or not hr.is_floating_point():
            raise InvalidArgumentError(
                f"hr must be a float tensor of shape [B, 1, H, W] (one channel); got dtype {hr.dtype}, "
                f"shape {tuple(hr.shape)}. Add the channel axis with hr[:, None] and divide integers by max_value."
            )
        height, width = hr.shape[-2:]
        smallest, scale = self.min_size(), self.config.scale
        if height % scale or width % scale or min(height, width) < smallest:
            raise InvalidArgumentError(
                f"hr height and width must be multiples of scale={scale} and at least {smallest} "
                f"(the 21-tap filters and the smallest resize need it); got {height} x {width}. Crop or pad hr."
            )
        low, high = float(hr.min()), float(hr.max())
        if low < 0.0 or high > 1.0 or not np.isfinite([low, high]).all():
            raise InvalidArgumentError(
                f"hr values must lie in [0, 1]; got min {low:g}, max {high:g}. "
                "Divide integer images by the card's max_value and clip."
            )


def realesrgan_degrade_pair(
    hr: np.ndarray, max_value: int, *, seed: int, config: SecondOrderConfig | None = None
) -> np.ndarray:
    """Degrade one integer HR image (``uint8`` or ``uint16``, 2-D) into its LR partner, same dtype.

    The image is divided by ``max_value``, degraded as a batch of one on the CPU (so every parameter is
    drawn for this image alone), and scaled back with rounding. With the default ``quantize_output`` the
    LR holds at most 256 distinct values ``round(k / 255 * max_value)``, whatever the bit depth.
    """
    check_raw_image(hr, max_value)
    image = torch.from_numpy(hr.astype(np.float32) / float(max_value))[None, None]
    lr = SecondOrderDegradation(config)(image, generator=seed)[0, 0].numpy()
    return np.round(lr.astype(np.float64) * max_value).astype(hr.dtype)
