"""The degradations package (issue 11, item 3): two subpackages, distinct names, the old name deprecated, and
one copy of the helpers both pipelines and the Real-ESRGAN baseline share."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

import microsr_bench
from microsr_bench.degradations import physics_degrade_pair, realesrgan_degrade_pair

ROOT = Path(microsr_bench.__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("module", "new"),
    [
        # Before the split, microsr_bench.degradations.degrade_pair was the Real-ESRGAN helper (its __all__),
        # microsr_bench.degradations.realesrgan a module with the same function, and .physics one with its own.
        ("microsr_bench.degradations", realesrgan_degrade_pair),
        ("microsr_bench.degradations.realesrgan", realesrgan_degrade_pair),
        ("microsr_bench.degradations.physics", physics_degrade_pair),
    ],
)
def test_old_degrade_pair_still_imports_with_a_deprecation_warning(module: str, new: Callable[..., object]) -> None:
    package = importlib.import_module(module)
    with pytest.warns(
        DeprecationWarning, match=rf"{module}\.degrade_pair is deprecated: it was renamed {new.__name__}"
    ) as record:
        assert package.degrade_pair is new
    assert record[0].filename == __file__  # the warning points at the user's line, not at the package
    with pytest.warns(DeprecationWarning, match=r"removed in microsr-bench 0\.2"):
        exec(f"from {module} import degrade_pair as old", namespace := {})  # the import line users wrote
    assert namespace["old"] is new
    assert "degrade_pair" not in package.__all__
    with pytest.raises(AttributeError, match=r"has no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018


def test_the_subpackages_hold_their_pipelines() -> None:
    assert realesrgan_degrade_pair.__module__ == "microsr_bench.degradations.realesrgan.pipeline"
    assert physics_degrade_pair.__module__ == "microsr_bench.degradations.physics.pipeline"
    flat = sorted(p.name for p in (ROOT / "microsr_bench" / "degradations").glob("*.py"))
    # Nothing of the two multi-module pipelines left at the top; the one-module bicubic pipeline (the classical
    # degradation of blind_synthetic(degradation="bicubic")) is a module of its own there.
    assert flat == ["__init__.py", "_deprecated.py", "bicubic.py", "inputs.py"]


def _definitions(*packages: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef):
                    found.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    return found


def test_shared_helpers_are_defined_once() -> None:
    # The issue found the unsharp mask in baselines/realesrgan/usm.py and degradations/_ops.py, and the
    # generator coercion twice; each now has one definition, in the lower layer, that the others import.
    found = _definitions("microsr_bench", "baselines")
    for name, home in [
        ("usm_sharpen", "microsr_bench/degradations/realesrgan/ops.py"),
        ("separable_blur", "microsr_bench/degradations/realesrgan/ops.py"),
        ("opencv_gaussian_taps", "microsr_bench/degradations/realesrgan/ops.py"),
        ("opencv_gaussian_sigma", "microsr_bench/degradations/realesrgan/ops.py"),
        ("as_rng", "microsr_bench/degradations/inputs.py"),
    ]:
        assert found.get(name) == [home], (name, found.get(name))
    for gone in ("_as_rng", "_separable_blur", "gaussian_kernel_1d"):
        assert gone not in found, (gone, found[gone])


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update({node.module, *(f"{node.module}.{alias.name}" for alias in node.names)})
    return names


@pytest.mark.parametrize(("own", "other"), [("realesrgan", "physics"), ("physics", "realesrgan")])
def test_the_pipelines_do_not_import_each_other(own: str, other: str) -> None:
    # docs/degradations.md, "Layout": each pipeline shares only degradations.inputs with the other.
    folder = ROOT / "microsr_bench" / "degradations" / own
    for path in sorted(folder.glob("*.py")):
        crossing = {m for m in _imported_modules(path) if m.startswith(f"microsr_bench.degradations.{other}")}
        assert not crossing, (path.name, crossing)
