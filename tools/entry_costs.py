"""What each leaderboard entry cost to make, read from its own record: training and model-forward time, in CPU hours.

Run: ``python tools/entry_costs.py [--board simulated]``. Writes ``docs/figures/entry_costs_<board>.md``.

Every number comes from the entry's record: ``method.parameters.fit_seconds`` (the wall time of ``fit``, which
``evaluate`` measures; absent for methods that do not train), ``runtime.seconds_per_image`` (the model forward
alone, batches of 8) times ``n_images``, and ``environment.cpu_count`` (the cores the run had). CPU hours are
wall time times those cores, an upper bound on what the run used: the machine's cores were shared with other
jobs while most entries were made, so wall times are longer than on a quiet machine. A record whose
``runtime.device`` is a GPU counts in GPU hours instead (wall time on one GPU; its host's cores are not added
as CPU hours). Data generation, reading, writing and scoring are not in the records and not counted here
(docs/performance.md times them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from microsr_bench.imageio import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]


def _curve_seconds(record: dict[str, Any]) -> float | None:
    """The training time of a run that ``evaluate`` reused: the curve run of the same method, data and budget.

    ``tools/training_curves.py`` trains with the ``cpu`` budget in a workdir that ``evaluate`` then finds, so the
    record's ``fit_seconds`` is only the loading; the curve's JSON holds the training's wall time.
    """
    params = record["method"].get("parameters") or {}
    name, size = record["method"]["name"], record["dataset"].get("size")
    path = ROOT / "docs" / "figures" / f"curve_{name}_{record['dataset']['name']}_{size}.json"
    if params.get("budget") != "cpu" or record.get("shots") is not None or not path.is_file():
        return None
    curve = json.loads(path.read_text())
    if curve.get("iterations") is not None or curve.get("budget") != "cpu":
        return None  # a curve run longer or shorter than the budget is not the run evaluate reused
    return float(curve["fit_seconds"])


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    record = entry["record"]
    params = record["method"].get("parameters") or {}
    fit = params.get("fit_seconds")
    trained = bool((params.get("training") or {}).get("iterations"))
    reused = trained and fit is not None and fit < 60 and _curve_seconds(record) is not None
    if reused:
        fit = _curve_seconds(record)
    spread = record.get("seed_spread")
    seeds = len(spread["seeds"]) if spread else 1
    runtime = record.get("runtime") or {}
    per_image = runtime.get("seconds_per_image")
    forward = per_image * record["n_images"] if per_image is not None else None
    cores = record["environment"].get("cpu_count") or 1
    on_gpu = str(runtime.get("device", "cpu")).startswith("cuda")
    # A record over several seeds holds the first seed's fit time and forward speed: every seed repeats both.
    wall = ((fit or 0.0) + (forward or 0.0)) * seeds
    return {
        "method": record["method"]["name"],
        "protocol": record["protocol"]["parameters"].get("id", record["protocol"]["name"]),
        "dataset": record["dataset"]["name"],
        "shots": "full" if record.get("shots") is None else record["shots"],
        "seeds": seeds,
        "fit_min": None if fit is None else fit / 60,
        "forward_s": per_image,
        "images": record["n_images"],
        "forward_min": None if forward is None else forward / 60,
        "cores": cores,
        "device": runtime.get("device_name", "cpu") if on_gpu else "cpu",
        "cpu_h": 0.0 if on_gpu else wall * cores / 3600,
        "gpu_h": wall / 3600 if on_gpu else 0.0,
        "learned": trained,
        "reused": reused,
    }


def _fmt(value: Any, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="simulated")
    parser.add_argument("--out", type=Path, default=None, help="default: docs/figures/entry_costs_<board>.md")
    args = parser.parse_args()
    files = sorted((ROOT / "leaderboard" / "entries" / args.board).glob("*.json"))
    rows = [_row(json.loads(f.read_text())) for f in files]
    rows.sort(key=lambda r: (-r["cpu_h"], -r["gpu_h"], r["method"], r["dataset"], str(r["shots"]), r["protocol"]))
    lines = [
        f"# What the {args.board} board's entries cost (`python tools/entry_costs.py --board {args.board}`)",
        "",
        "Read from each entry's record: training wall time (`fit`), model forward per test image, the cores of the",
        "run; CPU hours = (fit + forward) × seeds × cores, or GPU hours = (fit + forward) × seeds on one GPU for a",
        "record made on a GPU (its host's cores not counted). Data generation, I/O and scoring are not counted.",
        '"(curve run)": `evaluate` reused the training that `tools/training_curves.py` made with the same budget,',
        "and the fit time is that run's, from `docs/figures/curve_<method>_<dataset>_<size>.json`.",
        "",
        "| method | protocol | dataset | shots | seeds | fit (min) | forward (s/image) | test images | forward (min) "
        "| cores | device | CPU h | GPU h |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['protocol']} | {r['dataset']} | {r['shots']} | {r['seeds']} | "
            f"{_fmt(r['fit_min'], 1)}{' (curve run)' if r['reused'] else ''} | {_fmt(r['forward_s'], 4)} | "
            f"{r['images']} | {_fmt(r['forward_min'], 1)} | "
            f"{r['cores']} | {r['device']} | {r['cpu_h']:.3f} | {r['gpu_h']:.3f} |"
        )
    total = sum(r["cpu_h"] for r in rows)
    learned = sum(r["cpu_h"] for r in rows if r["learned"])
    gpu = sum(r["gpu_h"] for r in rows)
    lines += [
        "",
        f"{len(rows)} entries, {total:.2f} CPU hours in all, {learned:.2f} of them for trained networks; "
        f"{gpu:.2f} GPU hours ({sum(r['gpu_h'] > 0 for r in rows)} entries).",
    ]
    out = args.out or ROOT / "docs" / "figures" / f"entry_costs_{args.board}.md"
    atomic_write_text(out, "\n".join(lines) + "\n")
    print(f"wrote {out}: {len(rows)} entries, {total:.2f} CPU hours, {gpu:.2f} GPU hours")


if __name__ == "__main__":
    main()
