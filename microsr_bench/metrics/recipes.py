"""The scoring recipes ``paper``, ``float`` and ``normalized``: how a prediction and its target are compared.

A recipe turns a pair of images in [0, 1] (float64; integer data divided by the dataset's ``max_value``
with :func:`to_unit_float`) into the two arrays the metrics see plus the ``data_range`` they use:

- ``paper`` (the main one): both images quantised to 8 bits as ``round(255 x)`` clipped to [0, 255]
  (NumPy's round half to even, as BasicSR's ``tensor2img``), compared with peak/data range 255. This is
  the convention of BasicSR and the MATLAB SSIM code, which the paper's numbers come from.
- ``float``: the images as they are, data range 1; keeps the 12/16-bit precision of the data.
- ``normalized``: the target percentile-normalised to its 0.1 % and 99.9 % percentiles, the prediction
  affinely fitted to it by least squares, data range 1 (CARE, Weigert et al., Nature Methods 15, 2018).
  Scale- and offset-invariant: fair to methods that do not learn the acquisition's intensity map.

Why three: see ``docs/metrics.md``.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

import numpy as np
import torch

from microsr_bench.errors import CallError, InvalidArgumentError
from microsr_bench.metrics._inputs import ArrayLike
from microsr_bench.metrics._parallel import map_images
from microsr_bench.metrics._pixelwise import quantize
from microsr_bench.metrics.functional import (
    PreparedReference,
    ms_ssim,
    nrmse,
    pair_metrics,
    psnr,
    ssim,
    ssim_and_ms_ssim,
)
from microsr_bench.registry import Registry, unknown_name

__all__ = [
    "FULL_REFERENCE_METRICS",
    "RECIPES",
    "FullReferenceMetric",
    "PreparedPair",
    "Recipe",
    "RecipeName",
    "get_recipe",
    "list_recipes",
    "score_batch",
    "score_pair",
    "to_unit_float",
]

RecipeName = Literal["paper", "float", "normalized"]
FullReferenceMetric = Literal["psnr", "ssim", "ms_ssim", "nrmse"]
FULL_REFERENCE_METRICS: tuple[FullReferenceMetric, ...] = get_args(FullReferenceMetric)
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def to_unit_float(image: ArrayLike, max_value: float) -> FloatArray:
    """Convert an image (or batch) to float64 in units of ``max_value``: ``image / max_value``.

    Dtype rules, all explicit (nothing is inferred from the dtype):

    - integer dtypes (``uint8``, ``uint16``, ``int32``, ...): every value must lie in ``[0, max_value]``
      (a value above means the wrong ``max_value``, e.g. 255 for 12-bit data whose card says 4095);
    - floating dtypes: divided by ``max_value`` as well (pass ``max_value=1`` for data already in [0, 1]);
      not range-checked, because a prediction may overshoot [0, 1] and each recipe says what it does then;
      NaN and infinite values are refused;
    - ``bool``, complex and object arrays are refused.

    Args:
        image: NumPy array or torch tensor, any shape.
        max_value: the value that maps to 1.0, e.g. a dataset card's ``max_value`` (4095 for 12 bits).

    Returns:
        A float64 NumPy array of the same shape.
    """
    if isinstance(max_value, bool) or not isinstance(max_value, (int, float, np.integer, np.floating)):
        raise InvalidArgumentError(f"to_unit_float: max_value must be a number, got {max_value!r}.")
    if not np.isfinite(max_value) or max_value <= 0:
        raise InvalidArgumentError(
            f"to_unit_float: max_value must be finite and > 0, got {max_value!r}; use the dataset card's "
            "max_value (e.g. 4095 for 12-bit data) or 1.0 for floats already in [0, 1]."
        )
    if isinstance(image, torch.Tensor):  # floats widened in torch: NumPy has no bfloat16
        image = (image.double() if image.is_floating_point() else image).detach().cpu().numpy()
    if not isinstance(image, np.ndarray) or image.dtype.kind not in "uif":
        kind = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise InvalidArgumentError(
            f"to_unit_float: expected an integer or floating-point array or tensor, got {kind}; "
            "convert masks or complex data to real intensities first."
        )
    values = image.astype(np.float64)
    if image.dtype.kind in "ui" and values.size:
        low, high = values.min(), values.max()
        if low < 0 or high > max_value:
            raise InvalidArgumentError(
                f"to_unit_float: integer image of dtype {image.dtype} has values in [{low:g}, {high:g}], "
                f"outside [0, max_value={max_value:g}]; pass the dataset's max_value (the card says "
                "4095 for 12-bit data) or clip the image first."
            )
    elif not np.isfinite(values).all():
        raise InvalidArgumentError("to_unit_float: image contains NaN or infinite values; metrics need finite pixels.")
    return values / float(max_value)


@dataclass(frozen=True)
class PreparedPair:
    """What the metrics see: the two arrays (same shape) and the data range to use with them."""

    prediction: FloatArray
    target: FloatArray
    data_range: float


@dataclass(frozen=True)
class Recipe:
    """A named way of comparing a prediction with its target (see the module docstring)."""

    #: Registered name: ``paper``, ``float`` or ``normalized``.
    name: RecipeName
    #: One sentence for tables and ``--help``.
    description: str
    #: Bits to quantise both images to (``round(x (2^bits - 1))`` clipped), or ``None`` for no quantisation.
    quantize_bits: int | None = None
    #: Lower and upper percentiles of the target's normalisation, or ``None`` for no normalisation.
    percentiles: tuple[float, float] | None = None
    #: Pixels cut from each side of both images before anything else (BasicSR's ``crop_border``); 0 keeps all.
    crop_border: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.crop_border, bool) or not isinstance(self.crop_border, int) or self.crop_border < 0:
            raise InvalidArgumentError(
                f"recipe {self.name!r}: crop_border must be a non-negative integer (pixels cut from each side), "
                f"got {self.crop_border!r}; BasicSR's configs use the scale factor, 2 here."
            )
        if self.quantize_bits is not None and not (
            isinstance(self.quantize_bits, int) and 1 <= self.quantize_bits <= 16
        ):
            raise InvalidArgumentError(
                f"recipe {self.name!r}: quantize_bits must be an integer from 1 to 16, got {self.quantize_bits!r}."
            )
        if self.quantize_bits is not None and self.percentiles is not None:
            raise InvalidArgumentError(f"recipe {self.name!r}: choose quantisation or normalisation, not both.")
        if self.percentiles is not None and not 0 <= self.percentiles[0] < self.percentiles[1] <= 100:
            raise InvalidArgumentError(
                f"recipe {self.name!r}: percentiles must satisfy 0 <= low < high <= 100, got {self.percentiles}."
            )

    @property
    def data_range(self) -> float:
        """Peak value of the prepared images: ``2^bits - 1`` when quantised, else 1."""
        return float(2**self.quantize_bits - 1) if self.quantize_bits is not None else 1.0

    def prepare(
        self,
        *old: ArrayLike,
        reference: ArrayLike | None = None,
        prediction: ArrayLike | None = None,
        target: ArrayLike | None = None,
    ) -> PreparedPair:
        """Apply the recipe to a reference and a prediction in [0, 1], each ``(H, W)`` or ``(B, H, W)``.

        Keyword-only, ``prepare(reference=hr, prediction=sr)``, as the ``score_*`` functions (the old
        ``(prediction, target)`` order warns for one release).
        """
        reference, prediction = _reference_first("prepare", old, reference, prediction, target)
        pred, tgt = _unit_pair(prediction, reference, self.name)
        pred, tgt = self._crop(pred), self._crop(tgt)
        if self.quantize_bits is not None:
            peak = self.data_range
            pred, tgt = (quantize(a, peak) for a in (pred, tgt))
        elif self.percentiles is not None:
            tgt = _percentile_normalize(tgt, self.percentiles, self.name)
            pred = _fit_affine(pred, tgt)
        return PreparedPair(prediction=pred, target=tgt, data_range=self.data_range)

    def prepare_group(
        self,
        *old: ArrayLike,
        reference: ArrayLike | None = None,
        predictions: ArrayLike | None = None,
        target: ArrayLike | None = None,
    ) -> PreparedPair:
        """Apply the recipe to ``(B, H, W)`` predictions that share one ``(H, W)`` reference (keyword-only).

        The reference is quantised or normalised once, not once per prediction; the prepared target is a
        read-only broadcast view. Results equal :meth:`prepare` with the reference repeated ``B`` times.
        """
        target, predictions = _reference_first("prepare_group", old, reference, predictions, target, "predictions")
        pred_shape, target_shape = tuple(np.shape(predictions)), tuple(np.shape(target))
        if len(pred_shape) != 3 or pred_shape[1:] != target_shape:
            raise InvalidArgumentError(
                f"recipe {self.name!r}: prepare_group needs predictions (B, H, W) and one target (H, W) of the "
                f"same size, got {pred_shape} and {target_shape}."
            )
        # Validates both images (first prediction, target) and prepares the target once.
        first = self.prepare(reference=np.asarray(target)[None], prediction=np.asarray(predictions)[:1])
        pred = self._crop(_as_float(predictions, "prediction", self.name))
        tgt = np.broadcast_to(first.target[0], pred.shape)
        if self.quantize_bits is not None:
            pred = quantize(pred, self.data_range)
        elif self.percentiles is not None:
            pred = _fit_affine_shared(pred, first.target[0])
        return PreparedPair(prediction=pred, target=tgt, data_range=self.data_range)

    def _crop(self, image: FloatArray) -> FloatArray:
        c = self.crop_border
        if c == 0:
            return image
        if min(image.shape[-2:]) <= 2 * c:
            raise InvalidArgumentError(
                f"recipe {self.name!r}: crop_border={c} leaves nothing of a {image.shape[-2:]} image; use a "
                "crop smaller than half the image size."
            )
        return image[..., c:-c, c:-c]


def _fit_affine_shared(predictions: FloatArray, target: FloatArray) -> FloatArray:
    """:func:`_fit_affine` for ``(B, H, W)`` predictions against one ``(H, W)`` target, with dot products.

    The target's centred values are computed once; per prediction the covariance and variance are two dot
    products. Equal to :func:`_fit_affine` up to floating-point summation order (about 1e-16).

    The dot products are NumPy's own (``einsum``), not BLAS: OpenBLAS splits a long dot product over as
    many threads as it may use and adds the partial sums, so ``a @ b`` changes in the last bits with
    ``OMP_NUM_THREADS`` and the score of one image would depend on the process that scored it (a record
    sharded over workers or ranks must equal the single-process one bit for bit).
    """
    return _fit_affine_centred(predictions, *_centred(target))


def _centred(target: FloatArray) -> tuple[float, FloatArray]:
    """The target's mean and its centred values, flattened (what :func:`_fit_affine_shared` needs of it)."""
    t_mean = float(target.mean())
    return t_mean, (target - t_mean).ravel()


def _fit_affine_centred(predictions: FloatArray, t_mean: float, t_dev: FloatArray) -> FloatArray:
    """:func:`_fit_affine_shared` with the target's :func:`_centred` values made once for many calls."""
    n = t_dev.size
    out = predictions - predictions.mean(axis=(-2, -1), keepdims=True)
    for b in range(out.shape[0]):
        dev = out[b].reshape(-1)
        variance = float(np.einsum("i,i->", dev, dev)) / n
        slope = float(np.einsum("i,i->", dev, t_dev)) / n / variance if variance > 0 else 0.0
        dev *= slope
    out += t_mean
    return out


def _as_float(image: ArrayLike, role: str, recipe: str) -> FloatArray:
    array = image
    if isinstance(image, torch.Tensor):  # floats widened in torch: NumPy has no bfloat16
        array = (image.double() if image.is_floating_point() else image).detach().cpu().numpy()
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        kind = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise InvalidArgumentError(
            f"recipe {recipe!r}: {role} must be a floating-point image in [0, 1], got {kind}; convert "
            "integer data with to_unit_float(image, card.max_value) first."
        )
    values = np.asarray(array, dtype=np.float64)
    if not np.isfinite(values).all():
        raise InvalidArgumentError(f"recipe {recipe!r}: prediction or target contains NaN or infinite values.")
    return values


def _unit_pair(prediction: ArrayLike, target: ArrayLike, recipe: str) -> tuple[FloatArray, FloatArray]:
    pred = _as_float(prediction, "prediction", recipe)
    tgt = _as_float(target, "target", recipe)
    if pred.shape != tgt.shape or pred.ndim not in (2, 3):
        raise InvalidArgumentError(
            f"recipe {recipe!r}: prediction has shape {pred.shape} and target {tgt.shape}; expected the same "
            "shape, (H, W) or (B, H, W)."
        )
    if tgt.min() < 0 or tgt.max() > 1:
        raise InvalidArgumentError(
            f"recipe {recipe!r}: target values span [{tgt.min():g}, {tgt.max():g}], expected [0, 1]; divide "
            "integer data by the card's max_value with to_unit_float."
        )
    return pred, tgt


def _percentile_normalize(target: FloatArray, percentiles: tuple[float, float], recipe: str) -> FloatArray:
    """Map each target's low/high percentiles (linear interpolation, NumPy's default) to 0 and 1."""
    axes = (-2, -1)
    low, high = np.percentile(target, percentiles, axis=axes, keepdims=True)
    span = high - low
    if np.any(span <= 0):
        raise InvalidArgumentError(
            f"recipe {recipe!r}: a target has equal {percentiles[0]} % and {percentiles[1]} % percentiles "
            "(a nearly constant image), so it cannot be percentile-normalised; check the reference data."
        )
    return (target - low) / span


def _fit_affine(prediction: FloatArray, target: FloatArray) -> FloatArray:
    """Least-squares ``a x + b`` of each prediction to its target; a constant prediction maps to the target mean."""
    axes = (-2, -1)
    p_mean = prediction.mean(axis=axes, keepdims=True)
    t_mean = target.mean(axis=axes, keepdims=True)
    p_dev = prediction - p_mean
    variance = np.mean(p_dev * p_dev, axis=axes, keepdims=True)
    covariance = np.mean(p_dev * (target - t_mean), axis=axes, keepdims=True)
    slope = np.divide(covariance, variance, out=np.zeros_like(variance), where=variance > 0)
    return slope * p_dev + t_mean


RECIPES: Registry[Recipe] = Registry("recipe")
for _recipe in (
    Recipe("paper", "Both images quantised to 8 bits; PSNR peak 255, SSIM data range 255 (BasicSR/MATLAB).", 8),
    Recipe("float", "Images in [0, 1] as they are, no quantisation; data range 1."),
    Recipe(
        "normalized",
        "Target normalised to its 0.1/99.9 percentiles, prediction affinely fitted by least squares; range 1.",
        percentiles=(0.1, 99.9),
    ),
):
    RECIPES.add(_recipe.name, _recipe)


def get_recipe(name: str, *, crop_border: int = 0) -> Recipe:
    """The registered recipe of that name (with ``crop_border`` pixels cut from each side when > 0).

    An unknown name lists the valid ones and the closest match.
    """
    recipe = RECIPES.get(name)
    return recipe if crop_border == 0 else replace(recipe, crop_border=crop_border)


def list_recipes() -> list[str]:
    """Names of the registered recipes, main one (``paper``) first."""
    return [name for name in get_args(RecipeName) if name in RECIPES]


def _metric_values(metric: str, pair: PreparedPair) -> float | FloatArray:
    if metric == "psnr":
        return psnr(pair.target, pair.prediction, data_range=pair.data_range)
    if metric == "ssim":
        return ssim(pair.target, pair.prediction, data_range=pair.data_range)
    if metric == "ms_ssim":
        return ms_ssim(pair.target, pair.prediction, data_range=pair.data_range)
    if metric == "nrmse":
        return nrmse(pair.target, pair.prediction)
    raise unknown_name("full-reference metric", metric, list(FULL_REFERENCE_METRICS))


def _pair_scores(pair: PreparedPair, metrics: Sequence[str]) -> dict[str, FloatArray]:
    """Every metric of one prepared pair; SSIM and MS-SSIM share one filtering when both are asked for."""
    joint: dict[str, float | FloatArray] = {}
    if "ssim" in metrics and "ms_ssim" in metrics:
        single, multi = ssim_and_ms_ssim(pair.target, pair.prediction, data_range=pair.data_range)
        joint = {"ssim": single, "ms_ssim": multi}
    return {m: np.asarray(joint[m] if m in joint else _metric_values(m, pair), dtype=np.float64) for m in metrics}


def _check_names(recipes: Sequence[str], metrics: Sequence[str]) -> None:
    for kind, names, valid in (("recipe", recipes, list_recipes()), ("metric", metrics, FULL_REFERENCE_METRICS)):
        if isinstance(names, str):
            raise InvalidArgumentError(
                f"{kind}s must be a sequence of names, got the string {names!r}; use ({names!r},)."
            )
        for name in names:
            if name not in valid:
                raise unknown_name(f"full-reference {kind}" if kind == "metric" else kind, name, list(valid))


_DEFAULT_RECIPES: tuple[RecipeName, ...] = ("paper", "float", "normalized")


def _reference_first(
    func: str, old: tuple[Any, ...], reference: Any, prediction: Any, target: Any, role: str = "prediction"
) -> tuple[Any, Any]:
    """``(reference, prediction)`` of a keyword-only call, or of the deprecated ``(prediction, target)`` form.

    The scoring functions took the prediction first while ``psnr(image_true, image_test)`` takes the
    reference first; the order matters for NRMSE and the ``normalized`` recipe, so the new form is keyword-only
    and the old one warns for one release (0.1 -> 0.2).
    """
    if not old and target is None:
        missing = [name for name, value in (("reference", reference), (role, prediction)) if value is None]
        if missing:
            raise CallError(
                f"{func}() needs reference=... (the HR image) and {role}=... as keywords; {', '.join(missing)} "
                f"missing. Call {func}(reference=hr, {role}=sr)."
            )
        return reference, prediction
    legacy = [*([prediction] if prediction is not None else []), *old, *([target] if target is not None else [])]
    if reference is not None or len(legacy) != 2:
        raise CallError(
            f"{func}() got {len(old)} positional argument(s) mixed with keywords; call {func}(reference=hr, "
            f"{role}=sr) with keywords only."
        )
    warnings.warn(
        f"{func}({role}, target) with the {role} first is deprecated and goes in the next release: call "
        f"{func}(reference=target, {role}=...) (keyword-only, the reference first as in psnr(image_true, "
        "image_test)).",
        DeprecationWarning,
        stacklevel=3,
    )
    return legacy[1], legacy[0]


def score_batch(
    *old: ArrayLike,
    reference: ArrayLike | None = None,
    prediction: ArrayLike | None = None,
    target: ArrayLike | None = None,
    recipes: Sequence[RecipeName] = _DEFAULT_RECIPES,
    metrics: Sequence[FullReferenceMetric] = FULL_REFERENCE_METRICS,
    crop_border: int = 0,
) -> dict[str, dict[str, FloatArray]]:
    """Score a batch ``(B, H, W)`` of predictions against their references in [0, 1] with every recipe and metric.

    Call ``score_batch(reference=hr, prediction=sr)``: keyword-only, so the two cannot be swapped silently
    (``target=`` and the positional ``(prediction, target)`` still work, deprecated, for one release).
    Returns ``{recipe: {metric: values}}`` with one float64 value per image. PSNR of an exact match is
    ``+inf`` (see :mod:`microsr_bench.metrics.aggregate` for how means treat it). ``crop_border`` cuts that
    many pixels from each side of both images first (BasicSR's option; docs/metrics.md says why 0 is the
    default).
    """
    reference, prediction = _reference_first("score_batch", old, reference, prediction, target)
    _check_names(recipes, metrics)
    shape = tuple(np.shape(reference))
    if len(shape) != 3:
        raise InvalidArgumentError(
            f"score_batch: expected a batch (B, H, W), got reference shape {shape}; use score_pair for one image."
        )
    scores: dict[str, dict[str, FloatArray]] = {}
    for name in recipes:
        pair = get_recipe(name, crop_border=crop_border).prepare(reference=reference, prediction=prediction)
        scores[name] = _pair_scores(pair, metrics)
    return scores


def score_group(
    *old: ArrayLike,
    reference: ArrayLike | None = None,
    predictions: ArrayLike | None = None,
    target: ArrayLike | None = None,
    recipes: Sequence[RecipeName] = _DEFAULT_RECIPES,
    metrics: Sequence[FullReferenceMetric] = FULL_REFERENCE_METRICS,
    crop_border: int = 0,
) -> dict[str, dict[str, FloatArray]]:
    """Score ``(B, H, W)`` predictions of one field of view against its one ``(H, W)`` reference.

    Call ``score_group(reference=hr, predictions=frames_sr)`` (keyword-only, as :func:`score_batch`). The
    benchmark's hot path: the 100 frames of a field share their HR image, so the reference is prepared once
    per recipe. Same values as :func:`score_batch` with the reference repeated.
    """
    reference, predictions = _reference_first("score_group", old, reference, predictions, target, "predictions")
    _check_names(recipes, metrics)
    shape = tuple(np.shape(predictions))
    # A group of the wrong shape goes whole through prepare_group below, which refuses it naming both shapes.
    n_frames = shape[0] if len(shape) == 3 and shape[1:] == tuple(np.shape(reference)) else 0
    scores: dict[str, dict[str, FloatArray]] = {}
    firsts: dict[str, tuple[Recipe, PreparedPair]] = {}
    for name in recipes:
        # Frame 0 through the recipe's batch preparation: every check and error message of the public path,
        # and the recipe's target prepared once (quantised or percentile-normalised).
        recipe = get_recipe(name, crop_border=crop_border)
        first = recipe.prepare_group(reference=reference, predictions=predictions[:1] if n_frames else predictions)
        scores[name] = {m: np.empty(n_frames) for m in metrics}
        firsts[name] = (recipe, first)
    if n_frames and firsts:
        _score_frames(predictions, n_frames, firsts, scores, tuple(metrics))
    return scores


def _score_frames(
    predictions: ArrayLike,
    n_frames: int,
    firsts: dict[str, tuple[Recipe, PreparedPair]],
    scores: dict[str, dict[str, FloatArray]],
    metrics: tuple[str, ...],
) -> None:
    """The frames of a group, one frame per task on the metric threads.

    Frame 0 goes through the public metric functions (every check and error message of the public path; it
    is the first task, so its error is the one raised). Frames 1.. get conversion, each recipe's preparation
    (the ``paper`` quantisation, the ``normalized`` affine fit) and the metrics in their task, so the main
    thread never prepares whole chunks while the metric threads wait, against each recipe's target
    prepared once (:class:`PreparedReference`: its range, SSIM pyramid and local means). Each frame gets the
    operations :meth:`Recipe.prepare_group` and the metric functions apply to it, so the bits are the batch
    path's (``tests/metrics/test_recipes.py``).
    """
    first_name = next(iter(firsts))
    targets = {name: np.ascontiguousarray(first.target[0]) for name, (_, first) in firsts.items()}
    centred = {name: _centred(targets[name]) for name, (recipe, _) in firsts.items() if recipe.percentiles is not None}
    prepared: dict[str, PreparedReference] = {}
    lock = threading.Lock()

    def reference(name: str) -> PreparedReference:
        with lock:  # made by the first task that needs it, once
            if name not in prepared:
                prepared[name] = PreparedReference.prepare(targets[name], metrics)
            return prepared[name]

    def one(k: int, scratch: dict[Any, Any]) -> float:
        if k == 0:
            for name, (_, first) in firsts.items():
                for metric, batch in _pair_scores(first, metrics).items():
                    scores[name][metric][0] = batch[0]
            return 0.0
        frame = _as_float(predictions[k : k + 1], "prediction", first_name)
        for name, (recipe, first) in firsts.items():
            pred = recipe._crop(frame)
            if recipe.quantize_bits is not None:
                pred = quantize(pred, recipe.data_range)
            elif recipe.percentiles is not None:
                pred = _fit_affine_centred(pred, *centred[name])
            values = pair_metrics(reference(name), np.ascontiguousarray(pred[0]), first.data_range, metrics, scratch)
            for metric, value in values.items():
                scores[name][metric][k] = value
        return 0.0

    map_images(one, n_frames)


def score_pair(
    *old: ArrayLike,
    reference: ArrayLike | None = None,
    prediction: ArrayLike | None = None,
    target: ArrayLike | None = None,
    recipes: Sequence[RecipeName] = _DEFAULT_RECIPES,
    metrics: Sequence[FullReferenceMetric] = FULL_REFERENCE_METRICS,
    crop_border: int = 0,
) -> dict[str, dict[str, float]]:
    """Score one prediction ``(H, W)`` against its reference (both float in [0, 1]): ``{recipe: {metric: value}}``.

    Call ``score_pair(reference=hr, prediction=sr)`` (keyword-only, as :func:`score_batch`).
    """
    reference, prediction = _reference_first("score_pair", old, reference, prediction, target)
    shape = tuple(np.shape(prediction))
    if len(shape) != 2:
        raise InvalidArgumentError(
            f"score_pair: expected one image (H, W), got shape {shape}; use score_batch for (B, H, W)."
        )
    batch = score_batch(
        reference=reference[None],
        prediction=prediction[None],
        recipes=recipes,
        metrics=metrics,
        crop_border=crop_border,
    )
    return {recipe: {metric: float(v[0]) for metric, v in values.items()} for recipe, values in batch.items()}
