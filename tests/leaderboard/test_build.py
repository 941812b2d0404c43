"""Building README.md and site/index.html from the fixture board; the shipped outputs are up to date.

Expected ranks and marks follow from the fixture numbers (conftest.fixture_set): Beta leads Alpha by
0.4 dB with ± 0.3 dB intervals (overlap: a tie), Gamma trails by 2 dB (no tie); Alpha is verified and
Gamma used extra data.
"""

from __future__ import annotations

import json
import re

import pytest

from leaderboard.builder import build
from leaderboard.entries import default_root
from microsr_bench.errors import SubmissionError


@pytest.fixture
def built(root, lb):
    for entry in lb.fixture_set():
        lb.write_entry(root, entry)
    result = build(root)
    return root, result


def _section(readme: str, heading: str) -> str:
    start = readme.index(heading)
    end = readme.find("\n### ", start + 1)
    return readme[start : end if end > 0 else None]


def test_build_writes_both_outputs(built):
    root, result = built
    assert set(result.written) == {root / "README.md", root / "site" / "index.html"}
    assert result.report.counts == {"simulated": 27, "real": 0}


def _table_lines(section: str) -> list[str]:
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith(("| Method", "| #"))]


def test_readme_grid_is_methods_by_training_set_size(built):
    root, _ = built
    readme = (root / "README.md").read_text()
    table = _section(readme, "### paired · MITO\n")
    assert "| Method | 200 shots | 400 shots | 800 shots | full split |" in table
    lines = _table_lines(table)
    # full split: Beta 28.3, Alpha 27.9, Gamma 25.9 (27.4/27.0/25.0 + 3 x 0.3), so that order
    assert [line.split(" | ")[0] for line in lines] == ["| Beta (1.0)", "| Alpha (1.0) ✔", "| Gamma (1.0) †"]
    cells = [line.split(" | ")[1] for line in lines]  # the 200-shot column
    # Beta leads with 27.4 ± 0.3 (bold); Alpha's [26.7, 27.3] overlaps Beta's [27.1, 27.7] (≈); Gamma's does not
    link = "[json](entries/simulated/{}--1.0--paired--MITO--200.json)"
    assert cells == [
        "**27.40 ± 0.30** / 0.7900 " + link.format("Beta"),
        "27.00 ± 0.30 ≈ / 0.7800 " + link.format("Alpha"),
        "25.00 ± 0.30 / 0.8300 " + link.format("Gamma"),
    ]
    assert all(len(line.split(" | ")) == 5 for line in lines)  # method + four sizes, nothing else
    assert (root / "entries/simulated/Beta--1.0--paired--MITO--200.json").is_file()


def test_readme_single_size_protocols_get_a_short_ranked_list(built):
    root, _ = built
    readme = (root / "README.md").read_text()
    table = _section(readme, "### zero_shot(source=NUC) · MITO · no target training data")
    assert "| # | Method | PSNR↑ paper (dB) | SSIM↑ paper | Entry |" in table
    lines = _table_lines(table)
    # zero-shot is psnr - 1 and ssim - 0.05 with the default half width 0.1 (SSIM's 0.001): no interval overlaps
    link = "[json](entries/simulated/Beta--1.0--zero_shot_source_NUC_--MITO--none.json)"
    assert lines[0] == f"| 1 | Beta (1.0) | 26.40 ± 0.10 | 0.7400 ± 0.0010 | {link} |"
    assert [line.split(" | ")[:2] for line in lines[1:]] == [["| 2", "Alpha (1.0) ✔"], ["| 3", "Gamma (1.0) †"]]


def test_readme_marks_on_a_cell_when_not_all_entries_have_them(root, lb):
    # extra data at 200 shots only: † goes on that cell, not on the name
    lb.write_entry(root, lb.make_entry(lb.make_record(shots=200), method="Solo", extra_data=True))
    lb.write_entry(root, lb.make_entry(lb.make_record(), method="Solo"))
    build(root)
    line = _table_lines(_section((root / "README.md").read_text(), "### paired · MITO\n"))[0]
    name, at_200, full = line.strip("| ").split(" | ")
    assert name == "Solo (1.0)" and " †" in at_200 and "†" not in full


def test_readme_lists_tables_in_reading_order_and_empty_real_board(built):
    root, _ = built
    readme = (root / "README.md").read_text()
    headings = re.findall(r"^### (.*)$", readme, flags=re.M)
    # protocols as listed (paired, zero_shot), then Table I's datasets (MITO before NUC)
    assert headings == [
        "paired · MITO",
        "paired · NUC",
        "zero_shot(source=NUC) · MITO · no target training data",
    ]
    assert readme.index("## Simulated board") < readme.index("## Real board")
    assert "the real board accepts no entry" in readme.split("## Real board")[1]


def test_page_is_self_contained(built):
    root, _ = built
    page = (root / "site" / "index.html").read_text()
    # no external resource: no src=/href= to another host, no stylesheet or script file
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page and "<script src" not in page
    assert "default-src 'none'" in page  # the page's CSP forbids any fetch
    data = json.loads(re.search(r'<script type="application/json" id="lb-data">(.*?)</script>', page, re.S).group(1))
    assert len(data["rows"]) == 27
    beta = next(r for r in data["rows"] if r["method"] == "Beta" and r["shots"] == "200" and r["dataset"] == "MITO")
    assert beta["link"] == "../entries/simulated/Beta--1.0--paired--MITO--200.json"
    assert beta["values"]["paper/psnr"] == pytest.approx([27.4, 27.1, 27.7])
    assert (beta["rank"], beta["tie"]) == (1, False)
    # the compact view's grids: paired MITO's four sizes, rows by the full-split rank (Beta 28.3 > Alpha 27.9)
    grid = data["grids"][0]
    assert (grid["board"], grid["protocol"], grid["dataset"]) == ("simulated", "paired", "MITO")
    assert [c["table"] for c in grid["columns"]] == [f"paired|MITO|{s}" for s in ("200", "400", "800", "full")]
    assert grid["methods"] == ["Beta 1.0", "Alpha 1.0", "Gamma 1.0"]
    assert [g["title"] for g in data["grids"]][1:] == [
        "paired · NUC",
        "zero_shot(source=NUC) · MITO · no target training data",
    ]


def test_page_escapes_submitted_text(root, lb):
    lb.write_entry(root, lb.make_entry(description="</script><script>alert(1)</script>"))
    build(root)
    page = (root / "site" / "index.html").read_text()
    assert "<script>alert(1)" not in page
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page


def test_rebuild_is_byte_identical_and_check_detects_staleness(built, lb):
    root, _ = built
    before = (root / "site" / "index.html").read_bytes()
    assert build(root).written == ()  # nothing changed: nothing rewritten
    assert (root / "site" / "index.html").read_bytes() == before
    build(root, check=True)  # up to date: no error
    lb.write_entry(root, lb.make_entry(lb.make_record(dataset="MEM")))
    with pytest.raises(SubmissionError, match="out of date; run `microsr-bench leaderboard build`"):
        build(root, check=True)


def test_build_refuses_invalid_entries(root, lb):
    lb.write_entry(root, lb.make_entry(), name="wrong-name.json")
    with pytest.raises(SubmissionError, match=r"\[filename\]"):
        build(root)
    assert not (root / "README.md").exists()


def test_empty_board_builds(root):
    build(root)
    readme = (root / "README.md").read_text()
    assert "_No entries yet._" in readme


def test_shipped_outputs_are_up_to_date():
    """The committed leaderboard/README.md and site/index.html match a fresh build of the committed entries."""
    build(default_root(), check=True)
