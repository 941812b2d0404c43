"""One field with every effect injected at once, the dataset report built from such fields, realism.json on
disk (atomic, checked on reading) and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError
from microsr_bench.realism import REALISM_FORMAT, build_report, load_report, measure_field, write_report

GAIN, OFFSET, READ = 40.0, 120.0, 6.0
DRIFT = (0.012, -0.02)  # LR px per frame
HR_SHIFT = (0.8, -0.5)  # HR px, HR relative to the mean LR frame
LINE = (0.4, 1.0)  # line shift at x = 0 and at the right edge, LR px
FRAMES, LR = 24, 96


def _field(synth, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A burst whose content drifts, whose odd lines are shifted by an amount growing along x, digitised by a
    PMT chain; and an HR image of the same content displaced by HR_SHIFT from the burst's mean position."""
    content = 12.0 * synth.blobs(2 * LR, 300, seed=10 + seed, radius=(2.0, 6.0))
    rng = np.random.default_rng(seed)

    def line(x: np.ndarray) -> np.ndarray:
        return LINE[0] + (LINE[1] - LINE[0]) * x / (LR - 1)

    frames = []
    for k in range(FRAMES):
        moved = synth.fourier_shift(content, 2 * DRIFT[0] * k, 2 * DRIFT[1] * k)
        photons = synth.shift_odd_lines(synth.block_mean(moved), line) + 0.02
        frames.append(synth.digitise(photons, rng, gain=GAIN, offset=OFFSET, read_noise=READ))
    middle = (FRAMES - 1) / 2
    hr = synth.fourier_shift(content, 2 * DRIFT[0] * middle + HR_SHIFT[0], 2 * DRIFT[1] * middle + HR_SHIFT[1])
    return np.stack(frames), np.rint(np.clip(hr, 0, None) * 300).astype(np.uint16)


@pytest.fixture(scope="module")
def field(synth) -> dict:
    stack, hr = _field(synth, 0)
    return measure_field(stack, hr, 4095)


def test_one_field_recovers_every_injected_effect(field: dict) -> None:
    # Tolerances: 4x the scatter over 8 seeds of this very field (24 frames of <= 12 photo-electrons), measured
    # with the same code: sd of the gain 0.6 grey/e-, offset 0.16 grey, read noise 0.07 grey, drift 0.0013 /
    # 0.0028 px/frame, segment line shifts 0.02-0.06 px, HR-LR shift 0.03 px, scale 0.0005, rotation 0.013 deg.
    assert field["lr_gain"] == pytest.approx(GAIN, rel=0.06)
    assert field["lr_offset"] == pytest.approx(OFFSET, abs=0.7)
    assert field["read_noise"] == pytest.approx(READ, rel=0.05)
    np.testing.assert_allclose(field["frame_drift"], DRIFT, atol=0.012)
    # The line shift grows from 0.4 to 1.0 px: the segments follow it; the whole-line value is a
    # content-weighted average (0.66 +- 0.014 over the seeds, against the plain mean 0.7).
    assert field["line_shift"] == pytest.approx(0.7, abs=0.1)
    expected = LINE[0] + (LINE[1] - LINE[0]) * np.asarray(field["line_shift_x"]) / (LR - 1)
    np.testing.assert_allclose(field["line_shift_segments"], expected, atol=0.25)
    assert field["line_shift_slope"] == pytest.approx((LINE[1] - LINE[0]) / (LR - 1), rel=0.5)
    # The mean LR frame averages even lines (not shifted) and odd lines (line_shift px to the right), so its
    # content sits half a line shift (LR px) = one line shift (HR px) to the right: HR relative to it is
    # HR_SHIFT minus that along x. A shift growing along the line also stretches the odd lines by
    # (1.0 - 0.4) / 95, the mean frame by half that along x only; the similarity fit spreads that over both
    # axes, so the HR reads smaller by a quarter of it.
    np.testing.assert_allclose(field["hr_lr_shift"], [HR_SHIFT[0], HR_SHIFT[1] - field["line_shift"]], atol=0.13)
    assert field["hr_lr_scale"] == pytest.approx(1 - (LINE[1] - LINE[0]) / (LR - 1) / 4, abs=0.002)
    assert field["hr_lr_rotation_deg"] == pytest.approx(0.0, abs=0.05)
    # No bleaching, F = 1 (a fixed charge per photo-electron), white noise: sd over the seeds 0.004, 0.017 and
    # 0.004-0.005. HR-to-LR map: HR grey = 300 x photo-electrons, so 4095 / 300 = 13.65 e- per unit HR
    # (sd 0.24), 13.65 x 40 grey (sd 3), zero at -0.02 / 13.65 (the LR's dark ground; sd 0.001).
    assert field["bleach_fraction"] == pytest.approx(0.0, abs=0.017)
    assert field["excess_noise_factor"] == pytest.approx(1.0, abs=0.07)
    np.testing.assert_allclose([*field["fast_axis_autocorr"], field["slow_axis_autocorr"]], 0.0, atol=0.02)
    assert field["signal_scale"] == pytest.approx(4095 / 300, rel=0.07)
    assert field["lr_grey_per_hr"] == pytest.approx(4095 / 300 * GAIN, abs=12.0)
    assert field["hr_zero_level"] == pytest.approx(-0.02 / (4095 / 300), abs=0.004)
    assert field["notes"] == []
    assert field["zero_fraction"] == 0.0 and field["frames"] == FRAMES


def test_report_summary_and_json_round_trip(synth, field: dict, tmp_path: Path) -> None:
    fields = [("MITO/f0000", *_field(synth, 0)), ("MITO/f0001", *_field(synth, 1))]
    report = build_report(fields, max_value=4095, dataset="MITO", source="synthetic", fingerprint="sha256:x")
    assert report["format"] == REALISM_FORMAT and set(report["fields"]) == {"MITO/f0000", "MITO/f0001"}
    assert report["fields"]["MITO/f0000"]["lr_gain"] == field["lr_gain"]  # deterministic
    gains = [f["lr_gain"] for f in report["fields"].values()]
    summary = report["summary"]["lr_gain"]
    assert summary["mean"] == pytest.approx(np.mean(gains)) and summary["n"] == 2
    assert summary["sd"] == pytest.approx(np.std(gains, ddof=1))
    assert report["summary"]["frame_drift"] == pytest.approx(
        np.mean([f["frame_drift"] for f in report["fields"].values()], axis=0).tolist()
    )
    path = write_report(report, tmp_path / "out")
    assert path.name == "realism.json" and (tmp_path / "out" / "realism.png").stat().st_size > 10_000
    assert load_report(tmp_path / "out") == json.loads(path.read_text())
    assert not list((tmp_path / "out").glob(".*tmp"))  # atomic writes leave no temporary file


def test_errors(synth, field: dict, tmp_path: Path) -> None:
    stack, hr = _field(synth, 0)
    with pytest.raises(InvalidArgumentError, match="integer array"):
        measure_field(stack.astype(np.float32), hr, 4095)
    with pytest.raises(InvalidArgumentError, match="at least 3 frames"):
        measure_field(stack[:2], hr, 4095)
    with pytest.raises(InvalidArgumentError, match=r"shape \(192, 192\)"):
        measure_field(stack, hr[:100], 4095)
    with pytest.raises(InvalidArgumentError, match="outside"):
        measure_field(stack, hr, 255)
    with pytest.raises(InvalidArgumentError, match="no fields"):
        build_report([], max_value=4095, dataset="MITO", source="x")
    with pytest.raises(NotFoundError, match="No realism report"):
        load_report(tmp_path)
    (tmp_path / "realism.json").write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_report(tmp_path)
    (tmp_path / "realism.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ConfigError, match="not a realism report of this version"):
        load_report(tmp_path)
    bad = {"format": REALISM_FORMAT, "dataset": "MITO", "source": "x", "fingerprint": None, "version": "0"}
    (tmp_path / "realism.json").write_text(json.dumps({**bad, "summary": {}, "fields": {"a": {"lr_gain": 1}}}))
    with pytest.raises(ConfigError, match=r"field 'a' lacks \['lr_offset'"):
        load_report(tmp_path)


def test_a_short_burst_reports_what_it_cannot_measure(synth) -> None:
    stack, hr = _field(synth, 0)
    short = measure_field(stack[:4], hr, 4095)
    assert short["lr_gain"] is None and short["lr_offset"] is None
    assert any("at least 6 frames" in note for note in short["notes"])
    assert short["frame_drift"] is not None and short["line_shift"] is not None
