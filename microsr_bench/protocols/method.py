"""The model contract: what a method is, how it is named, and how ``--method`` strings are resolved.

A method maps a batch of LR frames, float32 ``[B, 1, h, w]`` in [0, 1], to ``[B, 1, 2h, 2w]`` (burst
methods take ``[B, k, h, w]``). Methods that train also implement ``fit(train, validation)``, receiving
``datasets.Dataset`` splits exactly as the protocol allows. Anything with that signature can be evaluated:

- a registered name (``bicubic``, ``resrgan-b``, ...): factories registered under the entry-point group
  ``microsr_bench.methods`` (the reference baselines register theirs; other packages can too);
- ``module:attribute``: an importable callable; a class is instantiated with no arguments, and a factory
  function marked with ``@method_factory`` is called with the ``MethodOptions``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal, Protocol, get_args, runtime_checkable

import datasets
import torch

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.registry import unknown_name

ENTRY_POINT_GROUP = "microsr_bench.methods"
Budget = Literal["tiny", "cpu", "short", "paper"]
#: The budgets, in order of cost (``short`` is defined by the Real-ESRGAN baselines only; docs/baselines.md).
BUDGETS: tuple[str, ...] = get_args(Budget)


@runtime_checkable
class Method(Protocol):
    """Anything that super-resolves a batch: float32 ``[B, 1, h, w]`` -> ``[B, 1, 2h, 2w]`` in [0, 1]."""

    def __call__(self, lr: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class TrainableMethod(Method, Protocol):
    """A method that learns from the training split the protocol gives it."""

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset) -> Any: ...


@dataclass(frozen=True)
class MethodOptions:
    """Options every method factory receives; a factory uses what applies to it."""

    #: Training budget: ``tiny`` (tests, seconds), ``cpu`` (minutes on CPU), ``short`` (the paper's networks
    #: fine-tuned briefly from pre-trained weights; Real-ESRGAN baselines only), ``paper`` (GPU, the paper's).
    budget: Budget = "cpu"
    #: Torch device for training and inference.
    device: str = "cpu"
    #: Seed for everything random in training.
    seed: int = 0
    #: Folder for checkpoints and intermediate models (reused between runs).
    workdir: Path | None = None
    #: Explicit weights file (e.g. the official Real-ESRGAN x2 weights).
    weights: Path | None = None
    #: Show progress bars.
    progress: bool = True
    #: Free-form extra settings for a factory, validated by the factory itself.
    extra: dict[str, Any] = field(default_factory=dict)


MethodFactory = Callable[[MethodOptions], Method]


def method_factory(func: Callable[[MethodOptions], Method]) -> Callable[[MethodOptions], Method]:
    """Mark a function as a factory that takes ``MethodOptions`` (for ``module:attr`` specs)."""
    func.__microsr_factory__ = True  # type: ignore[attr-defined]
    return func


@dataclass(frozen=True)
class ProtocolParameter:
    """A protocol parameter that a method factory takes as one of its ``options.extra`` settings."""

    #: The protocol's name (``burst``, ``blind_synthetic``, ...): only runs under it get the setting.
    protocol: str
    #: The protocol's attribute to copy (``k`` of ``burst``, ``degradation`` of ``blind_synthetic``).
    parameter: str
    #: The key in ``options.extra`` the factory reads it from.
    setting: str


def takes_protocol_parameter(
    protocol: str, parameter: str, *, setting: str | None = None
) -> Callable[[Callable[[MethodOptions], Method]], Callable[[MethodOptions], Method]]:
    """Declare that a factory takes a protocol's parameter as ``options.extra[setting]`` (default: the same name).

    ``evaluate`` then hands it over, so that e.g. a burst method averages as many frames as the protocol
    gives it, without the protocols knowing any method by name.
    """

    def mark(func: Callable[[MethodOptions], Method]) -> Callable[[MethodOptions], Method]:
        declared = (*protocol_parameters(func), ProtocolParameter(protocol, parameter, setting or parameter))
        func.__microsr_protocol_parameters__ = declared  # type: ignore[attr-defined]
        return func

    return mark


def protocol_parameters(factory: object) -> tuple[ProtocolParameter, ...]:
    """What ``factory`` declared with :func:`takes_protocol_parameter` (nothing for a plain method)."""
    return tuple(getattr(factory, "__microsr_protocol_parameters__", ()))


def method_factory_of(spec: str) -> object | None:
    """The factory behind a ``--method`` string (a registered name or a ``module:attr`` factory), or None."""
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            return None  # load_method reports it, with the fix
        return target if getattr(target, "__microsr_factory__", False) else None
    registry = registered_methods()
    return registry[spec].load() if spec in registry else None


def registered_methods() -> dict[str, Any]:
    """Registered method names -> entry points (not loaded)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def method_name(method: object, spec: str) -> str:
    """The name a result record uses for a method: its ``name`` attribute, else the spec."""
    name = getattr(method, "name", None)
    return str(name) if isinstance(name, str) and name else spec.replace(":", ".")


def load_method(spec: str, options: MethodOptions | None = None) -> Method:
    """Resolve a ``--method`` string to a method object (see the module docstring)."""
    options = options or MethodOptions()
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InvalidArgumentError(
                f"--method {spec!r}: cannot import {attr!r} from module {module_name!r} ({exc}). Use "
                "'package.module:callable' with the package importable (installed or on PYTHONPATH)."
            ) from exc
        if getattr(target, "__microsr_factory__", False):
            target = target(options)
        elif inspect.isclass(target):
            target = target()
    else:
        registry = registered_methods()
        if spec not in registry:
            raise unknown_name("method", spec, sorted(registry))
        target = registry[spec].load()(options)
    if not callable(target):
        raise InvalidArgumentError(f"--method {spec!r} resolved to {type(target).__name__}, which is not callable.")
    return target
