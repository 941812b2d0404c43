"""The recipes paper/float/normalized, to_unit_float, and score_pair/score_batch."""

import numpy as np
import pytest
import torch

from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.metrics import (
    get_recipe,
    list_recipes,
    psnr,
    score_batch,
    score_group,
    score_pair,
    ssim,
    to_unit_float,
)
from microsr_bench.metrics.recipes import RECIPES, Recipe


def _pair(shape=(180, 180), seed=0):
    rng = np.random.default_rng(seed)
    target = np.clip(rng.random(shape) ** 2, 0, 1)
    return np.clip(target + 0.05 * rng.standard_normal(shape), 0, 1), target


# --- to_unit_float ---------------------------------------------------------------------------------


def test_to_unit_float_integer_division():
    # 12-bit data in uint16: 4095 -> 1.0, 0 -> 0.0, 2048 -> 2048/4095, in float64.
    image = np.array([[0, 2048, 4095]], dtype=np.uint16)
    out = to_unit_float(image, 4095)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 2048 / 4095, 1.0]])
    np.testing.assert_array_equal(to_unit_float(torch.from_numpy(image.astype(np.int32)), 4095), out)


def test_to_unit_float_float_is_divided_not_checked():
    # Floats are divided too (max_value=1 keeps them); a prediction may overshoot [0, 1].
    image = np.array([[-0.1, 0.5, 1.2]], dtype=np.float32)
    np.testing.assert_allclose(to_unit_float(image, 1.0), image.astype(np.float64))
    np.testing.assert_allclose(to_unit_float(image * 4095, 4095), image.astype(np.float64), rtol=1e-6)


def test_to_unit_float_integer_above_max_value():
    with pytest.raises(InvalidArgumentError, match=r"values in \[0, 4095\], outside \[0, max_value=255\]"):
        to_unit_float(np.array([[0, 4095]], dtype=np.uint16), 255)


@pytest.mark.parametrize("max_value", [0, -1, np.inf, np.nan, "4095", True])
def test_to_unit_float_bad_max_value(max_value):
    with pytest.raises(InvalidArgumentError, match="max_value"):
        to_unit_float(np.zeros((2, 2), dtype=np.uint16), max_value)


@pytest.mark.parametrize("image", [np.zeros((2, 2), dtype=bool), np.zeros((2, 2), dtype=complex), [[1, 2]]])
def test_to_unit_float_bad_dtype(image):
    with pytest.raises(InvalidArgumentError, match="integer or floating-point"):
        to_unit_float(image, 1.0)


def test_to_unit_float_nan():
    with pytest.raises(InvalidArgumentError, match="NaN"):
        to_unit_float(np.array([[np.nan]]), 1.0)


# --- the recipes -----------------------------------------------------------------------------------


def test_registered_recipes():
    assert list_recipes() == ["paper", "float", "normalized"]
    assert get_recipe("paper").data_range == 255.0
    assert get_recipe("float").data_range == 1.0
    assert get_recipe("normalized").data_range == 1.0


def test_unknown_recipe_did_you_mean():
    with pytest.raises(UnknownNameError, match=r"Unknown recipe 'papr'.*Did you mean 'paper'\?"):
        get_recipe("papr")
    with pytest.raises(UnknownNameError, match="Did you mean 'normalized'"):
        pred, target = _pair()
        score_pair(reference=target, prediction=pred, recipes=("normalised",))


def test_recipe_config_is_validated():
    with pytest.raises(InvalidArgumentError, match="not both"):
        Recipe("paper", "x", quantize_bits=8, percentiles=(1.0, 99.0))
    with pytest.raises(InvalidArgumentError, match="percentiles"):
        Recipe("normalized", "x", percentiles=(99.0, 1.0))
    with pytest.raises(InvalidArgumentError, match="quantize_bits"):
        Recipe("paper", "x", quantize_bits=0)
    with pytest.raises(ValueError, match="registered twice"):
        RECIPES.add("paper", get_recipe("paper"))


def test_paper_quantises_like_basicsr_tensor2img():
    # round(255 x) half to even, clipped: 0.5 -> 127.5 -> 128; 1.2 -> 255; -0.1 -> 0; 0.25 -> 63.75 -> 64.
    pred = np.array([[0.5, 1.2], [-0.1, 0.25]])
    pair = get_recipe("paper").prepare(reference=np.full((2, 2), 0.5), prediction=pred)
    np.testing.assert_array_equal(pair.prediction, [[128, 255], [0, 64]])
    np.testing.assert_array_equal(pair.target, np.full((2, 2), 128))
    assert pair.data_range == 255.0


def test_float_recipe_is_identity():
    pred, target = _pair()
    pair = get_recipe("float").prepare(reference=target, prediction=pred)
    np.testing.assert_array_equal(pair.prediction, pred)
    np.testing.assert_array_equal(pair.target, target)


def test_normalized_recipe_closed_form():
    # Target: (t - p0.1) / (p99.9 - p0.1) with NumPy's linear-interpolation percentiles. Prediction: the
    # least-squares line a x + b onto that target, here checked against numpy.polyfit (independent solver).
    pred, target = _pair()
    pair = get_recipe("normalized").prepare(reference=target, prediction=pred)
    low, high = np.percentile(target, [0.1, 99.9])
    np.testing.assert_allclose(pair.target, (target - low) / (high - low), rtol=1e-12)
    slope, intercept = np.polyfit(pred.ravel(), pair.target.ravel(), 1)
    np.testing.assert_allclose(pair.prediction, slope * pred + intercept, rtol=1e-9, atol=1e-12)


def test_normalized_recipe_is_affine_invariant():
    # A prediction off by gain and offset scores exactly as the original (the fit undoes it).
    pred, target = _pair()
    base = score_pair(reference=target, prediction=pred, recipes=("normalized",))["normalized"]
    moved = score_pair(reference=target, prediction=0.3 * pred + 0.2, recipes=("normalized",))["normalized"]
    for metric, value in base.items():
        assert moved[metric] == pytest.approx(value, abs=1e-9), metric
    # ... while the float recipe sees the change.
    assert (
        score_pair(reference=target, prediction=0.3 * pred + 0.2, recipes=("float",))["float"]["psnr"]
        < base["psnr"] - 1
    )


def test_normalized_constant_prediction_maps_to_target_mean():
    _, target = _pair()
    pair = get_recipe("normalized").prepare(reference=target, prediction=np.full_like(target, 0.3))
    np.testing.assert_allclose(pair.prediction, pair.target.mean())


def test_normalized_constant_target_is_an_error():
    with pytest.raises(InvalidArgumentError, match="cannot be percentile-normalised"):
        get_recipe("normalized").prepare(
            reference=np.full((8, 8), 0.4), prediction=np.random.default_rng(0).random((8, 8))
        )


def test_recipe_input_rules():
    pred, target = _pair()
    with pytest.raises(InvalidArgumentError, match="to_unit_float"):
        get_recipe("float").prepare(reference=target, prediction=(pred * 255).astype(np.uint8))
    with pytest.raises(InvalidArgumentError, match=r"target values span \[.*, 2\], expected \[0, 1\]"):
        get_recipe("float").prepare(reference=target * 2 / target.max(), prediction=pred)
    with pytest.raises(InvalidArgumentError, match="same shape"):
        get_recipe("float").prepare(reference=target, prediction=pred[:, :-1])
    with pytest.raises(InvalidArgumentError, match="NaN"):
        get_recipe("float").prepare(reference=target, prediction=np.full_like(pred, np.nan))


# --- scoring -----------------------------------------------------------------------------------------


def test_score_pair_structure_and_values():
    pred, target = _pair()
    scores = score_pair(reference=target, prediction=pred)
    assert list(scores) == ["paper", "float", "normalized"]
    assert all(list(m) == ["psnr", "ssim", "ms_ssim", "nrmse"] for m in scores.values())
    # float recipe = the plain metrics with data range 1 (reference first); paper = the 8-bit copies.
    assert scores["float"]["psnr"] == psnr(target, pred, data_range=1.0)
    q_pred, q_target = (np.clip(np.round(a * 255), 0, 255) for a in (pred, target))
    assert scores["paper"]["ssim"] == ssim(q_target, q_pred, data_range=255)


def test_score_batch_equals_score_pair_per_image():
    pred, target = _pair((3, 180, 180))
    batch = score_batch(reference=target, prediction=pred, recipes=("paper", "normalized"), metrics=("psnr", "nrmse"))
    for i in range(3):
        single = score_pair(
            reference=target[i], prediction=pred[i], recipes=("paper", "normalized"), metrics=("psnr", "nrmse")
        )
        for recipe, values in single.items():
            for metric, value in values.items():
                assert batch[recipe][metric].shape == (3,)
                assert batch[recipe][metric][i] == pytest.approx(value, abs=1e-12)
    # torch input gives the same numbers (bfloat16 too, widened exactly)
    bf16 = torch.from_numpy(pred).to(torch.bfloat16)
    widened = score_pair(
        reference=torch.from_numpy(target[0]), prediction=bf16[0], recipes=("float",), metrics=("psnr",)
    )
    assert widened["float"]["psnr"] == psnr(target[0], bf16[0].double().numpy(), data_range=1.0)
    torch_batch = score_batch(
        reference=torch.from_numpy(target), prediction=torch.from_numpy(pred), recipes=("paper",), metrics=("psnr",)
    )
    np.testing.assert_array_equal(torch_batch["paper"]["psnr"], batch["paper"]["psnr"])


def test_score_argument_errors():
    pred, target = _pair()
    with pytest.raises(UnknownNameError, match="Did you mean 'ssim'"):
        score_pair(reference=target, prediction=pred, metrics=("sssim",))
    with pytest.raises(UnknownNameError, match="niqe"):
        score_pair(reference=target, prediction=pred, metrics=("niqe",))
    with pytest.raises(InvalidArgumentError, match="sequence of names"):
        score_pair(reference=target, prediction=pred, recipes="paper")
    with pytest.raises(InvalidArgumentError, match="use score_batch"):
        score_pair(reference=target[None], prediction=pred[None])
    with pytest.raises(InvalidArgumentError, match="use score_pair"):
        score_batch(reference=target, prediction=pred)


def test_score_group_equals_score_batch_with_repeated_target():
    # score_group prepares the shared HR target once; the values must equal score_batch on the
    # explicitly repeated target (the independent reference here), for every recipe and metric, up to
    # the summation order of the normalized recipe's least-squares fit (dot products vs means: ~1e-15).
    from microsr_bench.metrics import score_batch, score_group

    rng = np.random.default_rng(7)
    target = np.clip(np.linspace(0, 1, 200 * 200).reshape(200, 200) + 0.05 * rng.standard_normal((200, 200)), 0, 1)
    predictions = np.clip(0.7 * target[None] + 0.1 + 0.05 * rng.standard_normal((3, 200, 200)), 0, 1)
    grouped = score_group(reference=target, predictions=predictions)
    batched = score_batch(reference=np.repeat(target[None], 3, axis=0), prediction=predictions)
    for recipe in batched:
        for metric in batched[recipe]:
            np.testing.assert_allclose(grouped[recipe][metric], batched[recipe][metric], rtol=1e-12, atol=1e-12)


def test_metrics_asked_together_have_the_bits_of_metrics_asked_alone():
    # The scorer asks for SSIM and MS-SSIM together and they then share one filtering
    # (ssim_and_ms_ssim); a record must not depend on which other metrics were scored beside a metric.
    from microsr_bench.metrics import score_group

    rng = np.random.default_rng(11)
    target = np.clip(np.linspace(0, 1, 200 * 200).reshape(200, 200) + 0.05 * rng.standard_normal((200, 200)), 0, 1)
    predictions = np.clip(0.8 * target[None] + 0.05 + 0.05 * rng.standard_normal((2, 200, 200)), 0, 1)
    together = score_group(reference=target, predictions=predictions)
    for metric in ("psnr", "ssim", "ms_ssim", "nrmse"):
        alone = score_group(reference=target, predictions=predictions, metrics=(metric,))
        for recipe in together:
            assert np.array_equal(alone[recipe][metric], together[recipe][metric]), (recipe, metric)


def test_score_group_shape_errors():
    from microsr_bench.metrics import score_group

    with pytest.raises(InvalidArgumentError, match=r"prepare_group needs predictions \(B, H, W\) and one target"):
        score_group(reference=np.zeros((21, 20)), predictions=np.zeros((2, 20, 20)))
    # The message names the shapes the caller passed, not the first frame's.
    with pytest.raises(InvalidArgumentError, match=r"got \(2, 20, 20\) and \(21, 20\)"):
        score_group(reference=np.zeros((21, 20)), predictions=np.zeros((2, 20, 20)))
    with pytest.raises(InvalidArgumentError, match=r"got \(20, 20\) and \(20, 20\)"):
        score_group(reference=np.zeros((20, 20)), predictions=np.zeros((20, 20)))


# --- crop_border -----------------------------------------------------------------------------------


def test_crop_border_equals_a_manual_crop_scored_by_scikit_image():
    # BasicSR's crop_border: cut c pixels from each side of both images, then score. Reference: the same
    # 8-bit quantisation (round half to even) of the manually cropped images, scored by scikit-image.
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    pred, target = _pair(shape=(64, 72), seed=4)
    scores = score_pair(reference=target, prediction=pred, recipes=("paper",), metrics=("psnr", "ssim"), crop_border=3)[
        "paper"
    ]
    p8, t8 = (np.clip(np.round(255 * a[3:-3, 3:-3]), 0, 255) for a in (pred, target))
    assert scores["psnr"] == pytest.approx(peak_signal_noise_ratio(t8, p8, data_range=255), abs=1e-9)
    ref = structural_similarity(t8, p8, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert scores["ssim"] == pytest.approx(ref, abs=1e-9)
    assert (
        scores["psnr"]
        != score_pair(reference=target, prediction=pred, recipes=("paper",), metrics=("psnr",))["paper"]["psnr"]
    )


def test_crop_border_in_groups_equals_batches():
    from microsr_bench.metrics import score_group

    rng = np.random.default_rng(1)
    target = rng.random((40, 40))
    preds = np.clip(target + 0.1 * rng.standard_normal((3, 40, 40)), 0, 1)
    metrics = ("psnr", "ssim", "nrmse")  # MS-SSIM needs 161 pixels a side
    group = score_group(reference=target, predictions=preds, metrics=metrics, crop_border=2)
    batch = score_batch(
        reference=np.broadcast_to(target, preds.shape).copy(), prediction=preds, metrics=metrics, crop_border=2
    )
    for recipe in group:
        for metric in group[recipe]:
            np.testing.assert_allclose(group[recipe][metric], batch[recipe][metric], rtol=1e-12)


@pytest.mark.parametrize(("crop", "match"), [(-1, "non-negative"), (1.5, "non-negative"), (20, "leaves nothing")])
def test_crop_border_errors(crop, match):
    pred, target = _pair(shape=(40, 40))
    with pytest.raises(InvalidArgumentError, match=match):
        score_pair(reference=target, prediction=pred, recipes=("paper",), metrics=("psnr",), crop_border=crop)


# --- argument roles (issue 11: reference first, keyword-only) ----------------------------------------


def test_scoring_functions_are_reference_first_and_keyword_only():
    import pytest

    from microsr_bench.errors import CallError

    pred, target = _pair((40, 40))
    target = 0.25 + 0.5 * target  # a narrower range than the noisy prediction's: the roles then matter
    # NRMSE divides by the reference's min-max range (scikit-image's normalized_root_mse, functional.py), so
    # the closed form rms(pred - target) / (max(target) - min(target)) is the expected number.
    expected = np.sqrt(np.mean((pred - target) ** 2)) / (target.max() - target.min())
    new = score_pair(reference=target, prediction=pred, recipes=("float",), metrics=("nrmse",))
    assert new["float"]["nrmse"] == pytest.approx(expected, rel=1e-12)
    swapped = score_pair(reference=pred, prediction=target, recipes=("float",), metrics=("nrmse",))
    assert swapped["float"]["nrmse"] != pytest.approx(expected, rel=1e-6)
    # The old (prediction, target) order still gives the same numbers for one release, with a warning.
    for call in (
        lambda: score_pair(pred, target, recipes=("float",), metrics=("nrmse",)),
        lambda: score_pair(prediction=pred, target=target, recipes=("float",), metrics=("nrmse",)),
        lambda: score_pair(pred, target=target, recipes=("float",), metrics=("nrmse",)),
    ):
        with pytest.warns(
            DeprecationWarning, match=r"score_pair\(prediction, target\) .* score_pair\(reference=target"
        ):
            assert call() == new
    with pytest.warns(DeprecationWarning, match=r"prepare\(prediction, target\) with the prediction first"):
        assert get_recipe("float").prepare(pred, target).target.tolist() == target.tolist()
    with pytest.warns(DeprecationWarning, match=r"score_group\(predictions, target\)"):
        old_group = score_group(pred[None], target, recipes=("float",), metrics=("nrmse",))
    assert old_group["float"]["nrmse"][0] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(CallError, match=r"score_batch\(\) needs reference=.*prediction missing"):
        score_batch(reference=target[None])
    with pytest.raises(CallError, match=r"mixed with keywords; call score_pair\(reference=hr, prediction=sr\)"):
        score_pair(pred, reference=target)


@pytest.mark.parametrize("crop_border", [0, 3])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_score_group_frames_have_the_bits_of_the_batch_path(crop_border, as_tensor):
    # score_group prepares and scores frames 1.. one per task on the metric threads; every value must equal
    # what the batch path gives (the whole group through prepare_group, then each metric function), and a
    # frame's scores must not depend on the other frames of its chunk (the scorer's chunks and shards).
    from microsr_bench.metrics import get_recipe, ms_ssim, nrmse, psnr, score_group, ssim

    rng = np.random.default_rng(12)
    target = np.clip(np.linspace(0, 1, 180 * 176).reshape(180, 176) + 0.05 * rng.standard_normal((180, 176)), 0, 1)
    predictions = np.clip(0.6 * target[None] + 0.2 + 0.05 * rng.standard_normal((5, 180, 176)), 0, 1.2)
    functions = {"psnr": psnr, "ssim": ssim, "ms_ssim": ms_ssim}
    pred_in = torch.from_numpy(predictions) if as_tensor else predictions
    grouped = score_group(reference=target, predictions=pred_in, crop_border=crop_border)
    for name, by_metric in grouped.items():
        pair = get_recipe(name, crop_border=crop_border).prepare_group(reference=target, predictions=predictions)
        for metric, values in by_metric.items():
            if metric == "nrmse":
                expected = nrmse(pair.target, pair.prediction)
            else:
                expected = functions[metric](pair.target, pair.prediction, data_range=pair.data_range)
            assert np.array_equal(values, expected), (name, metric)
    for k in range(len(predictions)):
        alone = score_group(reference=target, predictions=predictions[k : k + 1], crop_border=crop_border)
        for name in grouped:
            for metric in grouped[name]:
                assert alone[name][metric][0] == grouped[name][metric][k], (k, name, metric)


def test_score_group_names_a_bad_frame_after_the_first():
    from microsr_bench.metrics import score_group

    target = np.random.default_rng(0).random((40, 40))
    predictions = np.repeat(target[None], 4, axis=0)
    predictions[2, 5, 5] = np.nan
    with pytest.raises(InvalidArgumentError, match="NaN or infinite"):
        score_group(reference=target, predictions=predictions, metrics=("psnr", "ssim"))


def test_score_group_with_no_recipe_or_no_metric_returns_empty_results():
    from microsr_bench.metrics import score_group

    target = np.random.default_rng(1).random((30, 30))
    predictions = np.repeat(target[None], 3, axis=0)
    assert score_group(reference=target, predictions=predictions, recipes=()) == {}
    assert score_group(reference=target, predictions=predictions, metrics=()) == {
        "paper": {},
        "float": {},
        "normalized": {},
    }


def test_score_group_raises_the_public_error_for_images_too_small_for_ms_ssim():
    # Frames 1.. are scored without checks against a prepared reference; the first frame's public path
    # must still be the error the caller sees (MS-SSIM needs 161 pixels a side).
    from microsr_bench.metrics import score_group

    target = np.random.default_rng(2).random((40, 40))
    predictions = np.repeat(target[None], 4, axis=0)
    with pytest.raises(InvalidArgumentError, match="ms_ssim with 5 scales"):
        score_group(reference=target, predictions=predictions)
