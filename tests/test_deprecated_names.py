"""Names renamed by issue 11 keep working for one release, with a DeprecationWarning that says where to go."""

from __future__ import annotations

import importlib
import sys

import pytest

import microsr_bench.imageio
import microsr_bench.registry


@pytest.mark.parametrize(
    ("old", "new"),
    [("microsr_bench._registry", microsr_bench.registry), ("microsr_bench._imageio", microsr_bench.imageio)],
)
def test_old_module_warns_and_re_exports_the_same_objects(monkeypatch: pytest.MonkeyPatch, old: str, new) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)  # the warning fires on the first import only
    with pytest.warns(DeprecationWarning, match=rf"{old} is deprecated .* from {new.__name__}\."):
        module = importlib.import_module(old)
    assert module.__all__ == new.__all__
    for name in new.__all__:
        assert getattr(module, name) is getattr(new, name), name
