"""Tables shaped like the paper's (Tables II-VI), a macro-average table, and few-shot and burst plots."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.imageio import atomic_write_text
from microsr_bench.scoring.record import SCHEMA_VERSION, SET_TYPE, json_safe, validate_result_set

SHOT_LABELS = {200: "200", 400: "400", 800: "800", None: "full"}
#: Few-shot levels of each axis, smallest first: the paper's pair-level ``shots``, or field-level ``fields``
#: (whole fields of view with all their frames; issue 13). ``None`` is the full training split on both.
AXIS_LEVELS: dict[str, tuple[int | None, ...]] = {"shots": (200, 400, 800, None), "fields": (2, 4, 8, None)}
METRICS = (("ssim", "SSIM", 3), ("psnr", "PSNR (dB)", 2))


def _find(records: Iterable[Mapping[str, Any]], method: str, protocol: str, dataset: str, **params: Any) -> Any:
    for r in records:
        if r["method"]["name"] != method or r["protocol"]["name"] != protocol or r["dataset"]["name"] != dataset:
            continue
        given = {**r["protocol"]["parameters"], "shots": r["shots"], "fields": r.get("fields")}
        # A field-level record has shots None like the full split: only a search for fields finds it.
        if all(given.get(k) == v for k, v in {"fields": None, **params}.items()):
            return r
    return None


def _cell(record: Mapping[str, Any] | None, metric: str, digits: int, recipe: str = "paper") -> str:
    if record is None:
        return "–"
    summary = record["metrics"][recipe][metric]
    if summary["mean"] is None:
        return "n/a"
    sem = summary.get("sem")
    return f"{summary['mean']:.{digits}f} ± {sem:.{digits}f}" if sem is not None else f"{summary['mean']:.{digits}f}"


def _shots_label(shots: int | None, record: Mapping[str, Any] | None) -> str:
    """``200 pairs`` on the canonical data; ``200 shots = 20 pairs`` where a reduced size scaled the level."""
    pairs = record.get("train_pairs") if record is not None else None
    if shots is None:
        return "full"
    if pairs is not None and pairs != shots:
        return f"{shots} shots = {pairs} pair{'s' if pairs != 1 else ''}"
    return f"{shots} pairs"


def _level_label(axis: str, level: int | None, record: Mapping[str, Any] | None) -> str:
    """``_shots_label`` on the shots axis; ``2 fields = 8 pairs`` on the fields axis."""
    if axis == "shots" or level is None:
        return _shots_label(level, record)
    pairs = record.get("train_pairs") if record is not None else None
    return f"{level} field{'s' if level != 1 else ''}" + (f" = {pairs} pairs" if pairs is not None else "")


def _axes(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The few-shot axes the records hold: ``fields`` only when a field-level record is there."""
    fields = any(r.get("fields") is not None for r in records)
    shots = any(r.get("shots") is not None for r in records) or not fields
    return [axis for axis, present in (("shots", shots), ("fields", fields)) if present]


def _levels(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, int | None]]:
    """(axis, level) rows of the tables, the full split once, last."""
    return [(a, level) for a in _axes(records) for level in AXIS_LEVELS[a] if level is not None] + [("shots", None)]


def _search(axis: str, level: int | None) -> dict[str, Any]:
    return {"shots": level} if axis == "shots" or level is None else {"fields": level}


def _row(label: str, record: Mapping[str, Any] | None) -> str:
    return f"| {label} | " + " | ".join(_cell(record, m, d) for m, _, d in METRICS) + " |"


def _ran(records: Sequence[Mapping[str, Any]], method: str) -> bool:
    """Whether the grid ran ``method`` at all: rows of methods left out (``--methods``) are not shown."""
    return any(r["method"]["name"] == method for r in records)


def _table(title: str, rows: list[str]) -> list[str]:
    if not rows:
        return []
    return [f"### {title}", "", "| model | " + " | ".join(t for _, t, _ in METRICS) + " |", "|---|---|---|", *rows, ""]


def _dataset_table(records: Sequence[Mapping[str, Any]], name: str, title: str) -> list[str]:
    rows: list[str] = []
    if _ran(records, "resrgan-b"):
        if name == "MITO":
            rows.append(_row("RESRGan-B (base: full MITO)", _find(records, "resrgan-b", "paired", "MITO", shots=None)))
        else:
            rows.append(_row("RESRGan-B (zero-shot from MITO)", _find(records, "resrgan-b", "zero_shot", name)))
        for axis, level in _levels(records):
            if name == "MITO" and level is None:
                continue
            record = _find(records, "resrgan-b", "paired", name, **_search(axis, level))
            short = "FULL" if level is None else (str(level // 100) if axis == "shots" else f"-F{level}")
            rows.append(_row(f"RESRGan-B{short} ({_level_label(axis, level, record)})", record))
    if _ran(records, "bicubic"):
        rows.append(_row("bicubic", _find(records, "bicubic", "paired", name)))
    if _ran(records, "bicubic-fit"):
        for axis, level in _levels(records):
            record = _find(records, "bicubic-fit", "paired", name, **_search(axis, level))
            rows.append(_row(f"bicubic-fit ({_level_label(axis, level, record)})", record))
    return _table(title, rows)


def _table_six(records: Sequence[Mapping[str, Any]], banner: str) -> list[str]:
    if not _ran(records, "resrgan-s"):
        return []
    rows = [
        _row(label, _find(records, "resrgan-s", "blind_synthetic", "MITO", degradation=degradation))
        for degradation, label in (
            ("realesrgan", "RESRGan-S (second-order pipeline)"),
            ("physics", "RESRGan-S (physics, calibrated)"),
        )
    ]
    if _ran(records, "resrgan-b"):
        rows.append(
            _row("RESRGan-B (real pairs, full MITO)", _find(records, "resrgan-b", "paired", "MITO", shots=None))
        )
    return _table(f"Table VI — MITO, synthetic versus real training pairs{banner}", rows)


def _macro_table(records: Sequence[Mapping[str, Any]], banner: str) -> list[str]:
    lines = [
        f"### Macro average over the sub-datasets{banner}",
        "",
        "| model | datasets | " + " | ".join(t for _, t, _ in METRICS) + " |",
        "|---|---|---|---|",
    ]
    rows: list[tuple[str, list[Mapping[str, Any]]]] = []
    for axis, level in _levels(records):
        for method in ("resrgan-b", "bicubic-fit"):
            found = [_find(records, method, "paired", n, **_search(axis, level)) for n in DATASET_NAMES]
            present = [r for r in found if r is not None]
            rows.append((f"{method} ({_level_label(axis, level, present[0] if present else None)})", present))
    rows.append(("bicubic", [r for n in DATASET_NAMES if (r := _find(records, "bicubic", "paired", n)) is not None]))
    for label, found in rows:
        if not found:
            continue
        cells = []
        for metric, _, digits in METRICS:
            means = [r["metrics"]["paper"][metric]["mean"] for r in found]
            sems = [r["metrics"]["paper"][metric]["sem"] for r in found]
            mean = sum(means) / len(means)
            sem = math.sqrt(sum(s**2 for s in sems)) / len(sems) if None not in sems else None
            cells.append(f"{mean:.{digits}f}" + (f" ± {sem:.{digits}f}" if sem is not None else ""))
        lines.append(f"| {label} | {len(found)} | " + " | ".join(cells) + " |")
    return [*lines, ""] if len(lines) > 4 else []


def _burst_table(records: Sequence[Mapping[str, Any]], banner: str) -> list[str]:
    ks = sorted({r["protocol"]["parameters"]["k"] for r in records if r["protocol"]["name"] == "burst"})
    if not ks:
        return []
    lines = [
        f"### Frame averaging: k LR frames of one field, then bicubic (paper PSNR, dB){banner}",
        "",
        "| dataset | " + " | ".join(f"k = {k}" for k in ks) + " |",
        "|---|" + "---|" * len(ks),
    ]
    for name in DATASET_NAMES:
        cells = [_cell(_find(records, f"frame-average-{k}", "burst", name, k=k), "psnr", 2) for k in ks]
        if any(c != "–" for c in cells):
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _interval(record: Mapping[str, Any] | None, metric: str) -> tuple[float, float, float] | None:
    if record is None:
        return None
    s = record["metrics"]["paper"][metric]
    if s["mean"] is None:
        return None
    low, high = s["ci95"]
    low = s["mean"] if low is None else low
    high = s["mean"] if high is None else high
    return s["mean"], s["mean"] - low, high - s["mean"]


def _fewshot_plot(records: Sequence[Mapping[str, Any]], path: Path, banner: str, axis: str = "shots") -> Path | None:
    """The few-shot curves on one axis; None (nothing drawn) when no record holds a level of that axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), layout="constrained")
    colors = [plt.get_cmap("tab10")(i) for i in range(len(DATASET_NAMES))]
    plotted = False
    for ax, (metric, title, _) in zip(axes, METRICS, strict=True):
        for color, name in zip(colors, DATASET_NAMES, strict=True):
            for method, style in (("resrgan-b", "-o"), ("bicubic-fit", "--s")):
                points = _fewshot_series(records, method, name, metric, axis)
                if not any(1 <= p[0] <= 3 for p in points):
                    continue  # zero-shot and full alone are no curve on this axis
                x = [p[0] for p in points]
                y = [p[1] for p in points]
                err = [[p[2] for p in points], [p[3] for p in points]]
                ax.errorbar(x, y, yerr=err, fmt=style, color=color, capsize=3, label=f"{name} {method}")
                plotted = True
        ax.set_xticks(range(5), ["zero-shot", *(_tick(records, level, axis) for level in AXIS_LEVELS[axis])])
        ax.set_xlabel("training pairs (shots)" if axis == "shots" else "training fields of view (all their frames)")
        ax.set_ylabel(f"{title}, paper recipe")
        ax.grid(alpha=0.3)
    if not plotted:
        plt.close(fig)
        return None
    # Below the panels, where it hides no point (inside an axis it covered the lowest curve).
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)
    against = "training pairs" if axis == "shots" else "training fields of view"
    fig.suptitle(f"Few-shot curves: test score against {against}, 95 % intervals{banner}", fontsize=11)
    return _save(fig, path)


SHOTS_ORDER: tuple[int | None, ...] = AXIS_LEVELS["shots"]


def _tick(records: Sequence[Mapping[str, Any]], shots: int | None, axis: str = "shots") -> str:
    """A level's tick label, with the real pair count underneath where a reduced size scaled it (or, on the
    fields axis, always: a field's frame count depends on the data size)."""
    wanted = (shots, None) if axis == "shots" or shots is None else (None, shots)  # (shots, fields) of the records
    pairs = {
        r.get("train_pairs")
        for r in records
        if r["protocol"]["name"] == "paired" and (r["shots"], r.get("fields")) == wanted
    }
    pairs.discard(None)
    level = SHOT_LABELS[shots] if axis == "shots" or shots is None else f"{shots} fields"
    if len(pairs) == 1 and (shots is None or axis == "fields" or pairs != {shots}):
        count = pairs.pop()
        return f"{level}\n({count} pair{'s' if count != 1 else ''})"
    return level


def _fewshot_series(
    records: Sequence[Mapping[str, Any]], method: str, name: str, metric: str, axis: str = "shots"
) -> list[tuple[int, float, float, float]]:
    """(x position, mean, lower error, upper error): x 0 is zero-shot, 1-4 are the axis' levels (200, 400, 800,
    full pairs, or 2, 4, 8, all fields)."""
    found: list[tuple[int, Mapping[str, Any] | None]] = []
    if method == "resrgan-b" and name != "MITO":
        found.append((0, _find(records, "resrgan-b", "zero_shot", name)))
    levels = enumerate(AXIS_LEVELS[axis], start=1)
    found += [(x, _find(records, method, "paired", name, **_search(axis, s))) for x, s in levels]
    series = []
    for x, record in found:
        interval = _interval(record, metric)
        if interval is not None:
            series.append((x, *interval))
    return series


def _burst_plot(records: Sequence[Mapping[str, Any]], path: Path, banner: str) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    plotted = False
    ks: set[int] = set()
    for ax, (metric, title, _) in zip(axes, METRICS, strict=True):
        for name in DATASET_NAMES:
            found: list[tuple[int, float, float, float]] = []
            for r in records:
                if r["protocol"]["name"] != "burst" or r["dataset"]["name"] != name:
                    continue
                interval = _interval(r, metric) if r["method"]["name"].startswith("frame-average") else None
                if interval is not None:
                    found.append((int(r["protocol"]["parameters"]["k"]), *interval))
            if not found:
                continue
            found.sort()
            ks.update(f[0] for f in found)
            ax.errorbar(
                [f[0] for f in found],
                [f[1] for f in found],
                yerr=[[f[2] for f in found], [f[3] for f in found]],
                fmt="-o",
                capsize=3,
                label=name,
            )
            plotted = True
        ax.set_xscale("log", base=2)
        ax.set_xlabel("LR frames averaged (k); frame rate divided by k")
        ax.set_ylabel(f"{title}, paper recipe")
        ax.grid(alpha=0.3)
    if not plotted:
        plt.close(fig)
        return None
    for ax in axes:  # plain frame counts (1, 2, 4, ...) rather than powers of two
        ax.set_xticks(sorted(ks), [str(k) for k in sorted(ks)])
        ax.minorticks_off()
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Frame averaging: quality against frames per output{banner}", fontsize=11)
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path


def write_report(
    records: Sequence[Mapping[str, Any]],
    out_dir: Path,
    *,
    budget: str,
    finished: tuple[int, int] | None = None,
    plots: bool = True,
) -> Path:
    """Write ``tables.md``, ``fewshot.png`` (and ``fewshot-fields.png`` when field-level records are there),
    ``burst.png`` and ``records.json`` into ``out_dir``.

    ``finished`` (jobs done, jobs in the grid) marks a report written while the grid still runs; without
    ``plots`` the plots already there are left as they are (and still linked).
    """
    if not records:
        raise ValueError("no records to report")
    banner = _banner(records[0]["dataset"], budget)
    lines = [f"# Reproduction of the paper's grid{banner}", "", *_preamble(records[0]["dataset"], budget, finished)]
    for k, name in enumerate(DATASET_NAMES, start=2):
        if any(r["dataset"]["name"] == name for r in records):
            lines += _dataset_table(records, name, f"Table {['II', 'III', 'IV', 'V'][k - 2]} — {name}{banner}")
    lines += _table_six(records, banner) + _macro_table(records, banner) + _burst_table(records, banner)
    figures = [out_dir / "fewshot.png", out_dir / "fewshot-fields.png", out_dir / "burst.png"]
    if plots:
        for axis, path in zip(AXIS_LEVELS, figures, strict=False):
            if _fewshot_plot(records, path, banner, axis) is None:
                path.unlink(missing_ok=True)  # a stale curve of an earlier run would be linked as if current
        _burst_plot(records, figures[2], banner)
    lines += [f"![{p.stem}]({p.name})" for p in figures if p.is_file()]
    result = json_safe(
        {"schema_version": SCHEMA_VERSION, "record_type": SET_TYPE, "records": list(records), "macro_average": None}
    )
    validate_result_set(result, where="reproduce records")
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "records.json", json.dumps(result, indent=1) + "\n")
    atomic_write_text(out_dir / "tables.md", "\n".join(lines) + "\n")
    return out_dir / "tables.md"


def _banner(dataset: Mapping[str, Any], budget: str) -> str:
    """The warning every title carries: simulated data, and for the tiny budget a smoke test."""
    banner = ""
    if budget == "tiny":
        banner += " — SMOKE TEST (budget tiny): the numbers are meaningless"
    if dataset["source"] == "simulated":
        banner += f" — SIMULATED data ({dataset['size']}), not comparable with the paper"
    return banner


def _preamble(dataset: Mapping[str, Any], budget: str, finished: tuple[int, int] | None) -> list[str]:
    lines = [
        f"Budget `{budget}`; data source `{dataset['source']}`, size `{dataset['size']}`; paper recipe "
        "(8-bit, as BasicSR/MATLAB); mean ± standard error over HR images (fields of view). Made by "
        "`microsr-bench reproduce`; records in `records.json`.",
        "",
    ]
    if budget == "tiny":
        lines += [
            "**Smoke test.** The `tiny` budget trains tiny networks for seconds on tiny data to check that the "
            "whole grid runs; its numbers say nothing about the methods. Use `--budget cpu` or `paper`.",
            "",
        ]
    if finished is not None and finished[0] < finished[1]:
        lines += [
            f"**Partial:** {finished[0]} of {finished[1]} jobs finished when this was written; the run goes on "
            "(or was stopped). Cells not yet computed show –. Plots may lag behind the tables.",
            "",
        ]
    return lines
