"""The realism report's figure: photon transfer, drift, line shift, spectra, bleaching, noise correlation."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from microsr_bench.imageio import atomic_write_bytes

__all__ = ["render_report"]


def _ptc(ax: Any, fields: Mapping[str, Any]) -> None:
    for field in fields.values():
        ptc = field.get("ptc")
        if ptc:
            ax.plot(ptc["mean"], ptc["variance"], ".", ms=3)
    ax.set(title="photon transfer", xlabel="mean (grey)", ylabel="temporal variance (grey²)")


def _drift(ax: Any, fields: Mapping[str, Any]) -> None:
    for field in fields.values():
        path = field.get("drift_path")
        if path:
            p = np.asarray(path)
            ax.plot(p[:, 1], p[:, 0], lw=0.8)
    ax.set(title="drift over the burst", xlabel="dx (LR px)", ylabel="dy (LR px)")
    ax.invert_yaxis()


def _lines(ax: Any, fields: Mapping[str, Any]) -> None:
    for field in fields.values():
        if field.get("line_shift_segments"):
            ax.plot(field["line_shift_x"], field["line_shift_segments"], "o-", ms=3, lw=0.8)
    ax.set(title="line shift (odd - even) along the line", xlabel="x (LR px)", ylabel="shift (LR px)")


def _spectra(ax: Any, summary: Mapping[str, Any]) -> None:
    freq = summary.get("spectrum_freq")
    if freq and summary.get("hr_spectrum"):
        ax.semilogy(freq, np.maximum(summary["hr_spectrum"], 1e-12), label="HR")
    if freq and summary.get("lr_spectrum"):
        lr = summary["lr_spectrum"]
        ax.semilogy(freq[: len(lr)], np.maximum(lr, 1e-12), label="mean LR")
    ax.set(title="radial power spectrum (mean over fields)", xlabel="cycles per HR px", ylabel="power (grey²)")
    ax.legend()


def _bleach(ax: Any, fields: Mapping[str, Any]) -> None:
    for field in fields.values():
        signal = field.get("frame_signal")
        start = float(np.mean(signal[:5])) if signal else 0.0  # one frame alone is too noisy a reference
        if start > 0:
            ax.plot(np.asarray(signal) / start, lw=0.8)
    ax.set(title="bleaching", xlabel="frame", ylabel="signal / mean of the first 5 frames")


def _autocorr(ax: Any, fields: Mapping[str, Any]) -> None:
    rows = [f["fast_axis_autocorr"] for f in fields.values() if f.get("fast_axis_autocorr")]
    across = [f["slow_axis_autocorr"] for f in fields.values() if f.get("slow_axis_autocorr") is not None]
    if rows:
        lags = np.arange(1, len(rows[0]) + 1)
        ax.bar(lags, np.mean(rows, axis=0), width=0.6, label="along x (fast axis)")
    if across:
        ax.bar([0], [float(np.mean(across))], width=0.6, color="grey", label="lag 1 along y")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set(title="noise autocorrelation", xlabel="lag (LR px)", ylabel="correlation")
    ax.legend()


def render_report(report: Mapping[str, Any], path: Path) -> Path:
    """Six panels over all fields of the report, written atomically as a PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fields = report["fields"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    _ptc(axes[0, 0], fields)
    _drift(axes[0, 1], fields)
    _lines(axes[0, 2], fields)
    _spectra(axes[1, 0], report["summary"])
    _bleach(axes[1, 1], fields)
    _autocorr(axes[1, 2], fields)
    for ax in axes.ravel():
        if not ax.has_data():  # say so rather than leave an empty frame (e.g. bursts too short to measure)
            ax.text(0.5, 0.5, "not measured (see notes)", ha="center", va="center", transform=ax.transAxes)
    fig.suptitle(f"realism report: {report['dataset']}, {report['source']}, {len(fields)} field(s)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path
