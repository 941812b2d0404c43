"""Range and type checks shared by the parameter dataclasses; each failure is a ConfigError naming the field."""

from __future__ import annotations

import math

from microsr_bench.errors import ConfigError


def number(obj: object, name: str, lo: float, hi: float, *, lo_open: bool = False, unit: str = "") -> float:
    """Check that ``obj.name`` is a real number in ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``)."""
    value = getattr(obj, name)
    where = f"{type(obj).__name__}.{name}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number{unit and f' in {unit}'}, got {value!r}.")
    below = value <= lo if lo_open else value < lo
    if below or value > hi:
        bracket = "(" if lo_open else "["
        raise ConfigError(
            f"{where} must be in {bracket}{lo}, {hi}]{unit and f' {unit}'}, got {value!r}. "
            f"Pass a value inside that range (see docs/simulator.md for the physical meaning)."
        )
    return float(value)


def integer(obj: object, name: str, lo: int, hi: int) -> int:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{type(obj).__name__}.{name} must be an int in [{lo}, {hi}], got {value!r}.")
    return value


def span(obj: object, name: str, lo: float, hi: float, unit: str) -> None:
    """Check a ``(low, high)`` pair of numbers inside ``(lo, hi]`` with ``low <= high``."""
    value = getattr(obj, name)
    where = f"{type(obj).__name__}.{name}"
    ok = isinstance(value, tuple) and len(value) == 2
    ok = ok and all(not isinstance(v, bool) and isinstance(v, (int, float)) for v in value)
    if not ok or not (lo < value[0] <= value[1] <= hi):
        raise ConfigError(
            f"{where} must be a (low, high) tuple of numbers with {lo} < low <= high <= {hi} {unit}, got {value!r}."
        )


def choice(obj: object, name: str, valid: tuple[str, ...]) -> None:
    value = getattr(obj, name)
    if value not in valid:
        raise ConfigError(f"{type(obj).__name__}.{name} must be one of {', '.join(valid)}; got {value!r}.")
