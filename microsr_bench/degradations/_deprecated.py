"""Names renamed in 0.1.x that stay importable, with a DeprecationWarning, until the next minor release."""

from __future__ import annotations

import warnings
from typing import TypeVar

T = TypeVar("T")


def renamed(module: str, old: str, new: str, target: T) -> T:
    """Warn that ``module.old`` is now ``module.new`` and hand back ``target`` so the old import still works."""
    # stacklevel 3: past this helper and the package's __getattr__, to the line that used the old name.
    warnings.warn(
        f"{module}.{old} is deprecated: it was renamed {new} (both degradation pipelines had a degrade_pair) and "
        f"the old name will be removed in microsr-bench 0.2. Import {module}.{new} instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return target
