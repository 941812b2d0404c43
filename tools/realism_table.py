"""Maintainer tool: the Markdown table of realism reports for the docs (one row per report, i.e. per dataset).

    microsr-bench realism MITO --source simulated --split test --out realism/MITO   # and MPM, MEM, NUC
    python tools/realism_table.py realism/*/realism.json > table.md

Every number comes from the reports' ``summary`` (mean over fields, +- the standard deviation over fields
when there are several); a statistic a report could not measure shows as a dash. Paste the output into
docs/simulator.md or docs/realism.md together with the two commands above.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from microsr_bench.realism.report import load_report

#: (summary key, column header, format of the mean, multiplier): the columns of the table, in order.
COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("lr_gain", "gain (grey/e-)", "{:.1f}", 1.0),
    ("excess_noise_factor", "F", "{:.2f}", 1.0),
    ("lr_offset", "offset (grey)", "{:.1f}", 1.0),
    ("read_noise_e", "read noise (e-)", "{:.2f}", 1.0),
    ("dark_signal_e", "dark signal (e-)", "{:.2f}", 1.0),
    ("zero_fraction", "zeros (%)", "{:.2f}", 100.0),
    ("line_shift", "line shift (LR px)", "{:.2f}", 1.0),
    ("line_shift_slope", "line-shift slope (px/100 px)", "{:.2f}", 100.0),
    ("drift_speed", "drift (LR px/frame)", "{:.4f}", 1.0),
    ("hr_lr_scale", "HR/LR scale - 1 (%)", "{:+.2f}", 100.0),
    ("hr_lr_rotation_deg", "HR/LR rotation (deg)", "{:+.2f}", 1.0),
    ("hr_lr_residual_rms", "non-rigid residual (HR px)", "{:.2f}", 1.0),
    ("bleach_fraction", "bleaching (%)", "{:.1f}", 100.0),
    ("signal_scale", "e- per unit HR", "{:.2f}", 1.0),
)


def _cell(stat: Any, fmt: str, factor: float, key: str) -> str:
    if not isinstance(stat, dict) or stat.get("mean") is None:
        return "–"
    shift = -1.0 if key == "hr_lr_scale" else 0.0  # shown as a deviation from 1
    text = fmt.format((stat["mean"] + shift) * factor)
    if stat.get("sd") is not None:
        text += " ± " + fmt.replace("+", "").format(abs(stat["sd"] * factor))
    return text


def _vector(summary: dict[str, Any], key: str, index: int) -> str:
    values = summary.get(key)
    return f"{values[index]:+.3f}" if isinstance(values, list) and len(values) > index else "–"


def table(paths: list[Path]) -> str:
    """The Markdown table of the reports at ``paths`` (files or folders holding ``realism.json``)."""
    header = ["dataset", "source", "fields", *(c[1] for c in COLUMNS), "HR−LR shift dy, dx (HR px)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for path in paths:
        report = load_report(path)
        summary = report["summary"]
        cells = [report["dataset"], str(report["source"]), str(summary.get("fields", len(report["fields"])))]
        cells += [_cell(summary.get(key), fmt, factor, key) for key, _, fmt, factor in COLUMNS]
        cells.append(f"{_vector(summary, 'hr_lr_shift', 0)}, {_vector(summary, 'hr_lr_shift', 1)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path, help="realism.json files (or folders holding one)")
    args = parser.parse_args(argv)
    sys.stdout.write(table(args.reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
