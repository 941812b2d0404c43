"""The one torchvision function BasicSR 1.4.2 still imports from a module torchvision 0.17 removed.

``basicsr/data/degradations.py`` does ``from torchvision.transforms.functional_tensor import
rgb_to_grayscale``; torchvision >= 0.17 keeps the function in ``torchvision.transforms.functional``
only. :func:`install` puts a module of that name into ``sys.modules`` that re-exports it. Only the
reference scripts and the ``reference`` tests call it, before they import BasicSR or realesrgan; the
library never does.
"""

from __future__ import annotations

import sys
import types

NAME = "torchvision.transforms.functional_tensor"


def install() -> None:
    """Make ``import torchvision.transforms.functional_tensor`` work (a no-op where it already does)."""
    if NAME in sys.modules:
        return
    try:
        __import__(NAME)
        return
    except ModuleNotFoundError:
        pass
    from torchvision.transforms import functional

    module = types.ModuleType(NAME, "Shim for BasicSR 1.4.2: rgb_to_grayscale from torchvision's functional.")
    module.rgb_to_grayscale = functional.rgb_to_grayscale  # type: ignore[attr-defined]
    sys.modules[NAME] = module
