"""Documentation stays connected: every relative link and every mkdocs page exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), ROOT / "leaderboard" / "README.md"])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_mkdocs_nav_pages_exist():
    nav = re.findall(r":\s+(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)
    assert nav, "mkdocs.yml lists no page"
    for page in nav:
        assert (ROOT / "docs" / page).is_file(), page


def _tracked_text_files():
    import subprocess

    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        path = ROOT / name
        if path.is_file() and path.suffix in {".md", ".py", ".cfg", ".toml", ".yml", ".yaml", ".json", ".txt", ""}:
            yield name, path.read_text(errors="replace")


def test_no_machine_paths_and_no_out_of_tree_evidence():
    # Every figure must name an in-tree command: an absolute path of a development machine, or a script that
    # only existed on one, cannot be rerun by a reader (issue 15). The patterns below are what to refuse.
    machine_path = re.compile(r"(?<![\w.])/(?:work|home|root)/")
    # Spelled with a character class in each word so that this line does not match what it looks for.
    out_of_tree = re.compile(r"out of the t[r]ee|outside (?:this|the) r[e]pository|s[c]ratch script", re.IGNORECASE)
    offenders = []
    for name, text in _tracked_text_files():
        if name == "tests/test_docs.py":
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if machine_path.search(line) or out_of_tree.search(line):
                offenders.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)
