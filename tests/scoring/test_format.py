"""The prediction file format: scaling rule per dtype, encoders, and refusals before decoding."""

import numpy as np
import pytest
import tifffile

from microsr_bench.scoring.format import (
    PredictionFileError,
    encode_prediction,
    load_prediction,
    read_prediction,
    to_unit,
)


@pytest.mark.parametrize(
    ("fmt", "dtype"),
    [(f, d) for f in ("tif", "png", "npy") for d in ("uint8", "uint16", "float32") if (f, d) != ("png", "float32")],
)
def test_encode_read_roundtrip(tmp_path, fmt, dtype):
    image = np.linspace(0, 1, 64 * 64).reshape(64, 64)
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(encode_prediction(image, fmt=fmt, dtype=dtype, max_value=4095))
    back = read_prediction(path, shape=(64, 64), max_value=4095)
    # Quantisation step of each dtype bounds the error: 1/255, 1/4095, float32 epsilon.
    step = {"uint8": 1 / 255, "uint16": 1 / 4095, "float32": 1e-7}[dtype]
    assert np.abs(back - image).max() <= step / 2 + 1e-12
    # Validation checks files without widening them (load_prediction); the scorer reads them straight into
    # its batch (out=): both must agree with the plain read and the scaling rule, bit for bit.
    raw = load_prediction(path, shape=(64, 64), max_value=4095)
    assert raw.dtype == np.dtype(dtype) and raw.shape == (64, 64)
    assert np.array_equal(back, to_unit(raw, 4095))
    batch = np.full((2, 64, 64), -1.0)
    read_prediction(path, shape=(64, 64), max_value=4095, out=batch[1])
    assert np.array_equal(batch[1], back) and (batch[0] == -1.0).all()


def test_load_refuses_values_the_format_forbids(tmp_path):
    path = tmp_path / "x.tif"
    tifffile.imwrite(path, np.full((8, 8), 5000, np.uint16))
    with pytest.raises(PredictionFileError, match="uint16 value 5000 above the data's max_value 4095"):
        load_prediction(path, shape=(8, 8), max_value=4095)


def test_png_refuses_float32():
    with pytest.raises(ValueError, match="PNG cannot hold float32"):
        encode_prediction(np.zeros((4, 4)), fmt="png", dtype="float32", max_value=255)


def test_scaling_rules():
    assert to_unit(np.array([[255]], np.uint8), 4095)[0, 0] == 1.0  # uint8: /255
    assert to_unit(np.array([[4095]], np.uint16), 4095)[0, 0] == 1.0  # uint16: /max_value
    with pytest.raises(PredictionFileError, match="uint16 value 5000 above the data's max_value 4095"):
        to_unit(np.array([[5000]], np.uint16), 4095)
    with pytest.raises(PredictionFileError, match=r"float32 values in \[-0.5, 1\], expected within \[0, 1\]"):
        to_unit(np.array([[-0.5, 1.0]], np.float32), 4095)
    with pytest.raises(PredictionFileError, match="2 NaN or Inf values"):
        to_unit(np.array([[np.nan, np.inf]], np.float32), 4095)
    with pytest.raises(PredictionFileError, match="dtype int32"):
        to_unit(np.array([[1]], np.int32), 4095)


def test_header_checks_happen_before_decoding(tmp_path):
    big = tmp_path / "big.npy"
    np.save(big, np.zeros((512, 512), np.float32))  # 1 MB: more than any 64x64 image needs
    with pytest.raises(PredictionFileError, match=r"1048704 bytes is too large for a 64x64 image"):
        read_prediction(big, shape=(64, 64), max_value=255)
    stack = tmp_path / "stack.tif"
    tifffile.imwrite(stack, np.zeros((2, 64, 64), np.uint8))  # small, but two pages
    with pytest.raises(PredictionFileError, match="TIFF with 2 pages; expected exactly one image"):
        read_prediction(stack, shape=(64, 64), max_value=255)
    bomb = tmp_path / "bomb.png"
    from PIL import Image

    Image.new("L", (12000, 12000)).save(bomb)  # ~0.15 MB on disk; decoding would take 144 MB
    assert bomb.stat().st_size < 4.5 * 512 * 512, "small enough to pass the size check"
    with (
        pytest.warns(Image.DecompressionBombWarning),
        pytest.raises(PredictionFileError, match=r"shape \(12000, 12000\), expected \(512, 512\)"),
    ):
        read_prediction(bomb, shape=(512, 512), max_value=255)
