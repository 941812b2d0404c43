"""The torch luma JPEG against Pillow's (libjpeg's) grayscale baseline JPEG."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from microsr_bench.degradations.realesrgan.jpeg import (
    LUMA_QUANT_TABLE,
    dct_matrix,
    diffjpeg_tables,
    jpeg_luma,
    luma_tables,
)


def _pillow_roundtrip(image: np.ndarray, quality: int) -> tuple[np.ndarray, np.ndarray]:
    buffer = io.BytesIO()
    Image.fromarray(image, mode="L").save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    decoded = Image.open(buffer)
    table = np.array(decoded.quantization[0], dtype=np.float64).reshape(8, 8)  # type: ignore[attr-defined]
    return np.asarray(decoded), table


def _ours(image: np.ndarray, quality: float) -> np.ndarray:
    tensor = torch.from_numpy(image.astype(np.float32) / 255.0)[None, None]
    return (jpeg_luma(tensor, torch.tensor([quality]))[0, 0] * 255.0).round().numpy()


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _images() -> dict[str, np.ndarray]:
    # Odd sizes on purpose (100 x 132, 61 x 45): partial blocks exercise the edge-replication padding.
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:100, 0:132]
    smooth = 127 + 100 * np.sin(xx / 7.0) * np.cos(yy / 11.0)
    return {
        "smooth": smooth.round().clip(0, 255).astype(np.uint8),
        "textured": (smooth + rng.normal(0, 20, smooth.shape)).round().clip(0, 255).astype(np.uint8),
        "noise": (rng.random((61, 45)) * 255).astype(np.uint8),
    }


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95, 100])
def test_quantisation_tables_equal_pillows(quality: int) -> None:
    # Reference: the luminance table libjpeg writes into the file (Pillow's ``quantization``, natural order).
    _, table = _pillow_roundtrip(np.zeros((8, 8), np.uint8), quality)
    np.testing.assert_array_equal(luma_tables(torch.tensor([float(quality)]))[0].numpy(), table)


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95])
def test_decoded_image_matches_pillow(quality: int) -> None:
    # Tolerance: libjpeg's default integer DCT (JDCT_ISLOW, 13-bit fixed-point constants) and its
    # integer descaling differ from our float DCT by fractions of a unit, which flips the rounding of a
    # few coefficients; one flipped coefficient moves a block by up to q/8 grey levels. Measured PSNR
    # (ours vs Pillow) on these images: >= 42.7 dB at q30, >= 48.9 dB at q90 (compression itself costs
    # 18-54 dB), so 40 dB everywhere and 45 dB at q >= 90 leave margin. The bounds still fail for the
    # DiffJPEG transposed table (19-41 dB on these images) and for zero padding (26-40 dB up to q90).
    bound = 45.0 if quality >= 90 else 40.0
    for name, image in _images().items():
        reference, _ = _pillow_roundtrip(image, quality)
        assert _psnr(_ours(image, quality), reference) > bound, name


def test_quality_100_is_nearly_lossless() -> None:
    # All table entries are 1 at q100, so only coefficient rounding remains: error < 1 grey level RMS.
    image = _images()["textured"]
    assert _psnr(_ours(image, 100.0), image) > 48.0


def test_dct_matrix_is_orthonormal() -> None:
    # Closed form: D D^T = I for the orthonormal DCT-II, the transform of JPEG's FDCT (T.81 A.3.3).
    d = dct_matrix(torch.float64)
    torch.testing.assert_close(d @ d.T, torch.eye(8, dtype=torch.float64))


def test_batch_uses_per_image_quality() -> None:
    # Each image of a batch must be compressed with its own quality, as DiffJPEG does with a [B] tensor.
    image = _images()["textured"][:64, :64]
    batch = torch.from_numpy(image.astype(np.float32) / 255.0)[None, None].repeat(2, 1, 1, 1)
    out = jpeg_luma(batch, torch.tensor([30.0, 95.0]))
    for i, quality in enumerate((30.0, 95.0)):
        np.testing.assert_array_equal((out[i, 0] * 255).round().numpy(), _ours(image, quality))
    assert out.shape == batch.shape and out.dtype == batch.dtype


def test_output_stays_in_unit_range() -> None:
    # Decoded values are clamped to [0, 255] before scaling, as DiffJPEG does.
    checker = (np.indices((32, 32)).sum(0) % 2 * 255).astype(np.float32) / 255.0
    out = jpeg_luma(torch.from_numpy(checker)[None, None], 30.0)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_diffjpeg_tables_are_transposed_and_not_rounded() -> None:
    # Closed form from BasicSR diffjpeg.py: y_table = Table K.1 transposed, times quality_to_factor(q) =
    # (5000 / q if q < 50 else 200 - 2 q) / 100, with no rounding or clamping.
    tables = diffjpeg_tables(torch.tensor([50.0, 90.0, 30.0], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(tables[0], LUMA_QUANT_TABLE.T)
    np.testing.assert_allclose(tables[1], LUMA_QUANT_TABLE.T * 0.2)
    np.testing.assert_allclose(tables[2], LUMA_QUANT_TABLE.T * (5000 / 30) / 100)


def test_diffjpeg_variant_differs_in_pattern_but_not_in_severity() -> None:
    # Measured on this image at q50: DiffJPEG-style and libjpeg-style outputs are ~27 dB apart (the
    # transposed table moves the artefacts) while both lose ~24.9 dB against the input; the bounds
    # (< 33 dB apart, severities within 1 dB) keep a margin of several dB.
    image = _images()["textured"]
    tensor = torch.from_numpy(image.astype(np.float32) / 255.0)[None, None]
    ours = jpeg_luma(tensor, 50.0)[0, 0].numpy() * 255
    diff = jpeg_luma(tensor, 50.0, variant="diffjpeg")[0, 0].numpy() * 255
    assert diff.shape == image.shape
    assert _psnr(ours, diff) < 33.0
    assert abs(_psnr(ours, image) - _psnr(diff, image)) < 1.0
