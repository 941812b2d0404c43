"""The reference methods by name: factories for the ``microsr_bench.methods`` entry points in setup.cfg.

Each factory takes :class:`~microsr_bench.protocols.method.MethodOptions` and returns a method object with
``name``, ``description``, ``__call__`` and, if it trains, ``fit(train, validation)``. ``options.extra`` holds
factory-specific settings; unknown keys are an error (a typo must not silently fall back to a default). The
factories are also marked with ``@method_factory``, so ``--method baselines.registry:bicubic`` works as well.
The entry points are the one list of names (``registered_methods()`` reads them); a test checks that every
factory here is declared there, under its name with ``-`` for ``_``.

| name | method | extra keys |
|---|---|---|
| ``nearest`` | nearest-neighbour x2 | - |
| ``bicubic`` | bicubic x2 | - |
| ``bicubic-fit`` | bicubic x2 + affine intensity map fitted on the training pairs | ``max_pairs`` |
| ``frame-average`` | mean of k frames, then bicubic x2 | ``k`` (default 4) |
| ``resrgan-b`` | RESRGan-B (paper IV-C) | ``tile``, ``overlap``, ``batch_size``, ``cache_dir``, ``resume``, ``init``,
  ``val_metric`` (``ssim``, ``psnr``, ``niqe``, ``kid``) |
| ``resrgan-s`` | RESRGan-S (paper V-B) | the same plus ``synthesis`` (``realesrgan`` or ``physics``) |
| ``realesrnet`` | Real-ESRNet: RESRGan-B's network and recipe, L1 loss only | as ``resrgan-b`` |
| ``care`` | CARE: bicubic x2 then CSBDeep's residual U-Net (``baselines.care``) | ``batch_size``, ``resume`` |
| ``realesrgan-x4plus`` | official Real-ESRGAN x4plus zero-shot | ``tile``, ``overlap``, ``batch_size``, ``cache_dir`` |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, get_args

from baselines.classical import FittedBicubic, FrameAveraging, Interpolate
from microsr_bench.errors import ConfigError
from microsr_bench.protocols.method import Method, MethodOptions, method_factory, takes_protocol_parameter
from microsr_bench.registry import did_you_mean

__all__ = [
    "bicubic",
    "bicubic_fit",
    "care",
    "frame_average",
    "nearest",
    "realesrgan_x4plus",
    "realesrnet",
    "resrgan_b",
    "resrgan_s",
]


def _extra(options: MethodOptions, method: str, allowed: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Validate and convert ``options.extra`` against the keys a factory accepts."""
    unknown = [k for k in options.extra if k not in allowed]
    if unknown:
        valid = sorted(allowed)
        hint = did_you_mean(str(unknown[0]), valid) if valid else ""
        raise ConfigError(
            f"Method {method!r} does not take extra setting(s) {unknown}.{hint} Valid: {', '.join(valid) or 'none'}."
        )
    out = {}
    for key, value in options.extra.items():
        try:
            out[key] = allowed[key](value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Method {method!r}: extra setting {key}={value!r} is invalid ({exc}).") from exc
    return out


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError("expected an integer >= 1")
    return int(value)


def _even_int(value: Any) -> int:
    number = int(value)
    if isinstance(value, bool) or number != value or number < 0 or number % 2:
        raise ValueError("expected an even integer >= 0")
    return number


def _tile(value: Any) -> int | None:
    return None if value in (None, 0) else _even_int(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


@method_factory
def nearest(options: MethodOptions) -> Method:
    """Nearest-neighbour x2 up-sampling."""
    _extra(options, "nearest", {})
    return Interpolate("nearest")


@method_factory
def bicubic(options: MethodOptions) -> Method:
    """Bicubic x2 up-sampling (PyTorch, a = -0.75)."""
    _extra(options, "bicubic", {})
    return Interpolate("bicubic")


@method_factory
def bicubic_fit(options: MethodOptions) -> Method:
    """Bicubic x2 followed by an intensity map ``a * x + b`` fitted on the training pairs."""
    extra = _extra(options, "bicubic-fit", {"max_pairs": _positive_int})
    return FittedBicubic(**extra)


@method_factory
@takes_protocol_parameter("burst", "k")
def frame_average(options: MethodOptions) -> Method:
    """Mean of ``k`` LR frames of one field (``options.extra["k"]``, default 4), then bicubic x2."""
    extra = _extra(options, "frame-average", {"k": _positive_int})
    return FrameAveraging(k=extra.get("k", 4))


def _init_choice(value: Any) -> str:
    from baselines.realesrgan.recipes import INIT_CHOICES

    if value not in INIT_CHOICES:
        raise ValueError(f"expected one of {', '.join(INIT_CHOICES)}")
    return str(value)


def _val_metric(value: Any) -> str:
    from baselines.realesrgan.train_config import ValMetric

    choices = get_args(ValMetric)
    if value not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}")
    return str(value)


_GAN_EXTRA: dict[str, Callable[[Any], Any]] = {
    "tile": _tile,
    "overlap": _even_int,
    "batch_size": _positive_int,
    "cache_dir": lambda v: None if v is None else Path(v),
    "resume": _flag,
    "init": _init_choice,
    "val_metric": _val_metric,
}


@method_factory
def resrgan_b(options: MethodOptions) -> Method:
    """RESRGan-B: the MITO base fine-tuned per dataset and shots (see ``baselines.realesrgan.method``)."""
    from baselines.realesrgan.method import ResrganB

    return ResrganB(options, **_extra(options, "resrgan-b", _GAN_EXTRA))


@method_factory
@takes_protocol_parameter("blind_synthetic", "degradation", setting="synthesis")
@takes_protocol_parameter("blind_synthetic", "noise_sigma")
def resrgan_s(options: MethodOptions) -> Method:
    """RESRGan-S: trained on synthetically degraded HR images only."""
    from baselines.realesrgan.data import SYNTHESES
    from baselines.realesrgan.method import ResrganS

    def synthesis(value: Any) -> str:
        if value not in SYNTHESES:
            raise ValueError(f"expected one of {', '.join(SYNTHESES)}")
        return str(value)

    def no_noise(value: Any) -> float:
        # RESRGan-S synthesises its LR on the fly; its bicubic pipeline has no noise term.
        if float(value) != 0.0:
            raise ValueError(
                "RESRGan-S has no noise setting for the bicubic pipeline; use noise_sigma=0, or a method that "
                "trains on the protocol's synthetic pairs"
            )
        return 0.0

    extra = _extra(options, "resrgan-s", {**_GAN_EXTRA, "synthesis": synthesis, "noise_sigma": no_noise})
    extra.pop("noise_sigma", None)
    return ResrganS(options, **extra)


@method_factory
def care(options: MethodOptions) -> Method:
    """CARE x2: bicubic x2 then CSBDeep's residual U-Net (see ``baselines.care``)."""
    from baselines.care.method import Care

    allowed = {"batch_size": _positive_int, "resume": _flag}
    return Care(options, **_extra(options, "care", allowed))


@method_factory
def realesrnet(options: MethodOptions) -> Method:
    """Real-ESRNet: the L1-only first stage of Real-ESRGAN (see ``baselines.realesrgan.realesrnet``)."""
    from baselines.realesrgan.realesrnet import RealESRNet

    return RealESRNet(options, **_extra(options, "realesrnet", _GAN_EXTRA))


@method_factory
def realesrgan_x4plus(options: MethodOptions) -> Method:
    """The official natural-image Real-ESRGAN x4plus, zero-shot (see ``baselines.realesrgan.x4plus``)."""
    from baselines.realesrgan.x4plus import RealESRGANx4plus

    allowed = {k: _GAN_EXTRA[k] for k in ("tile", "overlap", "batch_size", "cache_dir")}  # nothing to train
    return RealESRGANx4plus(device=options.device, **_extra(options, "realesrgan-x4plus", allowed))
