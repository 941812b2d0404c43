"""Named random streams and the quantisation guard that make the simulation machine-independent."""

from __future__ import annotations

import hashlib

import numpy as np

from microsr_bench.simulate._numerics import QUANTUM, quantise, quantise_scalar, snap, stream


def test_stream_is_seeded_from_sha256_of_its_key() -> None:
    # Reference: the same construction written out by hand (sha256 -> int -> SeedSequence -> PCG64).
    key = "microsr-bench/sim/v1/MITO/3/lr/7"
    entropy = int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy))).random(5)
    np.testing.assert_array_equal(stream("MITO", 3, "lr/7").random(5), expected)


def test_streams_differ_by_purpose_field_and_dataset() -> None:
    draws = {
        key: stream(*key).integers(0, 2**62)
        for key in [("MITO", 0, "hr"), ("MITO", 0, "lr/0"), ("MITO", 1, "hr"), ("MEM", 0, "hr")]
    }
    assert len(set(draws.values())) == len(draws)


def test_quantise_snaps_to_grid_and_is_idempotent() -> None:
    x = np.random.default_rng(0).uniform(0.0, 300.0, 10_000)
    q = quantise(x)
    np.testing.assert_array_equal(q / QUANTUM, np.round(q / QUANTUM))
    assert np.max(np.abs(q - x)) <= QUANTUM / 2
    np.testing.assert_array_equal(quantise(q), q)


def test_quantise_absorbs_last_ulp_differences() -> None:
    # The guard's purpose: a value one ulp off (a different SIMD exp/sin) lands on the same grid point,
    # unless it lies within an ulp of a rounding boundary (probability ~ ulp / quantum ~ 1e-11 here).
    x = np.random.default_rng(1).uniform(0.0, 50.0, 100_000)
    np.testing.assert_array_equal(quantise(np.nextafter(x, np.inf)), quantise(x))
    np.testing.assert_array_equal(quantise(np.nextafter(x, -np.inf)), quantise(x))


def test_scalar_quantisers() -> None:
    assert quantise_scalar(1.0 + 2.0**-40) == 1.0  # 24 significant bits drop the 2**-40
    assert quantise_scalar(-3.0) == -3.0
    assert quantise_scalar(0.0) == 0.0
    assert snap(0.3) == round(0.3 * 65536) / 65536
