"""Reading ncnn model files (``.param`` text graph + ``.bin`` weights) into NumPy, for weight conversion.

Only what a plain convolutional network needs is supported: the layer list of the ``.param`` file and the
``Convolution`` weights of the ``.bin`` file, stored as float32, float16 or float32-with-tag. Format facts
(from ncnn's ``src/net.cpp``, ``src/modelbin.cpp`` and ``src/layer/convolution.cpp``, BSD-3, Tencent):

* ``.param``: the magic line ``7767517``, then ``layer_count blob_count``, then one line per layer:
  ``type name n_in n_out in_blobs... out_blobs... key=value...``; a negative key ``-233xx`` holds an array
  ``count,v1,v2,...`` for parameter ``xx``.
* ``.bin``: the layers' weights in layer order. A Convolution stores its weight (``6=`` elements, laid out
  ``[out, in, kh, kw]`` as in PyTorch) behind a 4-byte tag that names the storage type, then (``5=1``) its
  bias as raw float32 with no tag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from microsr_bench.errors import DataError

__all__ = ["NcnnConv", "NcnnLayer", "parse_param", "read_convolutions"]

_MAGIC = "7767517"
#: Storage tags of a weight blob (ncnn ``modelbin.cpp``).
_TAG_FP16 = 0x01306B47
_TAG_INT8 = 0x000D4B38
_TAG_FP32 = 0x0002C056


@dataclass(frozen=True)
class NcnnLayer:
    """One layer line of a ``.param`` file."""

    kind: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    #: Scalar parameters by id (ints and floats as written).
    params: dict[int, float] = field(default_factory=dict)
    #: Array parameters by id (from the ``-233xx`` keys).
    arrays: dict[int, tuple[float, ...]] = field(default_factory=dict)

    def int_param(self, key: int, default: int) -> int:
        return int(self.params.get(key, default))


@dataclass(frozen=True)
class NcnnConv:
    """A Convolution layer with its weights: ``weight`` float32 ``[out, in, k, k]``, ``bias`` float32 or None."""

    name: str
    weight: np.ndarray
    bias: np.ndarray | None
    #: Storage of the weight in the file: ``"fp16"`` or ``"fp32"``.
    storage: str
    #: LeakyReLU slope fused after the convolution (activation type 2), or None for no activation.
    leaky_slope: float | None


def _number(text: str) -> float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def parse_param(path: str | os.PathLike[str]) -> list[NcnnLayer]:
    """Parse an ncnn ``.param`` text file into its layers; a malformed file raises :class:`DataError`."""
    file = Path(path)
    lines = [line.split() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines or lines[0] != [_MAGIC]:
        raise DataError(f"{file} is not an ncnn .param file: the first line must be {_MAGIC!r}.")
    try:
        layer_count = int(lines[1][0])
        layers = [_parse_layer(tokens) for tokens in lines[2:]]
    except (IndexError, ValueError) as exc:
        raise DataError(f"{file} is a damaged ncnn .param file ({exc}); reinstall the package that ships it.") from exc
    if len(layers) != layer_count:
        raise DataError(f"{file} declares {layer_count} layers but lists {len(layers)}; the file is truncated.")
    return layers


def _parse_layer(tokens: list[str]) -> NcnnLayer:
    kind, name, n_in, n_out = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
    blobs = tokens[4 : 4 + n_in + n_out]
    params: dict[int, float] = {}
    arrays: dict[int, tuple[float, ...]] = {}
    for item in tokens[4 + n_in + n_out :]:
        key_text, value = item.split("=", 1)
        key = int(key_text)
        if key <= -23300:
            values = value.split(",")
            arrays[-key - 23300] = tuple(float(v) for v in values[1 : 1 + int(values[0])])
        else:
            params[key] = _number(value)
    return NcnnLayer(kind, name, tuple(blobs[:n_in]), tuple(blobs[n_in:]), params, arrays)


def _read_weight(buf: memoryview, offset: int, count: int, where: str) -> tuple[np.ndarray, int, str]:
    tag = int.from_bytes(buf[offset : offset + 4], "little")
    offset += 4
    if tag == _TAG_FP16:
        nbytes = (count * 2 + 3) // 4 * 4
        data = np.frombuffer(buf[offset : offset + count * 2], dtype="<f2").astype(np.float32)
        return data, offset + nbytes, "fp16"
    if tag in (_TAG_FP32, 0):
        data = np.frombuffer(buf[offset : offset + count * 4], dtype="<f4").astype(np.float32)
        return data, offset + count * 4, "fp32"
    storage = "int8" if tag == _TAG_INT8 else f"quantised (tag {tag:#x})"
    raise DataError(f"{where}: weight storage {storage} is not supported; only float16 and float32 ncnn models are.")


def read_convolutions(param: str | os.PathLike[str], weights: str | os.PathLike[str]) -> list[NcnnConv]:
    """Read every Convolution of an ncnn model, in graph order, with its weights as float32 arrays.

    Raises:
        DataError: a layer with weights other than Convolution, a truncated or over-long ``.bin`` file, or a
            weight storage other than float16/float32.
    """
    layers = parse_param(param)
    blob = Path(weights).read_bytes()
    buf = memoryview(blob)
    offset = 0
    convs = []
    for layer in layers:
        if layer.kind in ("Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp"):
            continue
        if layer.kind != "Convolution":
            raise DataError(f"{param}: layer {layer.name} of type {layer.kind} is not supported by this reader.")
        out_ch, kernel = layer.int_param(0, 0), layer.int_param(1, 0)
        count = layer.int_param(6, 0)
        where = f"{weights} (layer {layer.name})"
        if out_ch <= 0 or kernel <= 0 or count % (out_ch * kernel * kernel):
            raise DataError(f"{where}: weight size {count} does not match {out_ch} outputs of {kernel}x{kernel}.")
        if offset + 4 > len(buf):
            raise DataError(f"{where}: the .bin file ends early ({len(buf)} bytes); it is truncated.")
        flat, offset, storage = _read_weight(buf, offset, count, where)
        bias = None
        if layer.int_param(5, 0):
            bias = np.frombuffer(buf[offset : offset + out_ch * 4], dtype="<f4").astype(np.float32)
            offset += out_ch * 4
        if flat.size != count or (bias is not None and bias.size != out_ch):
            raise DataError(f"{where}: the .bin file ends early ({len(buf)} bytes); it is truncated.")
        in_ch = count // (out_ch * kernel * kernel)
        slope = layer.arrays.get(10, (0.0,))[0] if layer.int_param(9, 0) == 2 else None
        convs.append(NcnnConv(layer.name, flat.reshape(out_ch, in_ch, kernel, kernel), bias, storage, slope))
    if offset != len(buf):
        raise DataError(
            f"{weights}: {len(buf) - offset} bytes left after the last layer's weights; the .bin does not belong "
            f"to {param}."
        )
    return convs
