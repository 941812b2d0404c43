"""The compiled pixel-wise steps have the bits of the NumPy formulas they replace."""

import numpy as np

from microsr_bench.metrics._pixelwise import quantize, squared_difference


def test_quantize_equals_numpy_clip_rint_on_halves_signs_and_out_of_range_values():
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.random(5000) * 1.2 - 0.1,
            (np.arange(-3, 260) + 0.5) / 255,  # exact halves: round half to even
            [-0.0, 0.0, -1e-300, 1.0, 1.0 + 1e-16, 1e300, -1e300],
        ]
    )
    for peak in (255.0, 4095.0, 1.0):
        expected = np.clip(np.rint(values * peak), 0.0, peak)
        got = quantize(values, peak)
        assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected)), peak


def test_quantize_keeps_the_shape_and_takes_strided_views():
    image = np.random.default_rng(4).random((3, 40, 50))
    view = image[:, 2:-2, 3:-3]
    expected = np.clip(np.rint(view * 255.0), 0.0, 255.0)
    got = quantize(view, 255.0)
    assert got.shape == view.shape and got.flags.c_contiguous and np.array_equal(got, expected)
    assert not np.shares_memory(got, image)


def test_squared_difference_equals_numpy_and_writes_into_out():
    rng = np.random.default_rng(5)
    x, y = rng.random((64, 48)) * 4095, rng.random((64, 48)) * 4095
    out = np.empty((64, 48))
    got = squared_difference(x, y, out)
    assert got is out and np.array_equal(out, np.square(x - y))
    strided = rng.random((64, 96))[:, ::2]
    assert np.array_equal(squared_difference(x, strided, np.empty((64, 48))), np.square(x - strided))
