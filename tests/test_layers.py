"""The direction of imports (DESIGN.md, "Layers"): microsr_bench at the bottom, baselines and leaderboard above it,
and no package reaching into another's private modules. Read from the source (AST), so that an import inside a
function, which runs only when a command does, is caught too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The trees whose imports are checked. tests/ may reach into private modules: it tests them.
TREES = ("microsr_bench", "baselines", "leaderboard", "tools", "benchmarks")
#: What sits above microsr_bench: it plugs in through entry points, never by import.
ABOVE = ("baselines", "leaderboard")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import in ``path``: ``from a.b import c`` yields ``a.b`` and ``a.b.c``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def _sources(*trees: str) -> list[Path]:
    return sorted(p for tree in trees for p in (ROOT / tree).rglob("*.py"))


def _private_owner(imported: str) -> str | None:
    """For ``microsr_bench.x._y.z``: ``microsr_bench.x`` (the package whose private module it is); else None."""
    parts = imported.split(".")
    if parts[0] != "microsr_bench":
        return None
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def upward_imports(paths: list[Path]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in paths
        for line, name in _imports(p)
        if name.split(".")[0] in ABOVE
    ]


def private_imports(paths: list[Path]) -> list[str]:
    found = []
    for p in paths:
        module = _module_name(p)
        for line, name in _imports(p):
            owner = _private_owner(name)
            if owner is not None and module != owner and not module.startswith(owner + "."):
                found.append(f"{p.relative_to(ROOT)}:{line} imports {name}, private to {owner}")
    return sorted(set(found))


def test_microsr_bench_never_imports_baselines_or_leaderboard() -> None:
    found = upward_imports(_sources("microsr_bench"))
    assert not found, "microsr_bench imports a package above it; plug in through entry points instead:\n" + "\n".join(
        found
    )


def test_no_package_imports_another_ones_private_module() -> None:
    found = private_imports(_sources(*TREES))
    assert not found, "Import the public name (or make one) instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "upward", "private"),
    [
        # Each line is a case the checks must see; the counts are the imports written in it.
        ("from baselines.registry import bicubic\n", 2, 0),
        ("def f():\n    import leaderboard.builder\n", 1, 0),
        ("from microsr_bench._imageio import read_image\n", 0, 2),
        ("from microsr_bench.metrics import _fid\n", 0, 1),
        ("from microsr_bench.scoring.folders import check_output_folder\n", 0, 0),
        ("from microsr_bench import __version__\n", 0, 0),
    ],
)
def test_the_checks_see_what_they_look_for(tmp_path: Path, source: str, upward: int, private: int) -> None:
    # A module outside microsr_bench (as tools/ or leaderboard/ are), written under the repository root.
    folder = ROOT / "tools"
    path = folder / f"_layers_probe_{tmp_path.name}.py"
    path.write_text(source, encoding="utf-8")
    try:
        names = [name for _, name in _imports(path)]
        assert sum(n.split(".")[0] in ABOVE for n in names) == upward
        assert len(private_imports([path])) == private
    finally:
        path.unlink()
