"""Every reference fixture was made by the current version of the script it names.

Each ``tests/fixtures/reference/*.json`` records the sha256 of the sources that produced it
(``tools/reference/_fixture.py`` writes them). A fixture edited by hand, or a script changed without
rerunning it, fails here; the message names the command that regenerates the fixture.
"""

import json
import re
from pathlib import Path

import pytest

from tools.reference._fixture import COMMON_SOURCES, FIXTURES, ROOT, data_sha256, sha256_of

PATHS = sorted(FIXTURES.glob("*.json"))
SCRIPTS = sorted(p for p in (ROOT / "tools" / "reference").glob("*.py") if not p.name.startswith("_"))


def test_every_script_has_a_fixture():
    # inputs.py holds shared inputs; every other script writes exactly one fixture named after itself.
    made = {p.stem for p in PATHS}
    assert made, "no reference fixture found"
    assert {p.stem for p in SCRIPTS if p.name != "inputs.py"} == made


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_fixture_sources_are_current(path: Path):
    document = json.loads(path.read_text())
    command = document["generated_by"]
    assert re.fullmatch(r"python -m tools\.reference\.\w+", command), command
    script = command.removeprefix("python -m ").replace(".", "/") + ".py"
    assert Path(script).stem == path.stem, f"{path.name} should be written by tools/reference/{path.stem}.py"
    assert set(document["sources"]) == {script, *COMMON_SOURCES}
    for source, recorded in document["sources"].items():
        assert sha256_of(source) == recorded, (
            f"{path.relative_to(ROOT)} was made by another version of {source} (sha256 differs): "
            f"regenerate it with `{command}` (needs the reference extra), never by hand."
        )


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_fixture_data_is_what_the_script_wrote(path: Path):
    # The writer stores the digest of the data it wrote: a number re-typed by hand changes the data, not
    # the digest (and not the sources), so only this check sees it.
    document = json.loads(path.read_text())
    assert data_sha256(document["data"]) == document["data_sha256"], (
        f"the data of {path.relative_to(ROOT)} was changed after `{document['generated_by']}` wrote it; "
        "rerun that command instead of editing the file."
    )
