"""summarize / macro_average / bootstrap_means against closed forms and hand computations."""

import math

import numpy as np
import pytest

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import PSNR_CAP_DB, default_cap, field_means, macro_average, summarize
from microsr_bench.metrics.aggregate import bootstrap_means

GROUP_VALUES = np.array([0.61, 0.72, 0.55, 0.80, 0.67, 0.59, 0.74, 0.70, 0.52, 0.77, 0.64, 0.69])


def _constant_groups(values, frames=5):
    """Every group's frames share one value: the bootstrap is then a bootstrap of the group values."""
    return np.repeat(values, frames), [f"f{g:03d}" for g in range(len(values)) for _ in range(frames)]


def test_se_by_hand_with_unequal_groups():
    # values a: 1 2 3, b: 4 5, c: 9 -> mean 24/6 = 4; group sums S = 6, 9, 9; sizes 3, 2, 1;
    # residual totals e = S - n * 4 = -6, 1, 5; SE^2 = G/(G-1) * sum e^2 / N^2 = 3/2 * 62 / 36.
    summary = summarize([1, 2, 3, 4, 5, 9], ["a", "a", "a", "b", "b", "c"])
    assert summary.mean == 4.0
    assert summary.sem == pytest.approx(math.sqrt(1.5 * 62 / 36), rel=1e-12)
    assert (summary.n_images, summary.n_groups, summary.n_capped) == (6, 3, 0)


def test_se_equal_groups_is_sd_of_group_means_over_sqrt_g():
    # With equal group sizes, CR1 reduces to std(group means, ddof=1) / sqrt(G) (closed form).
    rng = np.random.default_rng(0)
    values = rng.normal(size=(9, 4)).ravel()
    groups = np.repeat(np.arange(9), 4)
    expected = values.reshape(9, 4).mean(axis=1).std(ddof=1) / 3.0
    assert summarize(values, groups).sem == pytest.approx(expected, rel=1e-12)


def test_bootstrap_variance_converges_to_population_variance_over_g():
    # With constant values within groups, a replicate is the mean of G draws with replacement from the G
    # group values, so Var = sigma_pop^2 / G exactly (population variance, ddof=0). The Monte-Carlo standard
    # error of a sample variance from B replicates is Var * sqrt(2 / (B - 1) + kappa / B), with kappa the
    # excess kurtosis of the replicate mean (kappa of one draw divided by G); we allow 5 of them.
    values, groups = _constant_groups(GROUP_VALUES)
    n_boot, g = 20000, len(GROUP_VALUES)
    boot = bootstrap_means(values, groups, n_boot=n_boot, seed=7)
    centred = GROUP_VALUES - GROUP_VALUES.mean()
    sigma2 = np.mean(centred**2)
    kappa = (np.mean(centred**4) / sigma2**2 - 3) / g
    expected = sigma2 / g
    mc_error = expected * math.sqrt(2 / (n_boot - 1) + kappa / n_boot)
    assert abs(boot.var(ddof=1) - expected) <= 5 * mc_error
    # The replicates are centred on the sample mean: E[replicate] = mean of the group values.
    assert abs(boot.mean() - GROUP_VALUES.mean()) <= 5 * math.sqrt(expected / n_boot)


def test_interval_is_the_percentiles_of_the_replicates():
    values, groups = _constant_groups(GROUP_VALUES)
    summary = summarize(values, groups, n_boot=3000, seed=3)
    boot = bootstrap_means(values, groups, n_boot=3000, seed=3)
    assert summary.ci95_boot == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])), abs=0)
    assert summary.ci95_boot[0] < summary.mean < summary.ci95_boot[1]


def test_bootstrap_resamples_groups_not_frames():
    # Frames of one field identical: a frame bootstrap would shrink the interval by sqrt(frames); the group
    # bootstrap must not change when every group gains more (identical) frames.
    narrow = summarize(*_constant_groups(GROUP_VALUES, frames=2), seed=1)
    many = summarize(*_constant_groups(GROUP_VALUES, frames=50), seed=1)
    assert many.ci95_boot == pytest.approx(narrow.ci95_boot, abs=1e-12)
    assert many.ci95 == pytest.approx(narrow.ci95, abs=1e-12)
    assert many.sem == pytest.approx(narrow.sem, rel=1e-12)


def test_determinism_under_the_seed():
    values, groups = _constant_groups(GROUP_VALUES)
    assert summarize(values, groups, seed=11) == summarize(values, groups, seed=11)
    assert summarize(values, groups, seed=11).ci95_boot != summarize(values, groups, seed=12).ci95_boot
    # Group ids only matter as labels: shuffling the rows does not change the summary.
    order = np.random.default_rng(0).permutation(len(values))
    shuffled = summarize(values[order], [groups[i] for i in order], seed=11)
    assert shuffled.ci95_boot == pytest.approx(summarize(values, groups, seed=11).ci95_boot, abs=1e-12)


def test_single_group_gives_nan_sem_and_interval():
    # One HR image: nothing is known about the spread between fields of view; NaN, not a zero width.
    summary = summarize([30.0, 31.0, 32.0], ["only"] * 3)
    assert summary.mean == 31.0 and summary.n_groups == 1
    assert math.isnan(summary.sem)
    assert all(math.isnan(v) for v in summary.ci95 + summary.ci95_boot)
    assert summary.as_record()["sem"] is None and summary.as_record()["ci95"] == [None, None]
    assert summary.as_record()["ci95_boot"] == [None, None]


def test_infinite_psnr_is_capped_and_counted():
    # Mean of 30, cap 100 (was +inf) and 40, and of a finite 120 dB that is above the cap too.
    summary = summarize([30.0, math.inf, 40.0, 120.0], ["a", "a", "b", "b"], cap=PSNR_CAP_DB)
    assert summary.mean == pytest.approx((30 + 100 + 40 + 100) / 4)
    assert summary.n_capped == 2 and summary.cap == 100.0
    assert default_cap("psnr") == 100.0 and default_cap("ssim") is None
    with pytest.raises(InvalidArgumentError, match=r"\+inf.*cap=PSNR_CAP_DB"):
        summarize([30.0, math.inf], ["a", "b"])


@pytest.mark.parametrize(
    ("values", "groups", "kwargs", "match"),
    [
        ([1.0, math.nan], ["a", "b"], {}, "NaN"),
        ([1.0, -math.inf], ["a", "b"], {}, "-inf"),
        ([1.0, 2.0], ["a"], {}, "2 values but 1 group ids"),
        ([], [], {}, "non-empty"),
        ([[1.0]], ["a"], {}, "1-D"),
        ([1.0], ["a"], {"n_boot": 10}, "n_boot"),
        ([1.0], ["a"], {"seed": -1}, "seed"),
        ([1.0], ["a"], {"cap": math.inf}, "cap"),
    ],
)
def test_summarize_errors(values, groups, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        summarize(values, groups, **kwargs)


def _dataset(seed, n_groups, frames=10):
    rng = np.random.default_rng(seed)
    field = rng.normal(0.7, 0.05, n_groups)
    values = np.repeat(field, frames) + rng.normal(0, 0.01, n_groups * frames)
    return values, [f"{seed}/{g}" for g in range(n_groups) for _ in range(frames)]


def test_macro_average_mean_and_se():
    data = {"MITO": _dataset(0, 3), "MPM": _dataset(1, 24), "MEM": _dataset(2, 19), "NUC": _dataset(3, 18)}
    macro = macro_average(data)
    each = {name: summarize(*v) for name, v in data.items()}
    # Each dataset weighs 1/4 whatever its size; independent datasets: SE = sqrt(sum SE_d^2) / D.
    assert macro.mean == pytest.approx(np.mean([s.mean for s in each.values()]), rel=1e-12)
    assert macro.sem == pytest.approx(math.sqrt(sum(s.sem**2 for s in each.values())) / 4, rel=1e-12)
    assert macro.datasets == each
    assert macro.ci95[0] < macro.mean < macro.ci95[1]
    assert macro.as_record()["datasets"]["MITO"]["n_groups"] == 3


def test_macro_average_interval_width_and_order_independence():
    # Large G: the stratified bootstrap mean is near normal with Var = sum_d Var_d / D^2, Var_d the
    # bootstrap variance of dataset d (closed form sigma_pop^2 / G_d for constant groups): 95 % half-width
    # 1.96 sd, to within the Monte-Carlo and normal-approximation error (5 %).
    data = {"A": _constant_groups(GROUP_VALUES), "B": _constant_groups(np.linspace(0.4, 0.9, 40))}
    macro = macro_average(data, n_boot=20000, seed=5)
    var = sum(np.var(v) / len(v) for v in (GROUP_VALUES, np.linspace(0.4, 0.9, 40))) / 4
    half_width = (macro.ci95_boot[1] - macro.ci95_boot[0]) / 2
    assert half_width == pytest.approx(1.96 * math.sqrt(var), rel=0.05)
    reordered = macro_average({"B": data["B"], "A": data["A"]}, n_boot=20000, seed=5)
    assert (reordered.ci95_boot, reordered.ci95) == (macro.ci95_boot, macro.ci95)


def test_macro_of_one_dataset_equals_its_summary():
    values, groups = _dataset(4, 6)
    macro = macro_average({"X": (values, groups)}, seed=9)
    single = summarize(values, groups, seed=9)
    assert (macro.mean, macro.sem, macro.ci95_boot) == (single.mean, single.sem, single.ci95_boot)
    # One dataset: Satterthwaite's df = (v)^2 / (v^2 / (G - 1)) = G - 1, so the t-interval is the dataset's.
    assert macro.ci95 == pytest.approx(single.ci95, rel=1e-12)


def test_macro_with_a_single_field_dataset_is_nan():
    macro = macro_average({"A": _dataset(0, 5), "B": ([0.5, 0.6], ["x", "x"])})
    assert math.isnan(macro.sem) and all(math.isnan(v) for v in macro.ci95 + macro.ci95_boot)
    assert not math.isnan(macro.mean)


def test_macro_caps_and_errors():
    macro = macro_average({"A": ([30.0, math.inf], ["a", "b"]), "B": ([20.0, 25.0], ["c", "d"])}, cap=PSNR_CAP_DB)
    assert macro.n_capped == 1
    assert macro.mean == pytest.approx((65 + 22.5) / 2)
    with pytest.raises(InvalidArgumentError, match="no datasets"):
        macro_average({})
    with pytest.raises(InvalidArgumentError, match="n_boot"):
        macro_average({"A": ([1.0], ["a"])}, n_boot=0)


def test_t_interval_closed_form():
    # mean -/+ t_{G-1, 0.975} SE; t_{2, 0.975} = 4.302652729911275 (Student t table / SciPy).
    summary = summarize([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], ["a", "a", "a", "b", "b", "c"])
    low, high = summary.t_interval()
    assert high - summary.mean == pytest.approx(4.302652729911275 * summary.sem, rel=1e-9)
    assert summary.mean - low == pytest.approx(high - summary.mean, rel=1e-12)
    assert all(math.isnan(v) for v in summarize([1.0, 2.0], ["a", "a"]).t_interval())
    with pytest.raises(InvalidArgumentError, match="level"):
        summary.t_interval(1.5)


def test_ci95_is_the_t_interval():
    # Three fields with means 2, 4.5 and 9 (frames 1,2,3 | 4,5 | 9): CR1 SE from the module docstring;
    # ci95 = mean -/+ t_{2, 0.975} SE with t_{2, 0.975} = 4.302652729911275 (Student t table / SciPy).
    summary = summarize([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], ["a", "a", "a", "b", "b", "c"])
    half = 4.302652729911275 * summary.sem
    assert summary.ci95 == pytest.approx((summary.mean - half, summary.mean + half), rel=1e-9)
    assert summary.as_record()["ci95"] == pytest.approx([summary.mean - half, summary.mean + half], rel=1e-9)


def test_macro_t_interval_uses_satterthwaite_df():
    # Welch-Satterthwaite by hand: df = (v1 + v2)^2 / (v1^2 / (G1 - 1) + v2^2 / (G2 - 1)), v_d = SE_d^2.
    from scipy.stats import t as student_t

    data = {"A": _dataset(0, 3), "B": _dataset(1, 24)}
    macro = macro_average(data)
    a, b = (summarize(*data[k]) for k in ("A", "B"))
    v1, v2 = a.sem**2, b.sem**2
    df = (v1 + v2) ** 2 / (v1**2 / 2 + v2**2 / 23)
    half = student_t.ppf(0.975, df) * math.sqrt(v1 + v2) / 2
    assert macro.ci95 == pytest.approx((macro.mean - half, macro.mean + half), rel=1e-12)


def test_field_means_are_the_per_field_averages_after_capping():
    # Field a: (30 + 100) / 2 with +inf capped at 100; field b: (40 + 50) / 2.
    means = field_means([30.0, math.inf, 40.0, 50.0], ["a", "a", "b", "b"], cap=PSNR_CAP_DB)
    assert means == {"a": 65.0, "b": 45.0}
