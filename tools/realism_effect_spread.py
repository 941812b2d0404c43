"""Maintainer tool: how far each simulator-effect check of the realism report deviates, beside its tolerance.

    OMP_NUM_THREADS=1 python tools/realism_effect_spread.py            # all checks, ~3 min on one core
    python tools/realism_effect_spread.py --checks line_phase bleaching           # prints only

tests/realism/test_simulator_effects.py checks each simulator 2.0 effect on one field (NUC 0) against a closed
form; its tolerances must stand on more than that field. This tool runs the same checks
(tests/realism/effects.py) on every field each check names (NUC fields 0-5 for all of them, and MEM fields 0-2
for the line-profile, integrator and registration checks, whose comments name MEM) and writes, per check,
quantity and dataset, the largest deviation from the closed form, the tolerance and their ratio, to
docs/figures/realism_effect_spread.md; a second table runs the full-size (512 px) checks on 256 x 256 fields, to
show why the tests use 512. The fields are fixed (not drawn), so a rerun on the same code gives the
same numbers; six NUC fields keep the full run to a few minutes on one core (the 512 px checks take ~2 s each).
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, only tools/ is on sys.path; the checks live with the tests that assert them.
sys.path.insert(0, str(ROOT))

from tests.realism.effects import CHECKS, FULL_SIZE, SIDE, Check, Deviations  # noqa: E402

OUT = ROOT / "docs" / "figures" / "realism_effect_spread.md"
HEADER = (
    "| check | quantity | fields | max deviation | tolerance | tolerance / max | outside |",
    "|---|---|---|---|---|---|---|",
)


def _spans(indices: list[int]) -> str:
    """``[0, 1, 2, 4]`` as ``0-2, 4``."""
    parts: list[str] = []
    start = prev = indices[0]
    for i in [*indices[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start}-{prev}" if prev > start else f"{start}")
        if i is not None:
            start = prev = i
    return ", ".join(parts)


def _rows(name: str, check: Check, side: int | None = None) -> list[str]:
    """One table row per quantity and dataset of one check (errors of the report show as a failed field);
    ``side``: run a full-size check on fields of this HR side instead."""
    rows = []
    sized: Callable[..., Deviations] = check.measure  # the FULL_SIZE checks also take ``side``
    measure = check.measure if side is None else functools.partial(sized, side=side)
    label = name if side is None else f"{name} ({side} px)"
    for dataset, indices in check.fields:
        found: dict[int, dict[str, float]] = {}
        for index in indices:
            began = time.perf_counter()
            try:
                found[index] = measure(dataset, index)
            except (TypeError, ValueError, KeyError) as error:  # a statistic the report could not measure
                print(f"{name} {dataset} {index}: {type(error).__name__}: {error}", file=sys.stderr)
                found[index] = dict.fromkeys(check.limits, math.nan)
            shown = ", ".join(f"{q} {d:+.4g}" for q, d in found[index].items())
            print(f"{label} {dataset} {index} ({time.perf_counter() - began:.1f} s): {shown}", file=sys.stderr)
        for quantity, limit in check.limits.items():
            values = [found[i][quantity] for i in indices]
            outside = [i for i in indices if not limit.holds(found[i][quantity])]
            if limit.one_sided:  # a bound: the largest signed value is what comes near it
                top = max(values)
                cells = [f"{top:+.3g}", f"< {limit.tolerance:g}", "–"]
            else:
                top = max(abs(v) for v in values)
                ratio = limit.tolerance / top if top > 0 else math.inf
                cells = [f"{top:.3g}", f"{limit.tolerance:g}", "∞" if math.isinf(ratio) else f"{ratio:.1f}"]
            where = f"{dataset} {_spans(outside)}" if outside else "–"
            rows.append(
                f"| {label} | {quantity} | {dataset} {_spans(list(indices))} | " + " | ".join(cells) + f" | {where} |"
            )
    return rows


def table(names: list[str], side: int | None = None) -> str:
    """The Markdown table of the named checks (run on fields of HR side ``side`` instead, if given)."""
    lines = list(HEADER)
    for name in names:
        lines += _rows(name, CHECKS[name], side)
    return "\n".join(lines) + "\n"


SMALL_INTRO = (
    "\nThe checks the tests run on full-size 512 × 512 fields, run on 256 × 256 HR fields instead (same "
    "tolerances): the report's column segments and 4 × 4 registration tiles are sized for 512, and this table shows "
    "what a smaller field does to them.\n\n"
)


def page(body: str, seconds: float) -> str:
    return (
        "# Realism report: spread of the simulator-effect checks\n\n"
        "Generated by `OMP_NUM_THREADS=1 python tools/realism_effect_spread.py` "
        f"(this run: {seconds / 60:.1f} min); do not edit by hand. Each row: one quantity that "
        "`tests/realism/test_simulator_effects.py` asserts on NUC field 0, measured on every field listed, as "
        "the report's reading minus the closed form (`tests/realism/effects.py`). *max deviation* is the largest "
        "|deviation| over the fields; for a one-sided bound (tolerance `< t`) it is the largest signed value, which "
        "must stay below `t`. *outside* lists the fields on which the tolerance would fail (the test does not use "
        "them; see the test's comment).\n\n" + body
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", nargs="+", choices=sorted(CHECKS), help="run only these (default: all)")
    parser.add_argument(
        "--out",
        help=f"Markdown file to write, or - for stdout only (default: {OUT.relative_to(ROOT)}, or - with --checks)",
    )
    args = parser.parse_args()
    # A run of some checks only must not replace the committed table of all of them.
    args.out = args.out or ("-" if args.checks else str(OUT))
    names = args.checks or list(CHECKS)
    began = time.perf_counter()
    body = table(names)
    small = [n for n in names if n in FULL_SIZE]
    if small:
        body += SMALL_INTRO + table(small, SIDE)
    seconds = time.perf_counter() - began
    print(body)
    if args.out != "-":
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(out.suffix + ".partial")
        partial.write_text(page(body, seconds), encoding="utf-8")
        partial.replace(out)  # never a half-written table
        print(f"wrote {out} ({seconds:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
