"""Plain-text tables of result records, shaped like the paper's (mean ± standard error per metric).

The ± here is one (cluster-robust) standard error, as in the paper's tables; the leaderboard's ± is half the
width of the 95 % bootstrap interval, about twice as wide. Both the header and the legend say which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: What the ± of a cell is; said in the header so it is not read as the leaderboard's (half the 95 % interval).
PLUS_MINUS = "± one standard error (SE), not a 95 % interval"
LEGEND = (
    "± is one cluster-robust standard error over HR images (fields of view), as in the paper's tables; the "
    "leaderboard's ± is half the 95 % interval (about 2 SE). The 95 % intervals are in the JSON record."
)
_LABELS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "ms_ssim": "MS-SSIM", "nrmse": "NRMSE", "niqe": "NIQE"}
_DIGITS = {"psnr": (2, 3), "ssim": (3, 3), "ms_ssim": (3, 3), "nrmse": (4, 4), "niqe": (2, 3)}
_RECIPES = {
    "paper": "8-bit images, as the paper (BasicSR/MATLAB)",
    "float": "full precision, data range 1",
    "normalized": "target percentile-normalised, prediction affinely fitted",
    "no_reference": "no-reference",
    "micro": "MicroSSIM/MicroMS3IM, offsets and range-invariant factor fitted on the sub-dataset",
}


def _cell(summary: Mapping[str, Any] | None, metric: str) -> str:
    if not summary or summary.get("mean") is None:
        return "n/a"
    mean, sem = summary["mean"], summary.get("sem")
    digits, sem_digits = _DIGITS.get(metric, (3, 3))
    text = f"{mean:.{digits}f}"
    if sem is not None and math.isfinite(sem):
        text += f" ± {sem:.{sem_digits}f}"
    if summary.get("n_capped"):
        text += f" ({summary['n_capped']} capped)"
    return text


def format_table(records: Sequence[Mapping[str, Any]], macro: Mapping[str, Any] | None, *, simulated: bool) -> str:
    """One block per recipe: a row per sub-dataset (and the macro average), a column per metric."""
    if not records:
        return "(no records)"
    groups: dict[str, list[str]] = {}
    for record in records:
        for recipe, metrics in record["metrics"].items():
            groups.setdefault(recipe, list(metrics))
        if record.get("no_reference"):
            groups.setdefault("no_reference", list(record["no_reference"]))
    method = records[0]["method"]["name"]
    protocol = records[0]["protocol"]["name"]
    lines = [f"method {method}, protocol {protocol}, source {records[0]['dataset']['source']}"]
    if simulated:
        lines[0] += " - SIMULATED data: not comparable with results on the real data"
    lines.append(f"cells: mean {PLUS_MINUS}")
    for recipe, metric_names in groups.items():
        header = f"{'dataset':<8}{'images':>7}{'fields':>7}" + "".join(f"{_LABELS.get(m, m):>24}" for m in metric_names)
        lines += ["", f"recipe {recipe}: {_RECIPES.get(recipe, '')}", header]
        for record in records:
            source = record.get("no_reference", {}) if recipe == "no_reference" else record["metrics"][recipe]
            cells = "".join(f"{_cell(source.get(m), m):>24}" for m in metric_names)
            lines.append(f"{record['dataset']['name']:<8}{record['n_images']:>7}{record['n_fields']:>7}{cells}")
            if record.get("set_metrics") and recipe == next(iter(groups)):
                lines[-1] += "   " + ", ".join(f"{k} {v:.2f}" for k, v in record["set_metrics"].items())
        if macro and recipe in macro["metrics"]:
            cells = "".join(f"{_cell(macro['metrics'][recipe].get(m), m):>24}" for m in metric_names)
            lines.append(f"{'macro':<8}{'':>7}{'':>7}{cells}")
    lines += ["", LEGEND]
    return "\n".join(lines)
