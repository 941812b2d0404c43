"""The generic hook by which a method factory takes a protocol's parameter (no method named in protocols/)."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import microsr_bench.protocols.method as method_module
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols import MethodOptions, blind_synthetic, burst, paired
from microsr_bench.protocols.evaluation import _options_for
from microsr_bench.protocols.method import Method, method_factory, takes_protocol_parameter


@method_factory
@takes_protocol_parameter("burst", "k", setting="frames")
@takes_protocol_parameter("blind_synthetic", "degradation")
def declared(options: MethodOptions) -> Method:
    raise AssertionError("never called: only its declaration is read")


@method_factory
@takes_protocol_parameter("burst", "no_such_parameter")
def misdeclared(options: MethodOptions) -> Method:
    raise AssertionError("never called")


SPEC = f"{__name__}:declared"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> str:
    point = EntryPoint("declared-test", SPEC, method_module.ENTRY_POINT_GROUP)
    monkeypatch.setattr(method_module, "entry_points", lambda group: [point] if group == point.group else [])
    return point.name


def test_the_declared_parameter_is_handed_over_by_name_and_by_module_attr(registered: str) -> None:
    for spec in (registered, SPEC):
        assert _options_for(spec, MethodOptions(), burst("NUC", 8)).extra == {"frames": 8}
        assert _options_for(spec, MethodOptions(), blind_synthetic("MITO", "physics")).extra == {
            "degradation": "physics"
        }
        # Another protocol: the options are returned as they came.
        assert _options_for(spec, MethodOptions(extra={"x": 1}), paired("MITO")).extra == {"x": 1}


def test_a_plain_method_or_an_undeclared_factory_gets_nothing() -> None:
    assert _options_for("tests.nowhere:nothing", MethodOptions(), burst("NUC", 2)).extra == {}
    assert _options_for(lambda lr: lr, MethodOptions(), burst("NUC", 2)).extra == {}  # type: ignore[arg-type]


def test_a_conflicting_setting_is_refused(registered: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"was given frames=4 but the protocol .* needs 8"):
        _options_for(registered, MethodOptions(extra={"frames": 4}), burst("NUC", 8))


def test_a_declaration_naming_no_parameter_of_the_protocol_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="has no such parameter; fix the method's takes_protocol"):
        _options_for(f"{__name__}:misdeclared", MethodOptions(), burst("NUC", 2))
