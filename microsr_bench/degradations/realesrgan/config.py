"""``SecondOrderConfig``: the typed, validated settings of the Real-ESRGAN second-order degradation.

Defaults are the official x2 settings of xinntao/Real-ESRGAN, ``options/train_realesrgan_x2plus.yml``
(identical in ``train_realesrnet_x2plus.yml`` and, apart from the scale, ``finetune_realesrgan_x4plus.yml``;
there is no official ``finetune_realesrgan_x2plus.yml``), commit 35ee6f7 of the options folder. Field names
are the option keys of those files. Values that the official code hard-codes rather than reads from the
options (kernel sizes, unsharp masking of the input) are fields too, with the hard-coded value as default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from microsr_bench.degradations.realesrgan.jpeg import JpegVariant
from microsr_bench.degradations.realesrgan.kernels import KERNEL_FAMILIES, KernelFamily
from microsr_bench.errors import ConfigError
from microsr_bench.registry import did_you_mean

_PAIR_FIELDS: dict[str, tuple[float, float]] = {
    # field: (smallest allowed low, largest allowed high)
    "blur_sigma": (1e-6, math.inf),
    "blur_sigma2": (1e-6, math.inf),
    "betag_range": (1e-6, math.inf),
    "betag_range2": (1e-6, math.inf),
    "betap_range": (1e-6, math.inf),
    "betap_range2": (1e-6, math.inf),
    "resize_range": (1e-6, math.inf),
    "resize_range2": (1e-6, math.inf),
    "noise_range": (0.0, math.inf),
    "noise_range2": (0.0, math.inf),
    "poisson_scale_range": (0.0, math.inf),
    "poisson_scale_range2": (0.0, math.inf),
    "jpeg_range": (1.0, 100.0),
    "jpeg_range2": (1.0, 100.0),
}
#: Ranges whose sampler splits at 1 (beta: half below, half above; resize: down below, up above).
_CONTAINS_ONE = ("betag_range", "betag_range2", "betap_range", "betap_range2", "resize_range", "resize_range2")
_PROB_FIELDS = (
    "sinc_prob",
    "sinc_prob2",
    "gaussian_noise_prob",
    "gaussian_noise_prob2",
    "gray_noise_prob",
    "gray_noise_prob2",
    "second_blur_prob",
    "final_sinc_prob",
)


@dataclass(frozen=True)
class SecondOrderConfig:
    """Settings of :class:`~microsr_bench.degradations.SecondOrderDegradation` (official x2 defaults).

    Ranges are ``(low, high)`` pairs sampled uniformly; noise levels ``noise_range`` are standard
    deviations on the 0..255 scale; ``resize_prob`` are the probabilities of (up, down, keep).
    Construct directly or with :meth:`from_dict`; both validate every field and raise
    :class:`~microsr_bench.errors.ConfigError` naming the field.
    """

    #: Linear down-scaling factor HR -> LR (``scale: 2`` in the x2 options).
    scale: int = 2
    #: Sharpen the HR image with USMSharp before degrading it: ``realesrgan_model.py`` blurs ``gt_usm``
    #: (``train_realesrnet_x2plus.yml``: ``gt_usm: True``). Hard-coded officially.
    usm_sharpen: bool = True
    #: Square support every kernel is zero-padded to (``blur_kernel_size: 21``; the code pads to 21).
    blur_kernel_size: int = 21
    #: Odd kernel supports drawn uniformly (``kernel_range`` in ``realesrgan_dataset.py``: 7, 9, ..., 21).
    kernel_range: tuple[int, ...] = (7, 9, 11, 13, 15, 17, 19, 21)

    # -- first degradation -----------------------------------------------------------------------
    kernel_list: tuple[KernelFamily, ...] = KERNEL_FAMILIES
    kernel_prob: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob: float = 0.1
    blur_sigma: tuple[float, float] = (0.2, 3.0)
    betag_range: tuple[float, float] = (0.5, 4.0)
    betap_range: tuple[float, float] = (1.0, 2.0)
    resize_prob: tuple[float, float, float] = (0.2, 0.7, 0.1)
    resize_range: tuple[float, float] = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5
    noise_range: tuple[float, float] = (1.0, 30.0)
    poisson_scale_range: tuple[float, float] = (0.05, 3.0)
    #: Drawn per image and recorded, but without effect for one channel (gray = colour noise).
    gray_noise_prob: float = 0.4
    jpeg_range: tuple[float, float] = (30.0, 95.0)

    # -- second degradation ----------------------------------------------------------------------
    second_blur_prob: float = 0.8
    kernel_list2: tuple[KernelFamily, ...] = KERNEL_FAMILIES
    kernel_prob2: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob2: float = 0.1
    blur_sigma2: tuple[float, float] = (0.2, 1.5)
    betag_range2: tuple[float, float] = (0.5, 4.0)
    betap_range2: tuple[float, float] = (1.0, 2.0)
    resize_prob2: tuple[float, float, float] = (0.3, 0.4, 0.3)
    resize_range2: tuple[float, float] = (0.3, 1.2)
    gaussian_noise_prob2: float = 0.5
    noise_range2: tuple[float, float] = (1.0, 25.0)
    poisson_scale_range2: tuple[float, float] = (0.05, 2.5)
    gray_noise_prob2: float = 0.4
    jpeg_range2: tuple[float, float] = (30.0, 95.0)

    # -- final step ------------------------------------------------------------------------------
    final_sinc_prob: float = 0.8
    #: JPEG flavour: ``"libjpeg"`` (standard baseline JPEG, as Pillow/OpenCV write it) or ``"diffjpeg"``
    #: (BasicSR's DiffJPEG as the official training uses it: transposed, unrounded table). See ``_jpeg.py``.
    jpeg_variant: JpegVariant = "diffjpeg"
    #: Round the LR to 8 bits at the end (``torch.clamp((out * 255.0).round(), 0, 255) / 255.``).
    quantize_output: bool = True

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        _validate(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SecondOrderConfig:
        """Build a config from a mapping (e.g. parsed YAML); unknown keys are an error."""
        if not isinstance(values, Mapping):
            raise ConfigError(
                f"SecondOrderConfig.from_dict expected a mapping of option names to values, got "
                f"{type(values).__name__}. Pass a dict such as {{'noise_range': [1, 30]}}."
            )
        valid = [f.name for f in dataclasses.fields(cls)]
        unknown = [key for key in values if key not in valid]
        if unknown:
            hint = did_you_mean(str(unknown[0]), valid)
            raise ConfigError(
                f"Unknown SecondOrderConfig key(s) {', '.join(repr(k) for k in unknown)}.{hint} "
                f"Valid keys: {', '.join(valid)}. Remove or rename the unknown keys."
            )
        return cls(**dict(values))

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-ready values (tuples become lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fail(name: str, expected: str, value: object, fix: str) -> ConfigError:
    return ConfigError(f"SecondOrderConfig.{name} must be {expected}; got {value!r}. {fix}")


def _check_prob(name: str, value: object) -> None:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]
        raise _fail(name, "a probability in [0, 1]", value, "Use a number between 0 and 1.")


def _check_pair(name: str, value: object) -> None:
    lowest, highest = _PAIR_FIELDS[name]
    bounds = f"{lowest:g} <= low <= high <= {highest:g}"
    if not (isinstance(value, tuple) and len(value) == 2 and all(_is_number(v) for v in value)):
        raise _fail(name, f"a pair (low, high) of numbers with {bounds}", value, "Give two numbers.")
    low, high = float(value[0]), float(value[1])
    if not lowest <= low <= high <= highest:
        raise _fail(name, f"a pair (low, high) with {bounds}", value, "Order the bounds and keep them in range.")
    if name in _CONTAINS_ONE and not low <= 1.0 <= high:
        raise _fail(
            name,
            "a range containing 1 (the official sampler draws below and above 1)",
            value,
            "Widen the range so that low <= 1 <= high.",
        )


def _check_weights(name: str, value: object, length: int) -> None:
    ok = isinstance(value, tuple) and len(value) == length and all(_is_number(v) and v >= 0 for v in value)
    if not ok or abs(math.fsum(value) - 1.0) > 1e-6:  # type: ignore[arg-type]
        raise _fail(
            name,
            f"{length} non-negative probabilities summing to 1",
            value,
            "Give one probability per entry so that they add up to 1.",
        )


def _check_families(name: str, value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise _fail(name, f"a non-empty list of kernel families from {KERNEL_FAMILIES}", value, "List families.")
    for family in value:
        if family not in get_args(KernelFamily):
            hint = did_you_mean(str(family), list(KERNEL_FAMILIES))
            raise _fail(name, f"kernel families from {KERNEL_FAMILIES}", value, f"{family!r} is unknown.{hint}")
    if len(set(value)) != len(value):
        raise _fail(name, "a list of distinct kernel families", value, "Remove the duplicates.")


def _check_sizes(config: SecondOrderConfig) -> None:
    for name in ("scale", "blur_kernel_size"):
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _fail(name, "a positive integer", value, "Use e.g. scale=2, blur_kernel_size=21.")
    if config.blur_kernel_size % 2 == 0:
        raise _fail("blur_kernel_size", "odd", config.blur_kernel_size, "Use an odd size such as 21.")
    sizes = config.kernel_range
    valid = isinstance(sizes, tuple) and sizes and all(isinstance(s, int) and not isinstance(s, bool) for s in sizes)
    if not valid or not all(s % 2 == 1 and 3 <= s <= config.blur_kernel_size for s in sizes):
        raise _fail(
            "kernel_range",
            f"a non-empty list of odd integers in [3, blur_kernel_size={config.blur_kernel_size}]",
            sizes,
            "Use e.g. (7, 9, 11, 13, 15, 17, 19, 21).",
        )


def _validate(config: SecondOrderConfig) -> None:
    _check_sizes(config)
    for name in ("usm_sharpen", "quantize_output"):
        if not isinstance(getattr(config, name), bool):
            raise _fail(name, "True or False", getattr(config, name), "Use a boolean.")
    for name in _PROB_FIELDS:
        _check_prob(name, getattr(config, name))
    for name in _PAIR_FIELDS:
        _check_pair(name, getattr(config, name))
    if config.jpeg_variant not in get_args(JpegVariant):
        hint = did_you_mean(str(config.jpeg_variant), list(get_args(JpegVariant)))
        raise _fail("jpeg_variant", "'libjpeg' or 'diffjpeg'", config.jpeg_variant, f"Pick one.{hint}")
    if config.jpeg_variant == "diffjpeg" and max(config.jpeg_range[1], config.jpeg_range2[1]) >= 100:
        raise _fail(
            "jpeg_range",
            "below 100 with jpeg_variant='diffjpeg' (its scale factor 200 - 2q is 0 at q = 100)",
            (config.jpeg_range, config.jpeg_range2),
            "Lower the upper bounds of jpeg_range and jpeg_range2 or use jpeg_variant='libjpeg'.",
        )
    for name in ("resize_prob", "resize_prob2"):
        _check_weights(name, getattr(config, name), 3)
    for families, probs in (("kernel_list", "kernel_prob"), ("kernel_list2", "kernel_prob2")):
        _check_families(families, getattr(config, families))
        _check_weights(probs, getattr(config, probs), len(getattr(config, families)))
