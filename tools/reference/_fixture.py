"""Reading and writing the reference fixtures (``tests/fixtures/reference/*.json``).

A fixture is the output of one script in this folder run against an official package. It records the
sha256 of every source file that shaped its numbers (the script, :mod:`tools.reference.inputs`, this
module) and of its data, so ``tests/test_reference_fixtures.py`` fails when a fixture or a script is
edited by hand without regenerating: the command to run is stored beside the numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "reference"
#: Files every fixture depends on besides its own script.
COMMON_SOURCES = ("tools/reference/inputs.py", "tools/reference/_fixture.py")


def sha256_of(relative: str) -> str:
    """sha256 of a file of the repository, named relative to its root (as stored in the fixtures)."""
    return hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()


def data_sha256(data: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a fixture's data (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    return {name: metadata.version(name) for name in packages}


def write_fixture(name: str, script: str, packages: tuple[str, ...], data: dict[str, Any]) -> Path:
    """Write ``tests/fixtures/reference/<name>.json`` atomically (temporary file, then rename).

    Args:
        name: fixture name, without ``.json``.
        script: the generating script, relative to the repository root (``tools/reference/x.py``).
        packages: distributions whose versions shaped the numbers (recorded, not checked).
        data: the numbers; floats are written with ``repr`` precision, so they read back exactly.
    """
    sources = {path: sha256_of(path) for path in (script, *COMMON_SOURCES)}
    module = script.removesuffix(".py").replace("/", ".")
    document = {
        "generated_by": f"python -m {module}",
        "sources": sources,
        "environment": {"python": platform.python_version(), **_versions(packages)},
        "data_sha256": data_sha256(data),
        "data": data,
    }
    FIXTURES.mkdir(parents=True, exist_ok=True)
    target = FIXTURES / f"{name}.json"
    handle, temporary = tempfile.mkstemp(dir=FIXTURES, prefix=f".{name}.", suffix=".tmp")
    # One line per top-level entry and per data entry: readable diffs without a line per number.
    lines = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in document.items() if key != "data"]
    data_lines = ",\n".join(f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in data.items())
    with os.fdopen(handle, "w") as stream:
        stream.write("{\n" + ",\n".join(lines) + ',\n"data": {\n' + data_lines + "\n}\n}\n")
    Path(temporary).chmod(0o644)
    Path(temporary).replace(target)
    return target.relative_to(ROOT)


def read_fixture(name: str) -> dict[str, Any]:
    """The ``data`` of a fixture; a missing file names the command that makes it."""
    path = FIXTURES / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"reference fixture {path.relative_to(ROOT)} is missing; expected it in the repository. "
            f"Regenerate it with the script tools/reference/ names for {name!r} (see tools/reference/README.md)."
        )
    document: dict[str, Any] = json.loads(path.read_text())
    return document["data"]  # type: ignore[no-any-return]
