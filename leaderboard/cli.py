"""The ``microsr-bench leaderboard`` commands (validate, build, submit): thin calls into the ``leaderboard`` package.

``leaderboard`` depends on ``microsr_bench``, never the other way round, so it is imported inside each command.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any, Literal

import click

from microsr_bench.cli.group import ErrorReportingGroup

_ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Leaderboard folder (entries/, README.md, site/); default: the one in this checkout.",
)


@click.group("leaderboard", cls=ErrorReportingGroup)
def leaderboard() -> None:
    """Leaderboard entries: check them, build the tables and page, submit results."""


@leaderboard.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_ROOT
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
def validate_cmd(ctx: click.Context, files: tuple[Path, ...], root: Path | None, as_json: bool) -> None:
    """Check every entry of the leaderboard against every rule (plus FILES, e.g. entries of a pull request)."""
    from leaderboard.entries import default_root, read_entry
    from leaderboard.validate import validate_entries

    root = root or default_root()
    inside = {p.resolve() for p in (root / "entries").glob("*/*.json")}
    extra = [(str(p), read_entry(p)) for p in files if p.resolve() not in inside]
    report = validate_entries(root, extra=extra)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        if not report.ok:
            ctx.exit(1)
        return
    report.raise_for_problems()
    counts = ", ".join(f"{board}: {n}" for board, n in report.counts.items())
    click.echo(
        f"All {sum(report.counts.values()) + len(extra)} entries are valid ({counts}; extra files: {len(extra)})."
    )


@leaderboard.command("build")
@_ROOT
@click.option("--check", is_flag=True, help="Write nothing; fail if README.md or site/index.html is out of date.")
@click.option("--quiet", is_flag=True, help="No summary.")
def build_cmd(root: Path | None, check: bool, quiet: bool) -> None:
    """Validate the entries, then render README.md (tables) and site/index.html (sortable page with plots)."""
    from leaderboard.builder import build

    result = build(root, check=check)
    if quiet:
        return
    if check:
        click.echo(f"{result.root}: README.md and site/index.html are up to date.")
    elif result.written:
        click.echo("Wrote " + ", ".join(str(p) for p in result.written))
    else:
        click.echo(f"{result.root}: nothing changed.")


def _seconds(value: float | None) -> float | None:
    """Refuse at the command line what validation would refuse later: NaN, infinities, negative or > 1 h."""
    if value is not None and not (math.isfinite(value) and 0 <= value <= 3600):
        raise click.BadParameter(
            f"expected a finite number of seconds per test image in [0, 3600], got {value!r}; give the measured "
            "time, or leave the option out to use the record's"
        )
    return value


def _metadata(metadata_file: Path | None, given: dict[str, Any]) -> dict[str, Any]:
    """The metadata file's keys, overridden by the options given on the command line."""
    from leaderboard.entries import read_entry

    data: dict[str, Any] = read_entry(metadata_file) if metadata_file is not None else {}
    return data | {k: v for k, v in given.items() if v is not None}


def _report(done: Any, dry_run: bool, as_json: bool) -> None:
    if as_json:
        payload = {"paths": list(done.paths), "written": [str(p) for p in done.written], "pr_url": done.pr_url}
        click.echo(json.dumps(payload | {"dry_run": dry_run}, indent=2))
    elif dry_run:
        click.echo(f"Valid: {len(done.paths)} entries would be added: " + ", ".join(done.paths))
    elif done.pr_url:
        click.echo(f"Opened a pull request with {len(done.paths)} entries: {done.pr_url}")
    else:
        click.echo(f"Wrote {len(done.written)} entries:")
        for path in done.written:
            click.echo(f"  {path}")
        click.echo("Next: `microsr-bench leaderboard build`, then open a pull request with the new files.")


@leaderboard.command("submit")
@click.argument("result", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Method name on the board, e.g. RESRGan-B (required).")
@click.option("--version", "method_version", help="Version of the method or its weights (required).")
@click.option("--description", help="One or two sentences on the method (required).")
@click.option("--training-data", help="What it was trained or pre-trained on (required).")
@click.option("--extra-data/--no-extra-data", default=None, help="Data beyond the benchmark's splits? (required)")
@click.option("--hardware", help="Hardware of the runtime, e.g. '1x NVIDIA A100' (required).")
@click.option("--license", "license_", help="Licence of code and weights, e.g. Apache-2.0 (required).")
@click.option("--code-url", help="Link to the code.")
@click.option("--weights-url", help="Link to the weights.")
@click.option("--paper-url", help="Link to a paper or report.")
@click.option("--contact", help="How to reach the authors (shown publicly).")
@click.option(
    "--seconds-per-image",
    type=float,
    callback=lambda ctx, param, value: _seconds(value),
    help="Runtime per test image, finite, 0 to 3600 (default: the record's).",
)
@click.option(
    "--metadata",
    "metadata_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file with the metadata keys; options given on the command line override it.",
)
@click.option(
    "--verified", is_flag=True, help="Maintainers only: you scored these numbers yourself (see `leaderboard verify`)."
)
@click.option("--verified-by", help="Who verified (with --verified); must be listed in verifiers.json.")
@click.option("--verified-how", type=click.Choice(["predictions", "code"]), default="predictions", show_default=True)
@click.option(
    "--board", type=click.Choice(["simulated", "real"]), help="Board you submit to; checked against the data."
)
@click.option("--hub", help="Open a pull request on this Hugging Face dataset repository instead of writing locally.")
@click.option("--dry-run", is_flag=True, help="Validate only; write and upload nothing.")
@_ROOT
@click.option("--json", "as_json", is_flag=True, help="Print the entries' paths (and PR URL) as JSON.")
def submit_cmd(
    result: Path,
    name: str | None,
    method_version: str | None,
    description: str | None,
    training_data: str | None,
    extra_data: bool | None,
    hardware: str | None,
    license_: str | None,
    code_url: str | None,
    weights_url: str | None,
    paper_url: str | None,
    contact: str | None,
    seconds_per_image: float | None,
    metadata_file: Path | None,
    verified: bool,
    verified_by: str | None,
    verified_how: Literal["predictions", "code"],
    board: Literal["simulated", "real"] | None,
    hub: str | None,
    dry_run: bool,
    root: Path | None,
    as_json: bool,
) -> None:
    """Turn RESULT (a result record or set from `score`/`evaluate`) into leaderboard entries and submit them.

    Metadata comes from --metadata FILE and/or the options; all required keys must be given by one of them.
    """
    from leaderboard.entries import Verification
    from leaderboard.submission import submit

    if verified != (verified_by is not None):
        raise click.UsageError("--verified and --verified-by go together (maintainers only).")
    given = {
        "method": name,
        "version": method_version,
        "description": description,
        "training_data": training_data,
        "extra_data": extra_data,
        "hardware": hardware,
        "license": license_,
        "code_url": code_url,
        "weights_url": weights_url,
        "paper_url": paper_url,
        "contact": contact,
        "seconds_per_image": seconds_per_image,
    }
    verification = Verification(verified_by, verified_how, date.today().isoformat()) if verified_by else None
    done = submit(
        result, _metadata(metadata_file, given), root=root, verified=verification, board=board, hub=hub, dry_run=dry_run
    )
    _report(done, dry_run, as_json)


@leaderboard.command("verify")
@click.argument("entries", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rescored",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The result set you produced yourself (score of the submitted predictions, or evaluate/reproduce).",
)
@click.option("--by", "by", required=True, help="Your name as listed in verifiers.json.")
@click.option("--how", type=click.Choice(["predictions", "code"]), default="predictions", show_default=True)
@click.option("--note", help="One line on how it was verified.")
@_ROOT
def verify_cmd(
    entries: tuple[Path, ...],
    rescored: Path,
    by: str,
    how: Literal["predictions", "code"],
    note: str | None,
    root: Path | None,
) -> None:
    """Maintainers: mark ENTRIES verified after your own re-scoring (--rescored) reproduced their numbers.

    Each entry's scored numbers must equal those of the re-scored record of the same method, protocol, dataset
    and shots; nothing is written unless all pass.
    """
    from leaderboard.verify import verify_entries

    written = verify_entries(list(entries), rescored, by=by, how=how, note=note, root=root)
    click.echo(f"Verified {len(written)} entries:")
    for path in written:
        click.echo(f"  {path}")
    click.echo("Next: `microsr-bench leaderboard build`, then commit.")
