"""What a record says about how the predictions were made: the method and the protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from microsr_bench.errors import InvalidArgumentError


@dataclass(frozen=True)
class MethodInfo:
    """What a record says about the method that made the predictions."""

    name: str = "unnamed"
    description: str = ""
    version: str | None = None
    identity: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    initialisation: str | None = None
    #: Everything that reached the weights, in order (:mod:`microsr_bench.scoring.lineage`); None: not declared.
    lineage: Sequence[Mapping[str, Any]] | None = None


#: The protocol name of records whose scorer was not told one; ``leaderboard submit`` refuses them.
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class ProtocolInfo:
    """What a record says about the protocol; ``unspecified`` when the scorer was not told.

    ``name`` is one of ``microsr_bench.protocols.PROTOCOL_NAMES`` (what the leaderboard ranks) or
    ``unspecified``; an ``id`` among the parameters must be the one the name and parameters give. Both are
    checked here, so a typo fails at once rather than at ``leaderboard submit``. :meth:`of` builds one from a
    protocol object.
    """

    name: str = UNSPECIFIED
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from microsr_bench.protocols.protocols import PROTOCOL_NAMES, protocol_id
        from microsr_bench.registry import unknown_name

        if self.name != UNSPECIFIED and self.name not in PROTOCOL_NAMES:
            raise unknown_name("protocol", self.name, [*PROTOCOL_NAMES, UNSPECIFIED])
        given = self.parameters.get("id")
        if given is not None:
            want = protocol_id(self.name, {k: v for k, v in self.parameters.items() if k != "id"})
            if given != want:
                raise InvalidArgumentError(
                    f"protocol id {given!r} does not match protocol {self.name!r} with parameters "
                    f"{dict(self.parameters)}, which give {want!r}; leave 'id' out or use ProtocolInfo.of(protocol)."
                )

    @classmethod
    def of(cls, protocol: Any) -> ProtocolInfo:
        """From a protocol object (``paired(...)``, ``zero_shot(...)``, ...): name, parameters and id."""
        return cls(name=protocol.name, parameters={**protocol.parameters, "id": protocol.id})
