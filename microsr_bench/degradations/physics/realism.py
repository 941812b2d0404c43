"""``calibrate_from_realism``: an :class:`LRCalibration` from the per-dataset means of a realism report."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from microsr_bench.degradations.physics.calibrate import check_max_value, excess_noise_factor_for
from microsr_bench.degradations.physics.calibration import LRCalibration
from microsr_bench.errors import InvalidArgumentError

__all__ = ["calibrate_from_realism"]


def _stat(summary: Mapping[str, Any], key: str) -> tuple[float | None, float | None, int]:
    """(mean, standard error, n) of a summary statistic; (None, None, 0) when not measured."""
    stat = summary.get(key)
    if not isinstance(stat, Mapping) or stat.get("mean") is None:
        return None, None, 0
    n = int(stat.get("n") or 1)
    sd = stat.get("sd")
    return float(stat["mean"]), (float(sd) / math.sqrt(n) if sd is not None else None), n


def calibrate_from_realism(
    report: Mapping[str, Any] | str | Path, *, excess_noise_factor: float | None = None
) -> LRCalibration:
    """An :class:`LRCalibration` from a realism report (``realism.json``, its folder, or the loaded dict).

    The report's per-dataset means (``summary``) give the photon transfer (``effective_gain``, the measured
    ``excess_noise_factor`` unless one is given here, offset, read noise), bleaching, the line shift (and its
    change along the line and spread over fields), the drift speed and the HR-to-LR signal map. Only
    measurements on stacks enter: this is how the physics degradation is calibrated on real data.
    """
    from microsr_bench.realism.report import load_report, validate_report

    if isinstance(report, Mapping):
        validate_report(report, "report")
        data = dict(report)
    else:
        data = load_report(report)
    summary = data["summary"]
    values = {k: _stat(summary, k) for k in ("effective_gain", "lr_offset", "read_noise", "bleach_fraction")}
    missing = [k for k, (mean, _, _) in values.items() if mean is None]
    if missing:
        raise InvalidArgumentError(
            f"the realism report has no {missing}: its bursts were too short or had no dark pixels (see the "
            "fields' notes). Measure bursts of at least 6 frames with some dark background."
        )
    measured_f = _stat(summary, "excess_noise_factor")[0]
    excess = excess_noise_factor_for(excess_noise_factor if excess_noise_factor is not None else measured_f, None)
    frames = [int(f["frames"]) for f in data["fields"].values() if isinstance(f.get("frames"), int)]
    fields = values["effective_gain"][2]
    return LRCalibration(
        max_value=check_max_value(int(data.get("max_value") or 4095)),
        effective_gain=float(values["effective_gain"][0]),  # type: ignore[arg-type]
        effective_gain_se=values["effective_gain"][1] or 0.0,
        offset=float(values["lr_offset"][0]),  # type: ignore[arg-type]
        offset_se=values["lr_offset"][1] or 0.0,
        read_noise=float(values["read_noise"][0]),  # type: ignore[arg-type]
        read_noise_se=values["read_noise"][1] or 0.0,
        excess_noise_factor=excess,
        ptc_intercept=0.0,  # not measured by the report: the PTC line is not fitted there
        ptc_intercept_se=0.0,
        ptc_reduced_chi2=1.0,
        bleach_fraction=float(values["bleach_fraction"][0]),  # type: ignore[arg-type]
        bleach_fraction_se=values["bleach_fraction"][1] or 0.0,
        frames=int(np.median(frames)) if frames else 100,
        stacks=max(fields, 1),
        pixels=max(fields, 1),
        dataset=data.get("dataset"),
        source=f"realism report: {data.get('source')}, {data.get('split')} split, {data.get('fingerprint')}",
        **_optional(summary),
    )


def _optional(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """The calibration's optional values from a report summary: line shift (as the calibration's sampling
    phase, ``-line_shift``) and its spread, signal map, line-shift slope and drift speed."""
    line, _, line_n = _stat(summary, "line_shift")
    line_sd = (summary.get("line_shift") or {}).get("sd")
    scale, scale_se, _ = _stat(summary, "signal_scale")
    zero, zero_se, _ = _stat(summary, "hr_zero_level")
    return {
        "line_phase_px": -line if line is not None else None,
        "line_phase_spread_px": math.sqrt(3.0) * float(line_sd) if line_sd is not None and line_n > 1 else None,
        "signal_scale": scale,
        "signal_scale_se": scale_se,
        "hr_zero_level": zero,
        "hr_zero_level_se": zero_se,
        "lr_grey_per_hr": _stat(summary, "lr_grey_per_hr")[0],
        "line_shift_slope": _stat(summary, "line_shift_slope")[0],
        "drift_speed": _stat(summary, "drift_speed")[0],
    }
