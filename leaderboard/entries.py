"""Leaderboard entries: submission metadata, entries built from result records, their file names and files.

An entry is one result record (as ``microsr-bench score`` or ``evaluate`` writes it, never retyped) plus
what the submitter says about the method: name and version, description, links, training data, hardware,
licence, contact, and whether the maintainers verified the numbers. Entries live one per JSON file under
``<root>/entries/simulated/`` or ``<root>/entries/real/`` (the board follows the record's data source).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from microsr_bench.errors import SubmissionError
from microsr_bench.imageio import atomic_write_text
from microsr_bench.protocols.protocols import PROTOCOL_NAMES

__all__ = [
    "BOARDS",
    "ENTRY_TYPE",
    "ENTRY_VERSION",
    "PROTOCOLS",
    "Board",
    "LoadedEntry",
    "SubmissionMetadata",
    "Verification",
    "board_of",
    "default_root",
    "dump_entry",
    "entries_from_result_set",
    "entry_filename",
    "entry_from_record",
    "entry_key",
    "entry_relpath",
    "load_entries",
    "read_entry",
    "shots_label",
    "table_key",
    "write_text",
]

Board = Literal["simulated", "real"]
BOARDS: tuple[Board, ...] = get_args(Board)
VerifyHow = Literal["predictions", "code"]
ENTRY_VERSION = "1.0"
ENTRY_TYPE = "microsr-bench-leaderboard-entry"
#: Protocols the leaderboard ranks, in the order its tables list them (``microsr_bench.protocols``).
#: The protocol names the boards rank (microsr_bench.protocols); tables are per protocol id (name + parameters).
PROTOCOLS: tuple[str, ...] = PROTOCOL_NAMES
#: Which board a record's ``dataset.source`` belongs to: simulated and real results never share a table.
BOARD_OF_SOURCE: dict[str, Board] = {"simulated": "simulated", "folder": "real", "hub": "real"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")


def default_root() -> Path:
    """The leaderboard folder of this checkout (entries, README.md, site/, canonical_real.json)."""
    return Path(__file__).resolve().parent


@dataclass(frozen=True)
class SubmissionMetadata:
    """What a submitter states about a method; the same for every entry made from one result set."""

    #: Display name on the board, e.g. ``RESRGan-B`` (letters, digits, ``_ . + -``; no spaces).
    method: str
    #: Version of the method or of its weights, e.g. ``1.0`` or a short commit hash.
    version: str
    #: One or two sentences: what the method is.
    description: str
    #: What it was trained or pre-trained on, in words.
    training_data: str
    #: True when anything beyond the benchmark's training and validation splits was used (pre-training too).
    extra_data: bool
    #: Hardware the runtime was measured on, e.g. ``1x NVIDIA A100 40GB``.
    hardware: str
    #: Licence of the code and weights (an SPDX identifier where one exists).
    license: str
    code_url: str | None = None
    weights_url: str | None = None
    paper_url: str | None = None
    #: Seconds per test image; when None the record's measured runtime is used (may be None too).
    seconds_per_image: float | None = None
    #: How to reach the authors (optional; public on the page).
    contact: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "metadata") -> SubmissionMetadata:
        """Build from a mapping (e.g. a JSON file); unknown or missing keys and wrong types are listed."""
        known = {f.name: f for f in fields(cls)}
        required = [f.name for f in fields(cls) if f.default is MISSING]
        problems = [f"{where}: unknown key {k!r}; valid keys: {', '.join(known)}" for k in data if k not in known]
        problems += [f"{where}: missing {k!r}" for k in required if data.get(k) is None]
        for key, value in data.items():
            if key not in known or value is None:
                continue
            if key == "extra_data":
                ok = isinstance(value, bool)
            elif key == "seconds_per_image":
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                ok = ok and value >= 0
            else:
                ok = isinstance(value, str)
            if not ok:
                problems.append(
                    f"{where}: {key!r} has the wrong type or value ({type(value).__name__}: {value!r}); expected "
                    + ("a finite number of seconds >= 0" if key == "seconds_per_image" else "see docs/leaderboard.md")
                )
        if problems:
            raise SubmissionError(
                f"{where}: submission metadata is incomplete or invalid; give every required key (command-line "
                "options or --metadata FILE, see docs/leaderboard.md)",
                problems,
            )
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verification:
    """Who verified an entry and how: scored by the maintainers from submitted predictions, or re-run from code."""

    by: str
    how: VerifyHow = "predictions"
    #: ISO date (``YYYY-MM-DD``); today when empty.
    date: str = ""
    note: str | None = None

    def to_dict(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The entry's verification block for ``record``, the record the verifier scored themselves."""
        from leaderboard.verifiers import scored_digest

        return {
            "by": self.by,
            "how": self.how,
            "date": self.date or date.today().isoformat(),
            "note": self.note,
            "scored_sha256": scored_digest(record),
        }


def board_of(record: Mapping[str, Any]) -> Board:
    """The board of a record, from ``dataset.source``: ``simulated``, or ``real`` for ``folder``/``hub``."""
    source = record.get("dataset", {}).get("source")
    if source not in BOARD_OF_SOURCE:
        raise SubmissionError(
            "cannot tell the board of a record",
            [f"dataset.source is {source!r}; expected one of {', '.join(BOARD_OF_SOURCE)}"],
        )
    return BOARD_OF_SOURCE[source]


def entry_from_record(
    record: Mapping[str, Any],
    metadata: SubmissionMetadata | Mapping[str, Any],
    *,
    verified: Verification | None = None,
    submitted: date | None = None,
) -> dict[str, Any]:
    """One entry: the record embedded unchanged, plus the submission metadata and the verification status."""
    meta = metadata if isinstance(metadata, SubmissionMetadata) else SubmissionMetadata.from_dict(metadata)
    submission = meta.to_dict()
    if submission["seconds_per_image"] is None:
        submission["seconds_per_image"] = record.get("runtime", {}).get("seconds_per_image")
    return {
        "entry_version": ENTRY_VERSION,
        "entry_type": ENTRY_TYPE,
        "board": board_of(record),
        "status": "verified" if verified is not None else "self-reported",
        "verification": verified.to_dict(record) if verified is not None else None,
        "submitted": (submitted or date.today()).isoformat(),
        "submission": submission,
        "record": json.loads(json.dumps(record)),
    }


def entries_from_result_set(
    result_set: Mapping[str, Any] | str | Path,
    metadata: SubmissionMetadata | Mapping[str, Any],
    *,
    verified: Verification | None = None,
    submitted: date | None = None,
) -> list[dict[str, Any]]:
    """One entry per record of a result set (or of a single record), after validating it.

    ``result_set`` is what ``microsr-bench score``/``evaluate``/``reproduce`` wrote: a path to the JSON file
    or its parsed content. The macro average is not an entry: the boards rank per sub-dataset.
    ``verified`` marks the entries as scored by the maintainers (use it only for numbers you scored).
    """
    from microsr_bench.scoring.record import RECORD_TYPE, read_result, validate_record, validate_result_set

    if isinstance(result_set, (str, Path)):
        records = read_result(Path(result_set))["records"]
    elif result_set.get("record_type") == RECORD_TYPE:
        validate_record(result_set)
        records = [result_set]
    else:
        validate_result_set(result_set)
        records = list(result_set["records"])
    meta = metadata if isinstance(metadata, SubmissionMetadata) else SubmissionMetadata.from_dict(metadata)
    return [entry_from_record(r, meta, verified=verified, submitted=submitted) for r in records]


def shots_label(protocol: str, shots: int | None) -> str:
    """``200``/``400``/``800``; ``full`` for the whole training split (paired); ``none`` when nothing trains on it."""
    if shots is not None:
        return str(shots)
    return "full" if protocol == "paired" else "none"


def table_key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """(protocol id, dataset, shots label): the table an entry is ranked in.

    The protocol id adds the parameters that change what is measured (``burst(k=4)``,
    ``zero_shot(source=MITO)``), so results under different settings never share a table or a duplicate key.
    The id is computed from the parameters, never read from the record's free ``id``, so a stored id cannot
    file an entry under another protocol or dodge the duplicate rule. The shots label comes from the record's
    lineage when it has one (:func:`microsr_bench.scoring.lineage.pairs_level`), else from its ``shots``.
    """
    from leaderboard.checks import computed_protocol_id
    from microsr_bench.scoring.lineage import pairs_level

    record = entry["record"]
    name = record["protocol"]["name"]
    # The few-shot table follows what the weights learned of the scored dataset (the lineage), not the label:
    # a "200 shots" model whose base saw the whole training split is ranked with the full-split models.
    learned = pairs_level(record["lineage"], record["dataset"]["name"]) if record.get("lineage") else None
    return (
        computed_protocol_id(name, record["protocol"]["parameters"]),
        record["dataset"]["name"],
        str(learned) if learned is not None else shots_label(name, record["shots"]),
    )


def entry_key(entry: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """(method, version, protocol, dataset, shots): at most one entry per key and board (names case-folded)."""
    sub = entry["submission"]
    return (sub["method"].casefold(), sub["version"].casefold(), *table_key(entry))


def entry_filename(entry: Mapping[str, Any]) -> str:
    """``<method>--<version>--<protocol>--<dataset>--<shots>.json``, with unsafe characters replaced by ``_``."""
    sub = entry["submission"]
    parts = [sub["method"], sub["version"], *table_key(entry)]
    return "--".join(_UNSAFE.sub("_", str(p)) for p in parts) + ".json"


def entry_relpath(entry: Mapping[str, Any]) -> str:
    """Where the entry lives, relative to the leaderboard root: ``entries/<board>/<file name>``."""
    return f"entries/{entry['board']}/{entry_filename(entry)}"


def dump_entry(entry: Mapping[str, Any]) -> str:
    """The entry as it is stored: indented JSON, no NaN, one trailing newline."""
    return json.dumps(entry, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write a leaderboard file atomically, readable by all (a web server may serve it), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    path.chmod(0o644)


def read_entry(path: Path) -> dict[str, Any]:
    """Parse one entry file; unreadable JSON or a non-object is a SubmissionError naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SubmissionError(
            f"{path}: not a readable JSON object; fix the file", [f"{type(exc).__name__}: {exc}"]
        ) from exc
    if not isinstance(data, dict):
        raise SubmissionError(
            f"{path}: not a readable JSON object; fix the file", [f"expected a JSON object, got {type(data).__name__}"]
        )
    return data


@dataclass(frozen=True)
class LoadedEntry:
    """An entry file: where it is (the board folder it sits in) and its parsed content (None if unreadable)."""

    path: Path
    folder: str
    data: dict[str, Any] | None
    error: str | None = None


def load_entries(root: Path) -> list[LoadedEntry]:
    """Every ``*.json`` under ``<root>/entries/<board>/``, sorted by path; unreadable files carry their error."""
    loaded = []
    for board in BOARDS:
        for path in sorted((root / "entries" / board).glob("*.json")):
            try:
                loaded.append(LoadedEntry(path, board, read_entry(path)))
            except SubmissionError as exc:
                loaded.append(LoadedEntry(path, board, None, "; ".join(exc.problems)))
    return loaded
