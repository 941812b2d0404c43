"""The library's error tree: one base class, each subclass also the builtin it refines.

Every message says what was expected, what came, and how to fix it. Errors that gather many
problems at once (a data folder, a prediction folder, a submission) carry them in ``problems``
so that callers can show all of them, not only the first.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CacheError",
    "ConfigError",
    "DataError",
    "DependencyError",
    "DiskFullError",
    "InvalidArgumentError",
    "MicroSRError",
    "NotFoundError",
    "OutputError",
    "PredictionError",
    "RecordError",
    "SubmissionError",
    "UnknownNameError",
    "WorkerError",
]

#: How many problems a message lists before it summarises the rest as a count.
MAX_LISTED_PROBLEMS = 50


class MicroSRError(Exception):
    """Base of every error this library raises on purpose."""


class _ProblemsMixin:
    """Formats a headline plus a bulleted list of problems, all at once."""

    problems: list[str]

    def _format(self, headline: str, problems: Iterable[str]) -> str:
        self.problems = list(problems)
        if not self.problems:
            return headline
        shown = self.problems[:MAX_LISTED_PROBLEMS]
        lines = [f"{headline} ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)


class UnknownNameError(MicroSRError, LookupError):
    """A name (dataset, metric, method, protocol, recipe) that is not registered."""


class InvalidArgumentError(MicroSRError, ValueError):
    """An argument with a value outside what the function accepts."""


class ConfigError(MicroSRError, ValueError):
    """A configuration with unknown keys or values of the wrong type or range."""


class NotFoundError(MicroSRError, FileNotFoundError):
    """A file the user must provide (data, weights) is missing; the message says where to put it."""


class OutputError(MicroSRError, OSError):
    """An output that cannot or must not be written (it exists, it lies inside an input, the disk is full);
    the message says where, why, and how to fix it, and nothing new or half-written is left behind."""


class DiskFullError(OutputError):
    """The disk (or quota) ran out while writing; the message says what, where, how much space is needed and how to
    fix it. ``errno`` stays ``ENOSPC`` (or ``EDQUOT``) so code that checks it still works."""

    def __init__(self, message: str, *, errno_code: int = 28) -> None:
        super().__init__(message)
        self.errno = errno_code


class CallError(MicroSRError, TypeError):
    """A function was called with its arguments missing, repeated or mixed up (like Python's own TypeError)."""


class DependencyError(MicroSRError, ImportError):
    """An optional dependency is needed for this feature and is not installed."""


class WorkerError(MicroSRError, RuntimeError):
    """A worker process died or failed; the message names the exit code or signal and the worker's last output."""


class DataError(_ProblemsMixin, MicroSRError, ValueError):
    """Input data (a folder of images, an index, a hub copy) that does not fit the benchmark."""

    def __init__(self, headline: str, problems: Iterable[str] = ()) -> None:
        super().__init__(self._format(headline, problems))


class CacheError(_ProblemsMixin, MicroSRError, OSError):
    """A prepared cache that is incomplete or corrupted; never used silently."""

    def __init__(self, headline: str, problems: Iterable[str] = ()) -> None:
        super().__init__(self._format(headline, problems))


class PredictionError(_ProblemsMixin, MicroSRError, ValueError):
    """A prediction folder that cannot be scored; every problem is listed."""

    def __init__(self, headline: str, problems: Iterable[str] = ()) -> None:
        super().__init__(self._format(headline, problems))


class RecordError(_ProblemsMixin, MicroSRError, ValueError):
    """A result record that does not validate against its schema or rules."""

    def __init__(self, headline: str, problems: Iterable[str] = ()) -> None:
        super().__init__(self._format(headline, problems))


class SubmissionError(_ProblemsMixin, MicroSRError, ValueError):
    """A leaderboard entry or submission that is rejected; every reason is listed."""

    def __init__(self, headline: str, problems: Iterable[str] = ()) -> None:
        super().__init__(self._format(headline, problems))
