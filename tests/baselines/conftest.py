"""Shared fixtures of the baseline tests: the simulated ``tiny`` benchmark, generated once per session."""

from __future__ import annotations

import configparser
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import torch

import microsr_bench.protocols.method as method_module
from microsr_bench.data import BenchmarkDict, load_benchmark


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data cache holding the simulated tiny MITO and NUC (96x96 -> 192x192, 4 frames, 4/2/2 fields)."""
    root = tmp_path_factory.mktemp("tiny-data")
    load_benchmark(["MITO", "NUC"], source="simulated", size="tiny", cache_dir=root, progress=False)
    return root


@pytest.fixture(scope="session")
def tiny_mito(tiny_cache: Path) -> BenchmarkDict:
    return load_benchmark("MITO", source="simulated", size="tiny", cache_dir=tiny_cache, progress=False)


@pytest.fixture(scope="session")
def tiny_nuc(tiny_cache: Path) -> BenchmarkDict:
    return load_benchmark("NUC", source="simulated", size="tiny", cache_dir=tiny_cache, progress=False)


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Run torch on one thread: on a shared 2-core machine small convolutions are far faster and steadier so."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _same_weights(a: Path, b: Path) -> bool:
    """Two safetensors files hold the same tensors bit for bit and the same metadata.

    The files themselves may differ: safetensors writes its metadata in hash-map order, which changes between
    writes (measured with safetensors 0.8.0), so bytes of the header are not comparable.
    """
    from baselines.realesrgan import read_weights

    (ta, ma), (tb, mb) = read_weights(a), read_weights(b)
    if ma != mb or ta.keys() != tb.keys():
        return False
    return all(ta[k].dtype == tb[k].dtype and ta[k].numpy().tobytes() == tb[k].numpy().tobytes() for k in ta)


@pytest.fixture
def same_weights() -> Callable[[Path, Path], bool]:
    """``same_weights(a, b)``: the two safetensors files hold identical tensors and metadata."""
    return _same_weights


SETUP_CFG = Path(__file__).resolve().parents[2] / "setup.cfg"


@pytest.fixture
def declared_methods() -> dict[str, str]:
    """The ``microsr_bench.methods`` entry points as written in setup.cfg (name -> 'module:attr')."""
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG)
    lines = parser["options.entry_points"]["microsr_bench.methods"].strip().splitlines()
    pairs = [line.split("=", 1) for line in lines if "=" in line]
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture
def entry_points_from_setup_cfg(monkeypatch: pytest.MonkeyPatch, declared_methods: dict[str, str]) -> None:
    """Resolve method names through setup.cfg's entry points, even where the installed metadata predates them."""
    group = method_module.ENTRY_POINT_GROUP
    points = [EntryPoint(name, value, group) for name, value in declared_methods.items()]
    monkeypatch.setattr(method_module, "entry_points", lambda group: [p for p in points if p.group == group])


class FitRecorder:
    """Wraps a method's ``fit`` to record the frame ids (or HR ids) of every split it is given."""

    def __init__(self, method: object) -> None:
        self.method = method
        self.seen: list[str] = []
        original = method.fit  # type: ignore[attr-defined]

        def fit(train: object, validation: object) -> object:
            for split in (train, validation):
                column = "id" if "id" in split.column_names else "hr_id"  # type: ignore[attr-defined]
                self.seen += [f"{d}/{i}" for d, i in zip(split["dataset"], split[column], strict=True)]  # type: ignore[index]
            return original(train, validation)

        method.fit = fit  # type: ignore[attr-defined]


@pytest.fixture
def evaluate_recorded(tiny_cache: Path, tmp_path: Path) -> Callable[..., tuple[object, list[str], set[str]]]:
    """``evaluate_recorded(method, protocol)`` on the tiny simulated data: (result, ids fit saw, test ids).

    Test ids hold both the frame ids and the HR ids of every test split of the tiny data, so a method that saw
    any test frame or test HR image in ``fit`` is caught.
    """
    from microsr_bench.protocols import evaluate

    def call(method: object, protocol: object) -> tuple[object, list[str], set[str]]:
        recorder = FitRecorder(method)
        result = evaluate(
            method,  # type: ignore[arg-type]
            protocol,  # type: ignore[arg-type]
            source="simulated",
            size="tiny",
            cache_dir=tiny_cache,
            out_dir=tmp_path / "results",
            progress=False,
            n_boot=100,
        )
        test_ids: set[str] = set()
        for name in ("MITO", "NUC"):
            test = load_benchmark(name, source="simulated", size="tiny", cache_dir=tiny_cache, progress=False)["test"]
            test_ids |= {f"{name}/{i}" for i in test["id"]} | {f"{name}/{i}" for i in test["hr_id"]}
        return result, recorder.seen, test_ids

    return call
