"""``calibrate``: an :class:`LRCalibration` from LR stacks (and HR images) of the same fields, or a benchmark split."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from microsr_bench.data.cards import get_card
from microsr_bench.degradations.physics.calibration import LRCalibration
from microsr_bench.degradations.physics.model import PhysicsParams
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.realism import ptc

if TYPE_CHECKING:
    import datasets

__all__ = ["MIN_FRAMES", "calibrate", "calibrate_from_benchmark"]

#: Frames per stack the split-half PTC needs: two interleaved halves with at least one difference each.
MIN_FRAMES = 4
_MIN_SIDE = 16


def check_max_value(max_value: object) -> int:
    if isinstance(max_value, (int, np.integer)) and not isinstance(max_value, bool) and max_value > 0:
        bits = math.log2(int(max_value) + 1)
        if bits.is_integer() and 8 <= bits <= 16:
            return int(max_value)
    raise InvalidArgumentError(
        f"max_value must be the converter maximum 2**bits - 1 (8 to 16 bits), got {max_value!r}. "
        "Use the dataset card's max_value (4095 for the benchmark's 12-bit data)."
    )


def _check_stacks(stacks: object, max_value: int) -> list[np.ndarray]:
    if isinstance(stacks, np.ndarray):
        if stacks.ndim not in (3, 4):
            raise InvalidArgumentError(
                f"stacks must be one stack [F, h, w], an array [N, F, h, w] or a list of stacks; got an array of "
                f"shape {stacks.shape}."
            )
        items = [stacks] if stacks.ndim == 3 else list(stacks)
    elif isinstance(stacks, Sequence) and not isinstance(stacks, (str, bytes)):
        items = list(stacks)
    else:
        raise InvalidArgumentError(f"stacks must be a NumPy array or a list of them, got {type(stacks).__name__}.")
    if not items:
        raise InvalidArgumentError("stacks is empty: give at least one stack [F, h, w] of LR frames of one field.")
    for i, stack in enumerate(items):
        if not isinstance(stack, np.ndarray) or stack.ndim != 3:
            got = f"shape {stack.shape}" if isinstance(stack, np.ndarray) else type(stack).__name__
            raise InvalidArgumentError(f"stacks[{i}] must be an array [F, h, w] of frames of one field, got {got}.")
        if not np.issubdtype(stack.dtype, np.integer):
            raise InvalidArgumentError(
                f"stacks[{i}] has dtype {stack.dtype}; the photon transfer fit needs the raw digitised integers "
                "(uint16 grey levels), not rescaled floats."
            )
        if stack.shape[0] < MIN_FRAMES:
            raise InvalidArgumentError(
                f"stacks[{i}] has {stack.shape[0]} frame(s); the fit needs at least {MIN_FRAMES} frames of the same "
                "field (the real data has 100). Pass whole stacks, not single frames."
            )
        if min(stack.shape[1:]) < _MIN_SIDE:
            raise InvalidArgumentError(f"stacks[{i}] frames are {stack.shape[1:]}; sides of at least {_MIN_SIDE}.")
        low, high = int(stack.min()), int(stack.max())
        if low < 0 or high > max_value:
            raise InvalidArgumentError(
                f"stacks[{i}] holds values in [{low}, {high}], outside [0, max_value={max_value}]. Pass the card's "
                "max_value of these data."
            )
    return items


def _check_hr(hr_images: object, stacks: list[np.ndarray], max_value: int) -> list[np.ndarray]:
    items = list(hr_images) if isinstance(hr_images, (np.ndarray, Sequence)) else None
    if items is None or len(items) != len(stacks):
        got = len(items) if items is not None else type(hr_images).__name__
        raise InvalidArgumentError(
            f"hr_images must hold one HR image per stack, in the same order: {len(stacks)} expected, got {got}."
        )
    for i, (hr, stack) in enumerate(zip(items, stacks, strict=True)):
        want = (2 * stack.shape[1], 2 * stack.shape[2])
        if not isinstance(hr, np.ndarray) or hr.shape != want or not np.issubdtype(hr.dtype, np.integer):
            got = f"{hr.dtype} {hr.shape}" if isinstance(hr, np.ndarray) else type(hr).__name__
            raise InvalidArgumentError(
                f"hr_images[{i}] must be an integer image of shape {want} (twice its stack's frames), got {got}."
            )
        if int(hr.min()) < 0 or int(hr.max()) > max_value:
            raise InvalidArgumentError(f"hr_images[{i}] holds values outside [0, max_value={max_value}].")
    return items


def _signal_scale(
    stacks: list[np.ndarray], hrs: list[np.ndarray], fit: dict[str, float], smoothing_px: float, max_value: int
) -> tuple[list[float], list[float], list[float]]:
    """Per field: LR photo-electrons per unit HR at frame 0, HR zero level, and LR grey per unit HR."""
    keep = ptc.smoothing_noise_factor(smoothing_px)
    scales, zeros, slopes = [], [], []
    for i, (stack, hr) in enumerate(zip(stacks, hrs, strict=True)):
        if min(stack.shape[1:]) <= 2 * (math.ceil(3 * smoothing_px) + 2) + 4:
            raise InvalidArgumentError(
                f"stacks[{i}] frames {stack.shape[1:]} are too small for the signal fit with smoothing_px="
                f"{smoothing_px}; lower smoothing_px or use larger fields."
            )
        if int(hr.max()) == int(hr.min()):
            raise InvalidArgumentError(
                f"hr_images[{i}] is flat (every pixel {int(hr.min())}): the signal scale is measured on structure. "
                "Pass the HR image of the field, or leave hr_images out."
            )
        mean = stack.mean(axis=0)
        model_var = fit["gain_eff"] * np.mean(mean - fit["offset"]) + fit["read_noise"] ** 2 + ptc.ROUNDING_VARIANCE
        slope, intercept, corr = ptc.fit_signal_map(
            mean, hr.astype(np.float64) / max_value, smoothing_px, model_var / stack.shape[0] * keep
        )
        if not corr >= 0.5:
            raise InvalidArgumentError(
                f"hr_images[{i}] does not look like the field of stacks[{i}]: the smoothed images correlate at "
                f"{corr:.2f} (expected > 0.5). Pass the HR image of each stack's field, in the same order."
            )
        bleach = float(np.mean(np.exp(fit["rate"] * np.arange(stack.shape[0]))))
        scales.append(slope / (fit["gain_eff"] / fit["excess"] * bleach))
        zeros.append((fit["offset"] - intercept) / slope)
        slopes.append(slope)
    return scales, zeros, slopes


def _mean_se(values: list[float]) -> tuple[float, float | None]:
    if len(values) < 2:
        return float(values[0]), None
    return float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))


def calibrate(
    stacks: np.ndarray | Sequence[np.ndarray],
    *,
    max_value: int,
    hr_images: np.ndarray | Sequence[np.ndarray] | None = None,
    dataset: str | None = None,
    offset: float | None = None,
    excess_noise_factor: float | None = None,
    bins: int = 32,
    dark_fraction: float = 0.1,
    smoothing_px: float = 2.0,
    line_phase: bool = True,
    source: str = "",
) -> LRCalibration:
    """Fit the LR acquisition to stacks of video-rate frames of the same fields (a photon transfer fit).

    1. **Offset and read noise** from the zero-photo-electron peak of the darkest ``dark_fraction`` of pixels
       (``realism.ptc.fit_dark_peak``), unless ``offset`` is given (e.g. from dark frames, for data with
       no resolvable peak); then the read noise comes from the PTC at the offset,
       ``read_noise^2 = intercept + G_eff * offset - 1/12`` (much less precise).
    2. **PTC**: per pixel, mean and variance of each interleaved half of the stack, the variance from
       differences of consecutive frames (robust to drift and bleaching), binned on the other half's mean; a
       weighted line ``variance = intercept + G_eff * mean`` through ``bins`` bins. Pixels clipped at 0 or
       ``max_value`` and bins near saturation are left out. ``G_eff = F * gain``.
    3. **Bleaching**: log-linear decay of the mean frame signal above offset.
    4. **Line phase** (``line_phase=True``): odd against even lines of each mean frame.
    5. **Signal scale** (with ``hr_images``, the HR images of the same fields): the mean LR frame against the
       2 x 2-binned HR image, both smoothed by ``smoothing_px`` LR pixels, by matching means and standard
       deviations (insensitive to drift and line phase); divided by ``gain = G_eff / F`` and the mean
       bleaching it gives LR photo-electrons per unit normalised HR at the first frame.

    Args:
        stacks: One ``[F, h, w]`` integer array, an ``[N, F, h, w]`` array or a list of them (F >= 4).
        max_value: The converter maximum (the card's ``max_value``, 4095).
        hr_images: Optional HR images ``[2h, 2w]`` of the same fields, in the same order.
        dataset: Sub-dataset the data come from; recorded only.
        offset: Known offset in grey levels, skipping the dark-peak fit.
        excess_noise_factor: Assumed PMT ``F`` (default: the generic 1.2 of :class:`PhysicsParams`; the
            realism report measures it from the third cumulant, see ``calibrate_from_realism``).
        bins, dark_fraction, smoothing_px, line_phase, source: fit settings and provenance text.
    """
    top = check_max_value(max_value)
    items = _check_stacks(stacks, top)
    hrs = _check_hr(hr_images, items, top) if hr_images is not None else None
    name = get_card(dataset).name if dataset is not None else None
    excess = excess_noise_factor_for(excess_noise_factor, name)
    _check_settings(bins, dark_fraction, smoothing_px)
    line = _photon_transfer(items, top, bins)
    if offset is None:
        o, o_se, r, r_se = _dark_peak(items, line, excess, dark_fraction, top)
    else:
        o, o_se, r, r_se = _read_noise_from_ptc(float(offset), line, top)
    rate, rate_se = ptc.fit_bleach_rate(items, o)
    frames = int(np.median([s.shape[0] for s in items]))
    span = frames - 1
    phases = [ptc.line_phase(s.mean(axis=0)) for s in items] if line_phase else []
    fit = {"gain_eff": line.slope, "offset": o, "read_noise": r, "rate": rate, "excess": excess}
    signal = _signal_fields(items, hrs, fit, smoothing_px, top) if hrs is not None else {}
    return LRCalibration(
        max_value=top,
        effective_gain=line.slope,
        effective_gain_se=line.slope_se,
        offset=o,
        offset_se=o_se,
        read_noise=r,
        read_noise_se=r_se,
        excess_noise_factor=excess,
        ptc_intercept=line.intercept,
        ptc_intercept_se=line.intercept_se,
        ptc_reduced_chi2=line.reduced_chi2,
        bleach_fraction=1.0 - math.exp(rate * span),
        bleach_fraction_se=math.exp(rate * span) * span * rate_se,
        frames=frames,
        stacks=len(items),
        pixels=int(line.counts.sum()),
        line_phase_px=float(np.mean(phases)) if phases else None,
        line_phase_spread_px=float(math.sqrt(3.0) * np.std(phases, ddof=1)) if len(phases) > 1 else None,
        dataset=name,
        source=source,
        **signal,
    )


def _check_settings(bins: object, dark_fraction: object, smoothing_px: object) -> None:
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 4:
        raise InvalidArgumentError(f"bins must be an int >= 4, got {bins!r}.")
    if isinstance(dark_fraction, bool) or not isinstance(dark_fraction, (int, float)) or not 0 < dark_fraction <= 0.5:
        raise InvalidArgumentError(f"dark_fraction must lie in (0, 0.5], got {dark_fraction!r}.")
    if isinstance(smoothing_px, bool) or not isinstance(smoothing_px, (int, float)) or not 0.5 <= smoothing_px <= 20:
        raise InvalidArgumentError(f"smoothing_px must lie in [0.5, 20] LR pixels, got {smoothing_px!r}.")


def _photon_transfer(items: list[np.ndarray], top: int, bins: int) -> ptc.LineFit:
    line = ptc.fit_ptc(items, top, bins)
    if line.slope <= 3.0 * line.slope_se:
        raise InvalidArgumentError(
            f"the temporal variance does not grow with the signal (PTC slope {line.slope:.3g} +- "
            f"{line.slope_se:.2g}): no photon noise is visible. Check that the stacks are raw frames of one field "
            "each, not averaged or denoised."
        )
    return line


def _dark_peak(
    items: list[np.ndarray], line: ptc.LineFit, excess: float, dark_fraction: float, top: int
) -> tuple[float, float, float, float]:
    """Offset and read noise from the dark peak, refused when the "peak" is wider than a photo-electron step."""
    peak = ptc.fit_dark_peak(ptc.dark_values(items, dark_fraction), top)
    gain = line.slope / excess
    if peak.read_noise > 0.5 * gain:
        # A bare-offset peak is narrower than one photo-electron's step; a wider one is a photon distribution.
        raise InvalidArgumentError(
            f"no resolvable zero-photo-electron peak in the darkest pixels: the peak found is {peak.read_noise:.1f} "
            f"grey wide, more than half the gain ({gain:.1f} grey per photo-electron), so those pixels see "
            "photons in every frame. Include darker regions, or pass offset= measured from dark frames."
        )
    return peak.offset, peak.offset_se, peak.read_noise, peak.read_noise_se


def _signal_fields(
    items: list[np.ndarray], hrs: list[np.ndarray], fit: dict[str, float], smoothing_px: float, top: int
) -> dict[str, float | None]:
    scales, zeros, slopes = _signal_scale(items, hrs, fit, smoothing_px, top)
    signal: dict[str, float | None] = {}
    signal["signal_scale"], signal["signal_scale_se"] = _mean_se(scales)
    signal["hr_zero_level"], signal["hr_zero_level_se"] = _mean_se(zeros)
    signal["lr_grey_per_hr"] = _mean_se(slopes)[0]
    return signal


def excess_noise_factor_for(value: float | None, name: str | None) -> float:
    if value is None:
        return PhysicsParams().excess_noise_factor  # generic, documented; never a simulator's value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1.0 <= value <= 3.0:
        raise InvalidArgumentError(f"excess_noise_factor must be a number in [1, 3] (PMTs: 1.1-1.5), got {value!r}.")
    return float(value)


def _read_noise_from_ptc(offset: float, line: ptc.LineFit, top: int) -> tuple[float, float, float, float]:
    """Read noise from the PTC evaluated at a known offset: variance there is ``read_noise^2 + 1/12``."""
    if not 0 <= offset < top:
        raise InvalidArgumentError(f"offset must lie in [0, {top}) grey levels, got {offset!r}.")
    grad = np.array([1.0, offset])
    at_offset = line.intercept + line.slope * offset - ptc.ROUNDING_VARIANCE
    if at_offset <= 0:
        raise InvalidArgumentError(
            f"with offset={offset:g} the PTC predicts a read-noise variance of {at_offset:.3g} grey^2 (<= 0): the "
            "given offset is too low for these data. Check it, or leave offset=None to fit the dark peak."
        )
    read = math.sqrt(at_offset)
    return offset, 0.0, read, float(math.sqrt(grad @ line.covariance @ grad)) / (2.0 * read)


def calibrate_from_benchmark(
    bench_or_split: datasets.DatasetDict | datasets.Dataset,
    *,
    dataset: str,
    split: Literal["train", "validation", "test"] = "validation",
    max_fields: int | None = None,
) -> LRCalibration:
    """Calibrate on the LR stacks (and HR images) of one split of a loaded benchmark, grouped by ``hr_id``.

    The blind-synthetic protocol calibrates on the **validation** split only: training there must never see a
    real LR training frame, and the test split is never used to fit anything. ``bench_or_split`` is what
    :func:`~microsr_bench.data.load_benchmark` returns (``split`` picks the split) or one split of it (``split``
    is then only recorded). ``max_fields`` keeps the first fields in ``hr_id`` order.
    """
    from microsr_bench.data.info import benchmark_info  # here: importing the pipelines must not import datasets

    name = get_card(dataset).name
    table = _split_table(bench_or_split, split)
    groups = _groups(table, name)
    if max_fields is not None:
        if isinstance(max_fields, bool) or not isinstance(max_fields, int) or max_fields < 1:
            raise InvalidArgumentError(f"max_fields must be a positive int or None, got {max_fields!r}.")
        groups = groups[:max_fields]
    stacks, hrs = [], []
    for indices in groups:
        rows = table.select(indices)
        stacks.append(np.asarray(rows.select_columns(["lr"]).with_format("numpy")[:]["lr"]))
        hrs.append(np.asarray(rows.select([0]).select_columns(["hr"]).with_format("numpy")[0]["hr"]))
    try:
        top = benchmark_info(table).max_values[name]
        origin = benchmark_info(table).source
    except (InvalidArgumentError, KeyError):
        top, origin = get_card(name).max_value, "unknown source"
    return calibrate(stacks, max_value=top, hr_images=hrs, dataset=name, source=f"{origin}, {split} split")


def _split_table(bench_or_split: object, split: str) -> datasets.Dataset:
    import datasets

    if isinstance(bench_or_split, datasets.DatasetDict):
        if split not in bench_or_split:
            raise InvalidArgumentError(f"split must be one of {sorted(bench_or_split)}, got {split!r}.")
        table = bench_or_split[split]
    elif isinstance(bench_or_split, datasets.Dataset):
        table = bench_or_split
    else:
        raise InvalidArgumentError(
            f"bench_or_split must be what load_benchmark returns or one of its splits, got "
            f"{type(bench_or_split).__name__}."
        )
    missing = {"dataset", "hr_id", "frame", "lr", "hr"} - set(table.column_names)
    if missing:
        raise InvalidArgumentError(
            f"calibration needs the paired rows (columns dataset, hr_id, frame, lr, hr); this table lacks "
            f"{sorted(missing)}. Pass a split of load_benchmark(...), not the HR-only view."
        )
    return table


def _groups(table: datasets.Dataset, name: str) -> list[list[int]]:
    """Row indices of each field of ``name``, fields in ``hr_id`` order, rows in frame order."""
    by_field: dict[str, list[tuple[int, int]]] = {}
    for i, (ds, hr_id, frame) in enumerate(zip(table["dataset"], table["hr_id"], table["frame"], strict=True)):
        if ds == name:
            by_field.setdefault(str(hr_id), []).append((int(frame), i))
    if not by_field:
        raise InvalidArgumentError(
            f"the split holds no rows of {name}; load it with load_benchmark({name!r}) or pick its dataset."
        )
    return [[i for _, i in sorted(by_field[key])] for key in sorted(by_field)]
