"""The leaderboard's rules: every entry is checked against all of them before it is written, built or merged.

Each problem names the file, the rule (in brackets, as listed in ``RULES`` and docs/leaderboard.md), what
was expected, what came, and how to fix it. All problems are gathered, never only the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from leaderboard.canonical import canonical_fingerprint, real_fingerprints, simulated_fingerprints
from leaderboard.checks import number_problems, protocol_problems, text_problems
from leaderboard.entries import (
    BOARD_OF_SOURCE,
    BOARDS,
    PROTOCOLS,
    Board,
    entry_filename,
    entry_key,
    load_entries,
)
from leaderboard.verifiers import verification_problems, verifiers
from microsr_bench import __version__
from microsr_bench.errors import RecordError, SubmissionError
from microsr_bench.registry import did_you_mean

__all__ = ["PRIMARY_METRICS", "RULES", "ValidationReport", "check_entries", "entry_problems", "validate_entries"]

#: Metrics every entry must carry with a mean: the boards rank by the first (the paper's PSNR and SSIM).
PRIMARY_METRICS: tuple[tuple[str, str], ...] = (("paper", "psnr"), ("paper", "ssim"))

#: The rules, by the name that appears in brackets in every problem.
RULES: dict[str, str] = {
    "schema": "the entry validates against leaderboard/schemas/entry.schema.json (the record against the "
    "result-record schema)",
    "board": "the entry's board matches its record's data source (simulated -> simulated; folder, hub -> real) "
    "and the folder it sits in",
    "canonical": "the record was scored on the test split of the full, canonical data (no small/tiny or "
    "non-canonical data)",
    "fingerprint": "the record's test fingerprint equals the board's canonical one for that sub-dataset",
    "text": "no text in the entry holds a control character (newline, carriage return, tab, ...); free-text "
    "fields have a pattern and a length limit",
    "protocol": "the protocol is one the leaderboard ranks ("
    + ", ".join(PROTOCOLS)
    + "), its parameters are the protocol's own, and the stored id equals the id they give",
    "metrics": "every metric is registered and within its range, intervals contain the mean, and the primary "
    "metrics (" + ", ".join("/".join(m) for m in PRIMARY_METRICS) + ") have a mean",
    "numbers": "every number is finite and possible: metric means, intervals and standard errors within the "
    "metric's range (PSNR within the scorer's cap), counts equal to the canonical test split's, training pairs "
    "within the declared shots, max_value equal to the dataset card's, runtimes in [0, 3600] s",
    "library_version": "the record states the microsr-bench version that scored it (a PEP 440 version, not newer "
    "than the installed one)",
    "verified": "a verified entry names a verifier listed in verifiers.json and carries the digest of exactly "
    "its numbers, as the maintainers' tool wrote it",
    "duplicate": "at most one entry per (method, version, protocol, dataset, shots) on a board",
    "filename": "the file is named <method>--<version>--<protocol>--<dataset>--<shots>.json",
}

_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?(\+[A-Za-z0-9.]+)?$")


@cache
def entry_schema() -> dict[str, Any]:
    """The shipped JSON Schema of an entry."""
    text = resources.files("leaderboard").joinpath("schemas/entry.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    import jsonschema
    from referencing import Registry, Resource

    from microsr_bench.scoring.record import load_schema

    record = Resource.from_contents(load_schema("result-record"))
    registry = Registry().with_resource("result-record-1.json", record)
    schema = entry_schema()
    registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


def _schema_problems(entry: Mapping[str, Any], where: str) -> list[str]:
    errors = sorted(_validator().iter_errors(entry), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{where}: [schema] {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]


def _metric_problems(record: Mapping[str, Any], where: str) -> list[str]:
    from microsr_bench.scoring.record import validate_record

    try:
        validate_record(record, where="record")
    except RecordError as exc:
        problems = [f"{where}: [metrics] {p}" for p in exc.problems]
    else:
        problems = []
    for recipe, metric in PRIMARY_METRICS:
        if record["metrics"].get(recipe, {}).get(metric, {}).get("mean") is None:
            problems.append(
                f"{where}: [metrics] no mean for {recipe}/{metric}, which the boards rank by; score with the "
                "default recipes (microsr-bench score) so the record has it"
            )
    return problems


def _data_problems(entry: Mapping[str, Any], where: str, root: Path) -> list[str]:
    record, problems = entry["record"], []
    data = record["dataset"]
    expected_board = BOARD_OF_SOURCE[data["source"]]
    if entry["board"] != expected_board:
        problems.append(
            f"{where}: [board] the record was scored on {data['source']!r} data, which belongs on the "
            f"{expected_board!r} board, but the entry says {entry['board']!r}; simulated and real results never "
            f"mix: submit it to the {expected_board!r} board"
        )
    if data["split"] != "test" or data["size"] != "full" or not data["canonical"]:
        problems.append(
            f"{where}: [canonical] expected the test split of the full canonical data, got split "
            f"{data['split']!r}, size {data['size']!r}, canonical {data['canonical']}; score the full test split "
            "(size='full') of unmodified data"
        )
    board: Board = expected_board
    wanted = canonical_fingerprint(board, data["name"], root=root)
    if wanted is None:
        where_from = "the frozen simulated manifest" if board == "simulated" else "canonical_real.json"
        problems.append(
            f"{where}: [fingerprint] no canonical {board} test fingerprint is known for {data['name']} "
            f"({where_from} has none); {board} entries for it cannot be accepted until it is published"
        )
    elif board == "real" and data["fingerprint"] in simulated_fingerprints():
        problems.append(
            f"{where}: [fingerprint] test fingerprint {data['fingerprint']} is the canonical simulated one of "
            f"{simulated_fingerprints()[data['fingerprint']]}, but the record says source {data['source']!r}: "
            "simulated results go on the simulated board (source 'simulated'), never on the real one"
        )
    elif data["fingerprint"] != wanted:
        problems.append(
            f"{where}: [fingerprint] test fingerprint {data['fingerprint']} is not the canonical {wanted} of "
            f"{data['name']} on the {board} board; score on the canonical test data (`microsr-bench prepare` "
            "prints the test fingerprint of the data it prepares)"
        )
    return problems


def _release(version: str) -> tuple[int, ...]:
    """The release numbers of a PEP 440 version, trailing zeros dropped (``0.1.0rc1`` -> ``(0, 1)``)."""
    match = re.match(r"[0-9]+(\.[0-9]+)*", version)
    numbers = [int(n) for n in match.group(0).split(".")] if match else []
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def _version_problems(record: Mapping[str, Any], where: str) -> list[str]:
    version = record["library_version"]
    if not _VERSION.match(version) or version.startswith("0+") or version.startswith("0.0.0"):
        return [
            f"{where}: [library_version] library_version {version!r} is not a released microsr-bench version "
            "(PEP 440, e.g. '0.1.0'); score with an installed release"
        ]
    if _release(version) > _release(__version__):
        return [
            f"{where}: [library_version] library_version {version!r} is newer than the installed microsr-bench "
            f"{__version__}; no such release exists here: upgrade microsr-bench to validate, or score with a release"
        ]
    return []


def _protocol_name_problems(record: Mapping[str, Any], where: str) -> list[str]:
    protocol = record["protocol"]["name"]
    if protocol == "unspecified":
        return [
            f"{where}: [protocol] the record does not say which protocol produced it; score again with "
            f"`microsr-bench score --protocol NAME` (one of {', '.join(PROTOCOLS)}) or use `microsr-bench evaluate`"
        ]
    if protocol not in PROTOCOLS:
        return [
            f"{where}: [protocol] unknown protocol {protocol!r}; the boards rank {', '.join(PROTOCOLS)}."
            + did_you_mean(protocol, list(PROTOCOLS))
        ]
    return protocol_problems(record, where)


def entry_problems(
    entry: Mapping[str, Any],
    *,
    root: Path,
    where: str = "entry",
    folder: str | None = None,
    name: str | None = None,
    allowed: tuple[str, ...] | None = None,
) -> list[str]:
    """Every rule except ``duplicate`` (which needs the other entries); ``folder``/``name`` are where it lies.

    ``allowed`` is the verifiers' allow-list (read from ``<root>/verifiers.json`` when None).
    """
    problems = text_problems(entry, where) + _schema_problems(entry, where)
    if problems:
        return problems  # the other rules read fields the schema guarantees
    record = entry["record"]
    problems = _data_problems(entry, where, root)
    if folder is not None and folder != entry["board"]:
        problems.append(
            f"{where}: [board] the entry is for the {entry['board']!r} board but sits in entries/{folder}/; move "
            f"it to entries/{entry['board']}/"
        )
    problems += _protocol_name_problems(record, where)
    numbers = number_problems(entry, where)
    problems += numbers
    if not numbers:  # the registry's checks would only repeat a NaN
        problems += _metric_problems(record, where)
    problems += _version_problems(record, where)
    # the file name follows from the protocol id, which means nothing while the protocol is wrong
    if name is not None and not any("[protocol]" in p for p in problems) and name != entry_filename(entry):
        wanted = entry_filename(entry)
        problems.append(f"{where}: [filename] expected the file name {wanted!r}, got {name!r}; rename it")
    problems += verification_problems(entry, where, verifiers(root) if allowed is None else allowed)
    return problems


def check_entries(items: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The ``duplicate`` rule over (where, entry) pairs that passed the schema: each later copy is a problem."""
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    problems = []
    for where, entry in items:
        key = (entry["board"], entry_key(entry))
        if key in seen:
            _, _, protocol, dataset, shots = key[1]
            problems.append(
                f"{where}: [duplicate] the {entry['board']} board already has {seen[key]} for method "
                f"{entry['submission']['method']!r} version {entry['submission']['version']!r}, protocol "
                f"{protocol}, {dataset}, shots {shots}; give the new result another version, or replace the old file"
            )
        else:
            seen[key] = where
    return problems


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of checking every entry of a leaderboard folder."""

    root: Path
    counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        if self.problems:
            raise SubmissionError(f"{self.root}: leaderboard entries break the rules", self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"root": str(self.root), "ok": self.ok, "entries": self.counts, "problems": list(self.problems)}


def _stray_files(root: Path) -> list[str]:
    """Files under entries/ that no board reads (another folder, another suffix) would be ignored silently."""
    folders = {root / "entries" / board for board in BOARDS}
    return [
        f"{path.relative_to(root)}: [board] not read by any board; entries are .json files directly in "
        "entries/simulated/ or entries/real/"
        for path in sorted((root / "entries").rglob("*"))
        if path.is_file() and path.name != ".gitkeep" and (path.parent not in folders or path.suffix != ".json")
    ]


def _registries(root: Path) -> tuple[tuple[str, ...], list[str]]:
    """The verifiers' allow-list, and problems of the maintained registry files (one line each, naming the file)."""
    allowed: tuple[str, ...] = ()
    problems = []
    for rule, read in (("verified", verifiers), ("fingerprint", real_fingerprints)):
        try:
            value = read(root)
        except SubmissionError as exc:
            problems.append(f"[{rule}] {str(exc).splitlines()[0]} {'; '.join(exc.problems)}")
            continue
        if rule == "verified":
            allowed = value  # type: ignore[assignment]
    return allowed, problems


def validate_entries(root: Path, *, extra: Iterable[tuple[str, Mapping[str, Any]]] = ()) -> ValidationReport:
    """Check every entry under ``<root>/entries/`` (plus ``extra`` (where, entry) pairs not yet written)."""
    if not (root / "entries").is_dir():
        raise SubmissionError(
            f"{root} is not a leaderboard folder: expected {root / 'entries'} with simulated/ and real/ inside; "
            "pass the `leaderboard` folder of a clone of the repository"
        )
    problems = _stray_files(root)
    allowed, registry_problems = _registries(root)
    if registry_problems:  # every real entry's fingerprint rule would raise on the same broken file
        return ValidationReport(root, dict.fromkeys(BOARDS, 0), tuple(problems + registry_problems))
    valid: list[tuple[str, Mapping[str, Any]]] = []
    counts: dict[str, int] = dict.fromkeys(BOARDS, 0)
    for item in load_entries(root):
        where = str(item.path.relative_to(root)) if item.path.is_relative_to(root) else str(item.path)
        counts[item.folder] += 1
        if item.data is None:
            problems.append(f"{where}: [schema] {item.error}; fix the JSON")
            continue
        found = entry_problems(
            item.data, root=root, where=where, folder=item.folder, name=item.path.name, allowed=allowed
        )
        problems += found
        if not any("[schema]" in p for p in found):
            valid.append((where, item.data))
    for where, entry in extra:
        found = entry_problems(entry, root=root, where=where, allowed=allowed)
        problems += found
        if not any("[schema]" in p for p in found):
            valid.append((where, entry))
    problems += check_entries(valid)
    return ValidationReport(root, counts, tuple(problems))
