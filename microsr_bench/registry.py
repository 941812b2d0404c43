"""Explicit, typed registries: filled by decorators, strict about duplicates and unknown names.

Public for the packages above the library (baselines, leaderboard) and for plug-ins: ``Registry``, and the
"did you mean" answer to an unknown name (``unknown_name``, ``did_you_mean``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from microsr_bench.errors import UnknownNameError

__all__ = ["Registry", "did_you_mean", "unknown_name"]

T = TypeVar("T")


def did_you_mean(name: str, valid: list[str]) -> str:
    """Return ``" Did you mean 'X'?"`` for the closest valid name, or an empty string."""
    lowered = {v.lower(): v for v in valid}
    if name.lower() in lowered:
        return f" Did you mean {lowered[name.lower()]!r}?"
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    if not close:
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)]
    return f" Did you mean {close[0]!r}?" if close else ""


def unknown_name(kind: str, name: object, valid: list[str]) -> UnknownNameError:
    """Build the error for an unknown name: lists the valid ones and the closest match."""
    hint = did_you_mean(str(name), valid)
    return UnknownNameError(f"Unknown {kind} {name!r}. Valid {kind}s: {', '.join(valid)}.{hint}")


class Registry(Generic[T]):
    """A name -> object mapping filled explicitly; a duplicate name raises."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice; names must be unique.")
        self._items[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise unknown_name(self.kind, name, self.names()) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
