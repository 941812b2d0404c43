"""Canonical test fingerprints: which test data a leaderboard accepts for each source."""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources

from microsr_bench.data.manifest import Manifest

#: Frozen manifests of the simulated data, one file per size, shipped in the package.
_FROZEN = "manifests/simulated-{size}.json.gz"


@cache
def frozen_simulated_manifests(size: str = "full") -> dict[str, Manifest]:
    """The frozen manifests of the simulated data of one size (empty if none is shipped for it).

    Only manifests frozen with the current simulator version count: data of another version is never
    compared with, nor ranked against, what this version generates.
    """
    from microsr_bench.simulate import SIMULATOR_VERSION

    resource = resources.files("microsr_bench.data").joinpath(_FROZEN.format(size=size))
    if not resource.is_file():
        return {}
    data = json.loads(gzip.decompress(resource.read_bytes()))
    if data.get("simulator_version") != SIMULATOR_VERSION:
        return {}
    return {name: Manifest.from_dict(m, origin=f"frozen {name}") for name, m in data["manifests"].items()}


def canonical_test_fingerprint(source: str, dataset: str) -> str | None:
    """The test fingerprint a leaderboard accepts for ``dataset`` on ``source``'s board, or None if unknown.

    Simulated: the frozen manifest of the full simulated data. Real (``folder``/``hub``): not known until the
    real data is published; the leaderboard keeps its own registry of accepted real fingerprints.
    """
    if source == "simulated":
        manifest = frozen_simulated_manifests("full").get(dataset)
        return manifest.fingerprint("test") if manifest else None
    return None
