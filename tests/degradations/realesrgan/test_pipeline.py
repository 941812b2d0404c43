"""The whole Real-ESRGAN second-order pipeline: defaults, sampling law, outputs, seeding and errors."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from scipy import stats

import microsr_bench.degradations as degradations
from microsr_bench.degradations import SecondOrderConfig, SecondOrderDegradation, realesrgan_degrade_pair
from microsr_bench.errors import ConfigError, InvalidArgumentError

#: The degradation keys of xinntao/Real-ESRGAN options/train_realesrgan_x2plus.yml (commit 35ee6f7),
#: copied by value: what the defaults must equal.
OFFICIAL_X2 = {
    "scale": 2,
    "resize_prob": [0.2, 0.7, 0.1],
    "resize_range": [0.15, 1.5],
    "gaussian_noise_prob": 0.5,
    "noise_range": [1, 30],
    "poisson_scale_range": [0.05, 3],
    "gray_noise_prob": 0.4,
    "jpeg_range": [30, 95],
    "second_blur_prob": 0.8,
    "resize_prob2": [0.3, 0.4, 0.3],
    "resize_range2": [0.3, 1.2],
    "gaussian_noise_prob2": 0.5,
    "noise_range2": [1, 25],
    "poisson_scale_range2": [0.05, 2.5],
    "gray_noise_prob2": 0.4,
    "jpeg_range2": [30, 95],
    "blur_kernel_size": 21,
    "kernel_list": ["iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"],
    "kernel_prob": [0.45, 0.25, 0.12, 0.03, 0.12, 0.03],
    "sinc_prob": 0.1,
    "blur_sigma": [0.2, 3],
    "betag_range": [0.5, 4],
    "betap_range": [1, 2],
    "kernel_list2": ["iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"],
    "kernel_prob2": [0.45, 0.25, 0.12, 0.03, 0.12, 0.03],
    "sinc_prob2": 0.1,
    "blur_sigma2": [0.2, 1.5],
    "betag_range2": [0.5, 4],
    "betap_range2": [1, 2],
    "final_sinc_prob": 0.8,
}


def _cells(size: int = 128, batch: int = 2) -> torch.Tensor:
    """A small microscopy-like batch: bright Gaussian blobs on a dim background, in [0, 1]."""
    rng = np.random.default_rng(42)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.full((batch, size, size), 0.05)
    for b in range(batch):
        for cy, cx, r in rng.uniform([0, 0, 2], [size, size, 8], size=(12, 3)):
            images[b] += 0.6 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
    return torch.from_numpy(np.clip(images, 0, 1).astype(np.float32))[:, None]


def test_public_names_are_pinned() -> None:
    assert degradations.__all__ == sorted(degradations.__all__)
    assert set(degradations.__all__) == {
        "BicubicDegradation",
        "DegradationParams",
        "LRCalibration",
        "PhysicsDegradation",
        "PhysicsParams",
        "SecondOrderConfig",
        "SecondOrderDegradation",
        "StageParams",
        "calibrate",
        "calibrate_from_benchmark",
        "calibrate_from_realism",
        "physics_degrade_pair",
        "realesrgan_degrade_pair",
    }


def test_defaults_are_the_official_x2_settings() -> None:
    # Expected: the yml values above; hard-coded values from realesrgan_dataset.py / realesrgan_model.py.
    config = SecondOrderConfig()
    assert {k: v for k, v in config.to_dict().items() if k in OFFICIAL_X2} == OFFICIAL_X2
    assert config.kernel_range == tuple(2 * v + 1 for v in range(3, 11))
    assert config.usm_sharpen and config.quantize_output
    assert SecondOrderConfig.from_dict(OFFICIAL_X2) == config
    assert SecondOrderConfig.from_dict(config.to_dict()) == config


def test_output_shape_range_and_8bit_levels() -> None:
    hr = _cells()
    lr = SecondOrderDegradation()(hr, generator=0)
    assert lr.shape == (2, 1, 64, 64) and lr.dtype == torch.float32 and lr.device == hr.device
    assert float(lr.min()) >= 0.0 and float(lr.max()) <= 1.0
    # Official final step: clamp(round(255 out), 0, 255) / 255, so 255 * lr is integral.
    torch.testing.assert_close(lr * 255, (lr * 255).round(), rtol=0, atol=1e-4)
    assert SecondOrderDegradation()(hr.double(), generator=0).dtype == torch.float64


def test_diffjpeg_variant_runs_and_differs_from_libjpeg() -> None:
    # Same parameters, different JPEG tables: the outputs must differ but keep shape and range.
    hr = _cells()
    lib = SecondOrderDegradation(SecondOrderConfig(jpeg_variant="libjpeg"))(hr, generator=1)
    diff = SecondOrderDegradation()(hr, generator=1)  # the default reproduces the official DiffJPEG
    assert diff.shape == lib.shape and float(diff.min()) >= 0.0 and float(diff.max()) <= 1.0
    assert not torch.equal(lib, diff)


def test_without_quantisation_the_output_keeps_fine_levels() -> None:
    lr = SecondOrderDegradation(SecondOrderConfig(quantize_output=False))(_cells(), generator=0)
    assert float(((lr * 255) - (lr * 255).round()).abs().max()) > 1e-3
    assert float(lr.min()) >= 0.0 and float(lr.max()) <= 1.0


def test_same_seed_same_output_and_different_seed_different_output() -> None:
    degrade, hr = SecondOrderDegradation(), _cells()
    first = degrade(hr, generator=3)
    assert torch.equal(first, degrade(hr, generator=3))
    assert torch.equal(first, degrade(hr, generator=np.random.default_rng(3)))
    assert not torch.equal(first, degrade(hr, generator=4))
    params = degrade.sample_params(2, 3)
    assert torch.equal(first, degrade.apply(hr, params))


def test_global_generators_are_left_alone() -> None:
    # Seeding is explicit: NumPy's, Python's and torch's global generators must not move.
    np_state = np.random.get_state(legacy=False)  # noqa: NPY002 (the legacy global state is the point)
    py_state, torch_state = random.getstate(), torch.get_rng_state()
    SecondOrderDegradation()(_cells(), generator=11)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert np.array_equal(after["state"]["key"], np_state["state"]["key"])
    assert after["state"]["pos"] == np_state["state"]["pos"]
    assert random.getstate() == py_state and torch.equal(torch.get_rng_state(), torch_state)


def test_noise_free_settings_preserve_a_constant_image_exactly() -> None:
    # Closed form: kernels sum to 1 (reflect padding keeps a constant constant), resizing a constant gives
    # the constant, zero noise adds nothing, and JPEG at q100 of a constant k/255 is exact (DC-only blocks
    # with an integer coefficient 8 (k - 128)); so LR = k/255 everywhere.
    config = SecondOrderConfig(
        noise_range=(0.0, 0.0),
        noise_range2=(0.0, 0.0),
        poisson_scale_range=(0.0, 0.0),
        poisson_scale_range2=(0.0, 0.0),
        jpeg_range=(100.0, 100.0),
        jpeg_range2=(100.0, 100.0),
        jpeg_variant="libjpeg",  # DiffJPEG cannot take q = 100 (its scale factor 200 - 2q is 0)
    )
    hr = torch.full((3, 1, 96, 96), 100.0 / 255.0)
    for seed in range(3):
        lr = SecondOrderDegradation(config)(hr, generator=seed)
        torch.testing.assert_close(lr, torch.full((3, 1, 48, 48), 100.0 / 255.0), rtol=0, atol=1e-6)


def test_per_image_and_per_batch_parameters() -> None:
    # As in realesrgan_model.py: kernels, noise levels and JPEG qualities per image; resize, noise type,
    # second blur and final order per batch (scalars).
    params = SecondOrderDegradation().sample_params(5, 0)
    for stage in (params.stage1, params.stage2):
        assert len(stage.kernels) == 5
        assert stage.noise_level.shape == stage.gray_noise.shape == stage.jpeg_quality.shape == (5,)
        assert isinstance(stage.resize_factor, float) and stage.noise in ("gaussian", "poisson")
    assert len(params.final_kernels) == 5 and params.final_jpeg_quality.shape == (5,)
    assert params.stage1.blur is True


def _sample_many(n: int) -> list[degradations.DegradationParams]:
    degrade, rng = SecondOrderDegradation(), np.random.default_rng(99)
    return [degrade.sample_params(1, rng) for _ in range(n)]


def test_sampled_levels_qualities_and_factors_lie_in_their_ranges() -> None:
    # Ranges: train_realesrgan_x2plus.yml; resize factors split at 1 by direction (realesrgan_model.py).
    config = SecondOrderConfig()
    for p in _sample_many(600):
        for stage, second in ((p.stage1, False), (p.stage2, True)):
            suffix = "2" if second else ""
            key = "noise_range" if stage.noise == "gaussian" else "poisson_scale_range"
            low, high = getattr(config, key + suffix)
            assert low <= float(stage.noise_level[0]) <= high
            assert 30.0 <= float(stage.jpeg_quality[0]) <= 95.0
            r_low, r_high = getattr(config, "resize_range" + suffix)
            factor = stage.resize_factor
            expected_ok = {"up": 1.0 <= factor <= r_high, "down": r_low <= factor <= 1.0, "keep": factor == 1.0}
            assert expected_ok[stage.resize]
        assert 30.0 <= float(p.final_jpeg_quality[0]) <= 95.0


def test_batch_level_choices_follow_their_probabilities() -> None:
    # Chi-square (resize directions, 2 dof, 0.999 quantile 13.8) and binomial +-4 sd bounds (a correct
    # sampler fails with probability < 1e-3 over seeds; the seed is fixed).
    draws = _sample_many(1500)
    n = len(draws)
    for attr, probs in (("stage1", (0.2, 0.7, 0.1)), ("stage2", (0.3, 0.4, 0.3))):
        directions = [getattr(p, attr).resize for p in draws]
        observed = np.array([directions.count(d) for d in ("up", "down", "keep")])
        expected = n * np.array(probs)
        assert float(((observed - expected) ** 2 / expected).sum()) < stats.chi2.ppf(0.999, df=2)
    for count, prob in (
        (sum(p.stage1.noise == "gaussian" for p in draws), 0.5),
        (sum(p.stage2.noise == "gaussian" for p in draws), 0.5),
        (sum(p.stage2.blur for p in draws), 0.8),
        (sum(p.final_order == "resize_sinc_then_jpeg" for p in draws), 0.5),
        (sum(bool(p.stage1.gray_noise[0]) for p in draws), 0.4),
    ):
        assert abs(count - n * prob) < 4 * math.sqrt(n * prob * (1 - prob))


@pytest.mark.parametrize(("dtype", "max_value"), [(np.uint8, 255), (np.uint16, 4095), (np.uint16, 65535)])
def test_degrade_pair_keeps_dtype_and_range(dtype: type, max_value: int) -> None:
    hr: np.ndarray = np.round(_cells(128, 1)[0, 0].numpy() * max_value).astype(dtype)
    lr = realesrgan_degrade_pair(hr, max_value, seed=5)
    assert lr.dtype == dtype and lr.shape == (64, 64) and int(lr.max()) <= max_value
    # The LR carries the official 8-bit rounding: every value is round(k / 255 * max_value).
    allowed = np.round(np.arange(256) / 255.0 * max_value)
    assert np.isin(lr, allowed).all()
    np.testing.assert_array_equal(lr, realesrgan_degrade_pair(hr, max_value, seed=5))
    assert not np.array_equal(lr, realesrgan_degrade_pair(hr, max_value, seed=6))


@pytest.mark.gpu
def test_runs_on_cuda() -> None:
    if not torch.cuda.is_available():
        pytest.fail("marked gpu but CUDA is not available")
    hr = _cells().cuda()
    lr = SecondOrderDegradation()(hr, generator=0)
    assert lr.is_cuda and lr.shape == (2, 1, 64, 64)
    assert torch.equal(lr, SecondOrderDegradation()(hr, generator=0))


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"sinc_prob": 1.5}, r"sinc_prob must be a probability in \[0, 1\]; got 1.5"),
        ({"final_sinc_prob": True}, r"final_sinc_prob must be a probability"),
        ({"noise_range": (30, 1)}, r"noise_range must be a pair \(low, high\)"),
        ({"noise_range": (1, 2, 3)}, r"noise_range must be a pair"),
        ({"jpeg_range": (0, 95)}, r"jpeg_range must be a pair .*1 <= low <= high <= 100"),
        ({"resize_range": (1.2, 1.5)}, r"resize_range must be a range containing 1"),
        ({"betag_range2": (1.5, 4.0)}, r"betag_range2 must be a range containing 1"),
        ({"resize_prob": (0.5, 0.5, 0.5)}, r"resize_prob must be 3 non-negative probabilities summing to 1"),
        ({"kernel_prob": (0.5, 0.5)}, r"kernel_prob must be 6 non-negative probabilities"),
        ({"kernel_list": ("iso", "isotropic")}, r"kernel_list must be kernel families.*Did you mean"),
        ({"kernel_list2": ("iso", "iso"), "kernel_prob2": (0.5, 0.5)}, r"kernel_list2 must be a list of distinct"),
        ({"kernel_list": ()}, r"kernel_list must be a non-empty list"),
        ({"scale": 0}, r"scale must be a positive integer; got 0"),
        ({"blur_kernel_size": 20}, r"blur_kernel_size must be odd; got 20"),
        ({"kernel_range": (7, 8)}, r"kernel_range must be a non-empty list of odd integers"),
        ({"kernel_range": (7, 23)}, r"kernel_range must be .*blur_kernel_size=21"),
        ({"usm_sharpen": "yes"}, r"usm_sharpen must be True or False"),
        ({"jpeg_variant": "libjpg"}, r"jpeg_variant must be 'libjpeg' or 'diffjpeg'.*Did you mean 'libjpeg'"),
        ({"jpeg_variant": "diffjpeg", "jpeg_range2": (30, 100)}, r"jpeg_range must be below 100 with jpeg_var"),
    ],
)
def test_config_errors_name_the_field(overrides: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        SecondOrderConfig(**overrides)
    with pytest.raises(ConfigError, match=match):
        SecondOrderConfig.from_dict(overrides)


def test_from_dict_rejects_unknown_keys_and_non_mappings() -> None:
    with pytest.raises(ConfigError, match=r"Unknown SecondOrderConfig key\(s\) 'noise_rnage'.*'noise_range'"):
        SecondOrderConfig.from_dict({"noise_rnage": [1, 30]})
    with pytest.raises(ConfigError, match=r"expected a mapping of option names to values, got list"):
        SecondOrderConfig.from_dict([("noise_range", [1, 30])])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hr", "match"),
    [
        (np.zeros((1, 1, 128, 128), np.float32), r"hr must be a torch.Tensor"),
        (torch.zeros(1, 128, 128), r"shape \[B, 1, H, W\].*got dtype torch.float32, shape \(1, 128, 128\)"),
        (torch.zeros(1, 3, 128, 128), r"one channel"),
        (torch.zeros(1, 1, 128, 128, dtype=torch.uint8), r"float tensor"),
        (torch.zeros(1, 1, 64, 64), r"at least 74 .*got 64 x 64"),
        (torch.zeros(1, 1, 129, 128), r"multiples of scale=2"),
        (torch.full((1, 1, 128, 128), 1.5), r"values must lie in \[0, 1\]; got min 1.5, max 1.5"),
        (torch.full((1, 1, 128, 128), float("nan")), r"values must lie in \[0, 1\]"),
    ],
)
def test_input_errors(hr: object, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        SecondOrderDegradation()(hr, generator=0)  # type: ignore[arg-type]


def test_argument_errors() -> None:
    degrade = SecondOrderDegradation()
    with pytest.raises(InvalidArgumentError, match=r"generator must be a numpy.random.Generator or a non-negative"):
        degrade(_cells(), generator=-1)
    with pytest.raises(InvalidArgumentError, match=r"generator must be"):
        degrade.sample_params(1, "seed")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"batch_size must be a positive int; got 0"):
        degrade.sample_params(0, 0)
    with pytest.raises(InvalidArgumentError, match=r"params were drawn for a batch of 1 images but hr holds 2"):
        degrade.apply(_cells(), degrade.sample_params(1, 0))
    with pytest.raises(InvalidArgumentError, match=r"config must be a SecondOrderConfig or None; got dict"):
        SecondOrderDegradation({"scale": 2})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hr", "max_value", "match"),
    [
        (np.zeros((128, 128), np.float32), 255, r"2-D uint8 or uint16 numpy array; got ndarray float32"),
        (np.zeros((1, 128, 128), np.uint8), 255, r"2-D uint8 or uint16"),
        (np.zeros((128, 128), np.uint8), 300, r"max_value must be an int in \[1, 255\] for uint8"),
        (np.zeros((128, 128), np.uint16), 0, r"max_value must be an int in \[1, 65535\]"),
        (np.full((128, 128), 4096, np.uint16), 4095, r"values up to 4096, above max_value=4095"),
    ],
)
def test_degrade_pair_errors(hr: np.ndarray, max_value: int, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        realesrgan_degrade_pair(hr, max_value, seed=0)
