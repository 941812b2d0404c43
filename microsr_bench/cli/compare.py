"""The ``microsr-bench compare`` command: a thin call into :func:`microsr_bench.scoring.compare.compare_files`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:+.4g}"


@click.command("compare")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap and Monte-Carlo draws.")
@click.option("--n-boot", type=int, default=2000, show_default=True, help="Paired bootstrap resamples.")
@click.option(
    "--n-resamples",
    type=int,
    default=100_000,
    show_default=True,
    help="Random sign vectors when there are more than 20 fields (exact enumeration up to 20).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def compare_cmd(a: Path, b: Path, seed: int, n_boot: int, n_resamples: int, as_json: bool) -> None:
    """Paired comparison A minus B over the test fields both were scored on.

    A and B are result JSON files (with their per-image CSV beside them when they predate per-field means)
    or leaderboard entries, on the same test data. For each sub-dataset, recipe and metric: the mean
    per-field difference, its 95 % t-interval and paired bootstrap interval, and the sign-flip permutation
    p-value (exact up to 20 fields).
    """
    from microsr_bench.scoring.compare import compare_files

    diffs = compare_files(a, b, n_boot=n_boot, n_resamples=n_resamples, seed=seed)
    if as_json:
        click.echo(json.dumps({"a": str(a), "b": str(b), "differences": [d.as_dict() for d in diffs]}, indent=2))
        return
    click.echo(f"A = {a}\nB = {b}\nA minus B over shared fields of view")
    header = (
        f"{'dataset':<8}{'metric':<22}{'fields':>7}{'A':>11}{'B':>11}{'A-B':>11} "
        f"{'95 % t-interval':>24}{'p':>9}  better"
    )
    click.echo(header)
    for d in diffs:
        interval = f"[{_fmt(d.ci95[0])}, {_fmt(d.ci95[1])}]"
        better = "A" if d.a_better else ("B" if d.mean_diff != 0 else "=")
        click.echo(
            f"{d.dataset:<8}{d.group + '/' + d.metric:<22}{d.n_fields:>7}{d.mean_a:>11.4g}{d.mean_b:>11.4g}"
            f"{_fmt(d.mean_diff):>11} {interval:>24}{d.p_value:>9.4f}  {better}"
        )
    methods = {d.p_method for d in diffs}
    click.echo(
        "p: two-sided sign-flip permutation test over fields ("
        + ", ".join(sorted(methods))
        + "); with G fields the smallest exact p is 2/2^G. Bootstrap intervals: --json."
    )
