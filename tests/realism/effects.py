"""The simulator 2.0 effect checks of test_simulator_effects.py as functions, so a tool can run them on many fields.

Each check simulates one field twice, from a *quiet* field (every 2.0 effect off) with and without one effect,
runs the realism report's ``measure_field`` on both and returns ``{quantity: deviation}``: what the report read
minus what the closed form expects, one entry per asserted quantity. ``CHECKS`` pairs each with its tolerances
and the fields its spread is measured on; the tests assert the deviations of one field against the
tolerances, and ``tools/realism_effect_spread.py`` prints the largest deviation over all the fields beside each
tolerance (docs/figures/realism_effect_spread.md). The closed forms and why each is expected are explained in
the comment of the matching test.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from microsr_bench.realism import measure_field
from microsr_bench.simulate import (
    CalibrationParams,
    MotionParams,
    PmtParams,
    SimulationParams,
    VarietyParams,
    default_params,
    simulate_field,
)
from microsr_bench.simulate.live import build_live_model

#: HR side of most fields; the line-shift profile and the registration need the full 512 (see their tests).
SIDE, FULL, FRAMES, MAX_VALUE = 256, 512, 24, 4095
#: LR pixel (um), LR frame period (s) and LR dwell (us) of the 2.0 defaults (docs/simulator.md).
LR_PIXEL_UM, FRAME_S, LR_DWELL_US = 0.2, 0.05, 0.76
#: The amplifier's noise of the 2.0 defaults at the LR dwell (grey levels rms): 90 grey for 1 us, as 1/sqrt(dwell).
AMP_NOISE = 90.0 / math.sqrt(LR_DWELL_US)
QUIET_MOTION = MotionParams(stage_drift_um_per_s=0.0, focus_drift_um_per_s=0.0, deform_um_per_s=0.0)
QUIET_CAL = CalibrationParams(
    scale=0.0, scale_spread=0.0, rotation_deg=0.0, rotation_spread_deg=0.0, offset_um=(0.0, 0.0), offset_spread_um=0.0
)

Deviations = dict[str, float]


def quiet(name: str = "NUC") -> SimulationParams:
    """2.0 defaults with every effect off: no motion, calibration mismatch, line phase, integrator, haze,
    vignetting, variety, bleaching or dark counts. The LR offset is raised from 40 to 500 grey levels so that
    nothing clips at zero (clipping biases the photon transfer and the bleaching fit); the zero-fraction checks
    set it back. The amplifier noise stays on (the report's dark peak needs an electronic floor)."""
    base = default_params(name)
    if base.live is None:
        raise ValueError(f"default_params({name!r}) has no live part; the effect checks need simulator 2.0")
    live = dataclasses.replace(
        base.live,
        motion=QUIET_MOTION,
        calibration=QUIET_CAL,
        lr_chain=dataclasses.replace(
            base.live.lr_chain, integrator_tau_us=0.0, backward_gain_mismatch=0.0, line_shift_edge_px=0.0, offset=500.0
        ),
        optics=dataclasses.replace(base.live.optics, haze_fraction=0.0, vignetting=0.0),
        variety=VarietyParams(0.0, 0.0, 0.0),
    )
    scan = dataclasses.replace(base.lr_scan, line_phase_px=0.0, line_phase_spread_px=0.0, line_jitter_px=0.0)
    return dataclasses.replace(
        base,
        live=live,
        lr_scan=scan,
        stack=dataclasses.replace(base.stack, bleach_fraction=0.0),
        detector=dataclasses.replace(base.detector, dark_count_rate_hz=0.0),
    )


def with_live(params: SimulationParams, part: str, **changes: Any) -> SimulationParams:
    """``params`` with fields of ``live.<part>`` (``lr_chain``, ``motion``, ``calibration``) changed."""
    if params.live is None:
        raise ValueError("with_live needs simulator 2.0 parameters (params.live is None)")
    new = dataclasses.replace(getattr(params.live, part), **changes)
    return dataclasses.replace(params, live=dataclasses.replace(params.live, **{part: new}))


def simulate(params: SimulationParams, name: str = "NUC", index: int = 0, side: int = SIDE) -> Any:
    return simulate_field(
        name, index, hr_shape=(side, side), lr_shape=(side // 2, side // 2), frames=FRAMES, params=params
    )


@functools.lru_cache(maxsize=64)
def report(params: SimulationParams, name: str = "NUC", index: int = 0, side: int = SIDE) -> dict[str, Any]:
    """``measure_field`` of one simulated field; cached, so the quiet field is simulated once per field and size."""
    field = simulate(params, name, index, side)
    return measure_field(field.lr, field.hr, MAX_VALUE)


def pair(
    on: SimulationParams, *, off: SimulationParams | None = None, side: int = SIDE, name: str = "NUC", index: int = 0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report of the field with the effect off (``off``, default the quiet field) and on."""
    return report(quiet(name) if off is None else off, name, index, side), report(on, name, index, side)


def worst(deviation: ArrayLike) -> float:
    """The element of largest magnitude, sign kept: a vector is within ``atol`` when this one is."""
    values = np.asarray(deviation, dtype=np.float64).ravel()
    return float(values[int(np.argmax(np.abs(values)))])


def line_phase(name: str, index: int, side: int = FULL) -> Deviations:
    params = quiet(name)
    on = dataclasses.replace(params, lr_scan=dataclasses.replace(params.lr_scan, line_phase_px=1.5))
    off, lit = pair(on, side=side, name=name, index=index)
    return {"line_shift change (px)": lit["line_shift"] - off["line_shift"] - (-1.5)}


def segment_means(edge: float, width: int, segments: int = 4, margin: int = 6) -> np.ndarray:
    """Mean of ``edge (2u - 1)^2`` (the simulator's extra backward-line shift, u = (x + 0.5) / width) over the
    report's column segments: ``line_shift_profile``'s default max_shift 4 leaves a margin of 6 columns."""
    u = (np.arange(margin, width - margin) + 0.5) / width
    return np.array([float(np.mean(p)) for p in np.array_split(edge * (2 * u - 1) ** 2, segments)])


def _contrast(v: np.ndarray) -> float:
    """Outer segments minus inner ones: what a shift that grows towards the line's ends moves."""
    return float(0.5 * (v[0] + v[3]) - 0.5 * (v[1] + v[2]))


def line_shift_edge(name: str, index: int, side: int = FULL) -> Deviations:
    on = with_live(quiet(name), "lr_chain", line_shift_edge_px=2.0)
    off, lit = pair(on, side=side, name=name, index=index)
    moved = np.subtract(lit["line_shift_segments"], off["line_shift_segments"])
    return {
        "segment contrast change (px)": _contrast(moved) - _contrast(-segment_means(2.0, side // 2)),
        "largest segment change (px)": float(np.max(moved)),
        "line_shift_slope change (px/px)": lit["line_shift_slope"] - off["line_shift_slope"],
    }


def integrator(name: str, index: int) -> Deviations:
    a = math.exp(-LR_DWELL_US / 0.6)
    off, lit = pair(with_live(quiet(name), "lr_chain", integrator_tau_us=0.6), name=name, index=index)
    factor = (1 - a) / (1 + a)
    moved = lit["line_shift"] - off["line_shift"]
    delay = math.atan(a) / (math.pi / 2)  # phase delay per line direction at 0.25 cycles/px
    return {
        "fast_axis_autocorr off": worst(off["fast_axis_autocorr"]),
        "fast_axis_autocorr on - a^lag": worst(np.subtract(lit["fast_axis_autocorr"], [a, a**2, a**3])),
        "slow_axis_autocorr on": float(lit["slow_axis_autocorr"]),
        "effective_gain ratio (rel.)": lit["effective_gain"] / off["effective_gain"] / factor - 1.0,
        "read_noise ratio (rel.)": lit["read_noise"] / off["read_noise"] / math.sqrt(factor) - 1.0,
        "-2a/(1-a) - line_shift change (px)": -2 * a / (1 - a) - moved,
        "line_shift change + 2 delay(pi/2) (px)": moved - (-2 * delay),
    }


def amplifier_floor(name: str, index: int) -> Deviations:
    off, lit = pair(quiet(name), off=with_live(quiet(name), "lr_chain", amp_noise_grey_1us=0.0), name=name, index=index)
    return {
        "read_noise on (rel.)": lit["read_noise"] / AMP_NOISE - 1.0,
        "read_noise off (grey)": float(off["read_noise"]),
        "4 x read_noise_e off - on (e-)": 4 * off["read_noise_e"] - lit["read_noise_e"],
    }


def amplifier_zeros(name: str, index: int) -> Deviations:
    base = with_live(quiet(name), "lr_chain", offset=40.0)
    silent = with_live(base, "lr_chain", amp_noise_grey_1us=0.0)
    values = simulate(silent, name, index).lr.astype(np.float64)
    off, lit = pair(base, off=silent, name=name, index=index)
    expected = float(norm.cdf((0.5 - values) / AMP_NOISE).mean())
    return {"zero_fraction off": float(off["zero_fraction"]), "zero_fraction on": lit["zero_fraction"] - expected}


def dark_counts(name: str, index: int) -> Deviations:
    rate, lam = 2e5, 2e5 * 1e-6 * LR_DWELL_US
    pmt = PmtParams()

    def counting(params: SimulationParams) -> SimulationParams:
        return dataclasses.replace(params, detector=dataclasses.replace(params.detector, dark_count_rate_hz=rate))

    clipped = with_live(quiet(name), "lr_chain", offset=40.0)
    off, lit = pair(counting(clipped), off=clipped, name=name, index=index)
    zeros = lit["zero_fraction"] / off["zero_fraction"] - math.exp(-lam)
    off, lit = pair(counting(quiet(name)), name=name, index=index)
    g, f = pmt.grey_per_electron(780.0), pmt.excess_noise_factor(780.0)
    widening = 1.645 * (math.sqrt(AMP_NOISE**2 + f * g * g * lam) - AMP_NOISE) / math.sqrt(FRAMES) / g
    rise = lit["dark_signal_e"] - off["dark_signal_e"]
    return {
        "zero_fraction ratio - exp(-lambda)": zeros,
        "lambda - widening - dark_signal_e rise (e-)": lam - widening - rise,
        "dark_signal_e rise - lambda (e-)": rise - lam,
    }


def stage_drift(name: str, index: int) -> Deviations:
    on = with_live(quiet(name), "motion", stage_drift_um_per_s=0.4)
    off, lit = pair(on, name=name, index=index)
    velocity = build_live_model(name, index, (SIDE, SIDE), FRAMES, on).motion.drift_velocity
    expected = np.asarray(velocity) * FRAME_S / LR_PIXEL_UM
    return {
        "model drift speed (rel. to 0.1 px/frame)": float(np.hypot(*expected)) / 0.1 - 1.0,
        "frame_drift off (px/frame)": worst(off["frame_drift"]),
        "frame_drift on (px/frame)": worst(np.subtract(lit["frame_drift"], expected)),
    }


def calibration_offset(name: str, index: int, side: int = FULL) -> Deviations:
    off, lit = pair(with_live(quiet(name), "calibration", offset_um=(0.3, -0.2)), side=side, name=name, index=index)
    return {"hr_lr_shift change (HR px)": worst(np.subtract(lit["hr_lr_shift"], off["hr_lr_shift"]) - [3.0, -2.0])}


def calibration_scale(name: str, index: int, side: int = FULL) -> Deviations:
    off, lit = pair(with_live(quiet(name), "calibration", scale=0.02), side=side, name=name, index=index)
    return {
        "hr_lr_scale off - 1": off["hr_lr_scale"] - 1.0,
        "hr_lr_scale change": lit["hr_lr_scale"] - off["hr_lr_scale"] - 0.02,
    }


def calibration_rotation(name: str, index: int, side: int = FULL) -> Deviations:
    off, lit = pair(with_live(quiet(name), "calibration", rotation_deg=1.0), side=side, name=name, index=index)
    return {"hr_lr_rotation_deg change (deg)": lit["hr_lr_rotation_deg"] - off["hr_lr_rotation_deg"] - 1.0}


def bleaching(name: str, index: int) -> Deviations:
    base = quiet(name)
    on = dataclasses.replace(base, stack=dataclasses.replace(base.stack, bleach_fraction=0.3))
    off, lit = pair(on, name=name, index=index)
    return {"bleach_fraction off": float(off["bleach_fraction"]), "bleach_fraction on": lit["bleach_fraction"] - 0.3}


def pmt_voltage(name: str, index: int) -> Deviations:
    pmt = PmtParams()
    off, lit = pair(with_live(quiet(name), "lr_chain", hv_volts=700.0), name=name, index=index)

    def fg(volts: float) -> float:
        return pmt.excess_noise_factor(volts) * pmt.grey_per_electron(volts)

    return {
        "effective_gain ratio (rel.)": lit["effective_gain"] / off["effective_gain"] / (fg(700.0) / fg(780.0)) - 1.0,
        "lr_gain at 700 V (rel.)": lit["lr_gain"] / pmt.grey_per_electron(700.0) - 1.0,
        "lr_gain at 780 V (rel.)": off["lr_gain"] / pmt.grey_per_electron(780.0) - 1.0,
    }


@dataclasses.dataclass(frozen=True)
class Limit:
    """How far a deviation may go: within +-``tolerance`` or, for a bound, below it (``one_sided``)."""

    tolerance: float
    one_sided: bool = False

    def holds(self, deviation: float) -> bool:
        # A NaN (a statistic the report could not measure) fails both comparisons.
        return deviation < self.tolerance if self.one_sided else abs(deviation) <= self.tolerance


def _below(tolerance: float) -> Limit:
    return Limit(tolerance, one_sided=True)


@dataclasses.dataclass(frozen=True)
class Check:
    """One effect check: its measurement, a limit per quantity, and the fields its spread is measured on."""

    measure: Callable[[str, int], Deviations]
    limits: Mapping[str, Limit]
    #: (dataset, field indices) the tool runs the check on; the test runs it on NUC field 0 only.
    fields: tuple[tuple[str, tuple[int, ...]], ...]

    def failures(self, deviations: Deviations) -> list[str]:
        """The quantities outside their limit, each as one readable line; empty when all hold."""
        if set(deviations) != set(self.limits):
            raise KeyError(f"measured {sorted(deviations)}, limits for {sorted(self.limits)}: make them match")
        return [
            f"{q}: deviation {d:+.4g}, allowed {'<' if self.limits[q].one_sided else '+-'} {self.limits[q].tolerance}"
            for q, d in deviations.items()
            if not self.limits[q].holds(d)
        ]


NUC6 = (("NUC", tuple(range(6))),)
NUC_MEM = (("NUC", tuple(range(6))), ("MEM", (0, 1, 2)))

#: The checks run on full-size 512 x 512 fields (their ``side`` argument); the tool also runs them on 256 x 256.
FULL_SIZE = ("line_phase", "line_shift_edge", "calibration_offset", "calibration_scale", "calibration_rotation")

#: Every effect check by name (the test names them the same way); tolerances as in the tests.
CHECKS: dict[str, Check] = {
    "line_phase": Check(line_phase, {"line_shift change (px)": Limit(0.35)}, NUC6),
    "line_shift_edge": Check(
        line_shift_edge,
        {
            "segment contrast change (px)": Limit(0.3),
            "largest segment change (px)": _below(0.0),
            "line_shift_slope change (px/px)": Limit(0.005),
        },
        NUC_MEM,
    ),
    "integrator": Check(
        integrator,
        {
            "fast_axis_autocorr off": Limit(0.03),
            "fast_axis_autocorr on - a^lag": Limit(0.03),
            "slow_axis_autocorr on": Limit(0.03),
            "effective_gain ratio (rel.)": Limit(0.08),
            "read_noise ratio (rel.)": Limit(0.05),
            "-2a/(1-a) - line_shift change (px)": _below(0.1),
            "line_shift change + 2 delay(pi/2) (px)": _below(0.1),
        },
        NUC_MEM,
    ),
    "amplifier_floor": Check(
        amplifier_floor,
        {
            "read_noise on (rel.)": Limit(0.08),
            "read_noise off (grey)": _below(20.0),
            "4 x read_noise_e off - on (e-)": _below(0.0),
        },
        NUC6,
    ),
    "amplifier_zeros": Check(
        amplifier_zeros, {"zero_fraction off": Limit(0.0), "zero_fraction on": Limit(0.005)}, NUC6
    ),
    "dark_counts": Check(
        dark_counts,
        {
            "zero_fraction ratio - exp(-lambda)": Limit(0.03),
            "lambda - widening - dark_signal_e rise (e-)": _below(0.02),
            "dark_signal_e rise - lambda (e-)": _below(0.02),
        },
        NUC6,
    ),
    "stage_drift": Check(
        stage_drift,
        {
            "model drift speed (rel. to 0.1 px/frame)": Limit(1e-3),
            "frame_drift off (px/frame)": Limit(0.015),
            "frame_drift on (px/frame)": Limit(0.015),
        },
        NUC6,
    ),
    "calibration_offset": Check(calibration_offset, {"hr_lr_shift change (HR px)": Limit(0.2)}, NUC_MEM),
    "calibration_scale": Check(
        calibration_scale, {"hr_lr_scale off - 1": Limit(0.002), "hr_lr_scale change": Limit(0.002)}, NUC_MEM
    ),
    "calibration_rotation": Check(calibration_rotation, {"hr_lr_rotation_deg change (deg)": Limit(0.1)}, NUC_MEM),
    "bleaching": Check(bleaching, {"bleach_fraction off": Limit(0.02), "bleach_fraction on": Limit(0.02)}, NUC6),
    "pmt_voltage": Check(
        pmt_voltage,
        {
            "effective_gain ratio (rel.)": Limit(0.05),
            "lr_gain at 700 V (rel.)": Limit(0.14),
            "lr_gain at 780 V (rel.)": Limit(0.14),
        },
        NUC6,
    ),
}
