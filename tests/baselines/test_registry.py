"""Tests of the method registry: setup.cfg's entry points, the factories, their extra settings."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import torch

import baselines.registry
from baselines.classical import FittedBicubic, FrameAveraging, Interpolate
from microsr_bench.errors import ConfigError
from microsr_bench.protocols.method import (
    MethodOptions,
    ProtocolParameter,
    TrainableMethod,
    load_method,
    protocol_parameters,
    registered_methods,
)

#: Which reference methods train (paper IV-C, V-B; bicubic-fit fits its intensity map on the training pairs).
TRAINS = {"nearest": False, "bicubic": False, "bicubic-fit": True, "frame-average": False}
TRAINS |= {"resrgan-b": True, "resrgan-s": True, "realesrnet": True, "care": True, "realesrgan-x4plus": False}


def _factories() -> dict[str, str]:
    """Every @method_factory function in baselines.registry, under its name with '-' for '_'."""
    members = inspect.getmembers(baselines.registry, inspect.isfunction)
    found = [(n, f) for n, f in members if getattr(f, "__microsr_factory__", False)]
    return {name.replace("_", "-"): f"baselines.registry:{name}" for name, _ in found}


def test_entry_points_are_the_one_list_of_factories(declared_methods: dict[str, str]) -> None:
    # One registry: setup.cfg's entry points name every factory of baselines.registry, and nothing else.
    assert declared_methods == _factories()
    assert set(declared_methods) == set(TRAINS)


def test_installed_metadata_matches_setup_cfg(declared_methods: dict[str, str]) -> None:
    installed = {name: point.value for name, point in registered_methods().items() if name in declared_methods}
    assert installed == declared_methods, "the installed metadata predates setup.cfg: run `pip install -e .`"


@pytest.mark.parametrize("name", sorted(TRAINS))
def test_every_factory_builds_a_method(name: str, entry_points_from_setup_cfg: None) -> None:
    method = load_method(name, MethodOptions(budget="tiny", progress=False))
    assert isinstance(method.name, str) and method.name  # type: ignore[attr-defined]
    assert isinstance(method.description, str) and method.description  # type: ignore[attr-defined]
    assert callable(method)
    assert isinstance(method, TrainableMethod) == TRAINS[name]


def test_protocol_parameters_are_declared_by_the_factories() -> None:
    # frame-average averages the burst protocol's k frames; RESRGan-S synthesises with the protocol's degradation.
    assert protocol_parameters(baselines.registry.frame_average) == (ProtocolParameter("burst", "k", "k"),)
    expected = (
        ProtocolParameter("blind_synthetic", "noise_sigma", "noise_sigma"),
        ProtocolParameter("blind_synthetic", "degradation", "synthesis"),
    )
    assert protocol_parameters(baselines.registry.resrgan_s) == expected
    assert protocol_parameters(baselines.registry.bicubic) == ()


def test_classical_methods_by_name(entry_points_from_setup_cfg: None) -> None:
    assert isinstance(load_method("nearest"), Interpolate) and load_method("nearest").name == "nearest"  # type: ignore[attr-defined]
    assert load_method("bicubic")(torch.rand(1, 1, 4, 4)).shape == (1, 1, 8, 8)
    assert isinstance(load_method("bicubic-fit", MethodOptions(extra={"max_pairs": 10})), FittedBicubic)
    default = load_method("frame-average")
    assert isinstance(default, FrameAveraging) and default.k == 4  # the default k
    assert load_method("frame-average", MethodOptions(extra={"k": 2})).k == 2  # type: ignore[attr-defined]


def test_module_attr_specs_call_the_factories() -> None:
    # The factories carry @method_factory, so a module:attr spec gets the MethodOptions too.
    method = load_method("baselines.registry:frame_average", MethodOptions(extra={"k": 3}))
    assert isinstance(method, FrameAveraging) and method.k == 3


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("bicubic", {"k": 2}, r"does not take extra setting\(s\) \['k'\]\. Valid: none"),
        ("frame-average", {"kk": 2}, "Did you mean 'k'"),
        ("frame-average", {"k": 0}, "k=0 is invalid"),
        ("frame-average", {"k": True}, "k=True is invalid"),
        ("frame-average", {"k": "four"}, "k='four' is invalid"),
        ("resrgan-b", {"tile": 15}, "tile=15 is invalid"),
        ("resrgan-b", {"resume": "yes"}, "resume='yes' is invalid"),
        ("resrgan-b", {"synthesis": "physics"}, r"does not take extra setting\(s\) \['synthesis'\]"),
        ("resrgan-s", {"synthesis": "nearest"}, "synthesis='nearest' is invalid"),
        ("resrgan-s", {"noise_sigma": 0.1}, "no noise setting"),
    ],
)
def test_extra_settings_are_validated(
    name: str, extra: dict[str, object], message: str, entry_points_from_setup_cfg: None
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_method(name, MethodOptions(budget="tiny", extra=extra))


def test_resrgan_factories_pass_their_settings(entry_points_from_setup_cfg: None, tmp_path: Path) -> None:
    extra = {"tile": 64, "overlap": 8, "batch_size": 2, "cache_dir": str(tmp_path), "resume": False}
    method = load_method("resrgan-b", MethodOptions(budget="tiny", workdir=tmp_path, extra=extra))
    assert (method.tile, method.overlap, method.batch_size, method.resume) == (64, 8, 2, False)  # type: ignore[attr-defined]
    assert method.cache_dir == tmp_path  # type: ignore[attr-defined]
    s = load_method("resrgan-s", MethodOptions(budget="tiny", extra={"synthesis": "physics", "tile": 0}))
    assert s.synthesis == "physics" and s.tile is None  # type: ignore[attr-defined]
