"""``microsr_bench.degradations`` never reaches the simulator (issue 12, item 4): a degradation may only use what
can be measured on real stacks, so it must not import ``microsr_bench.simulate`` directly or transitively."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import microsr_bench

PACKAGE = Path(microsr_bench.__file__).parent


def test_importing_degradations_loads_no_simulator_module() -> None:
    # A fresh interpreter: this test process has long imported the simulator for other tests.
    code = (
        "import sys, microsr_bench.degradations, microsr_bench.degradations.physics\n"
        "from microsr_bench.degradations import PhysicsDegradation, calibrate_from_realism\n"
        "import torch\n"
        "PhysicsDegradation('MITO')(torch.full((1, 1, 16, 16), 0.5), generator=0)\n"
        "print(sorted(m for m in sys.modules if m.startswith('microsr_bench.simulate')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "[]", out.stdout


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (imports for the type checker, never run)."""
    nodes, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(path: Path) -> set[str]:
    """Absolute module names ``path`` imports when run (also inside functions), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    # Importing a.b.c runs a/__init__ and a/b/__init__ first: walk the parent packages too.
    return names | {name.rsplit(".", k)[0] for name in names for k in range(1, name.count(".") + 1)}


def _module_file(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != "microsr_bench":
        return None
    folder = PACKAGE.joinpath(*parts[1:])
    for candidate in (folder.with_suffix(".py"), folder / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_no_import_path_from_degradations_reaches_simulate() -> None:
    # Walk every module degradations/ imports, statically and transitively (lazy imports inside functions
    # included), and fail with the chain that leads to the simulator if one does.
    start = sorted(PACKAGE.joinpath("degradations").rglob("*.py"))
    seen: dict[Path, list[str]] = {f: [f.stem] for f in start}
    queue = list(start)
    while queue:
        current = queue.pop()
        for name in sorted(_imports(current)):
            assert not name.startswith("microsr_bench.simulate"), " -> ".join([*seen[current], name])
            target = _module_file(name)
            if target is not None and target not in seen:
                seen[target] = [*seen[current], name]
                queue.append(target)
    assert any("realism" in str(f) for f in seen)  # the walk does follow imports (into realism, for one)
