"""Weights I/O: official Real-ESRGAN ``.pth`` files, the 3->1 channel conversion, our safetensors files.

Official checkpoints are read with ``torch.load(..., weights_only=True)`` only: a file that needs
arbitrary unpickling is refused. Every load is strict: missing keys, unexpected keys and shape
mismatches are all listed in one error that names the file.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

import torch
from torch import nn

from baselines.realesrgan.discriminator import DiscriminatorConfig, UNetDiscriminatorSN
from baselines.realesrgan.hub import locate_weights, missing_weights_error
from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from microsr_bench.errors import DataError, InvalidArgumentError

__all__ = [
    "ARCH_KEY",
    "CONFIG_KEY",
    "check_state_dict",
    "discriminator_to_single_channel",
    "load_official_discriminator",
    "load_official_generator",
    "load_weights",
    "read_checkpoint",
    "read_official_state",
    "read_weights",
    "save_weights",
    "to_single_channel",
]

#: safetensors metadata key holding the architecture name.
ARCH_KEY = "microsr_bench.arch"
#: safetensors metadata key holding the architecture's config as JSON.
CONFIG_KEY = "microsr_bench.config"

_ARCHS: dict[str, Any] = {
    "RRDBNet": (RRDBNet, RRDBNetConfig),
    "UNetDiscriminatorSN": (UNetDiscriminatorSN, DiscriminatorConfig),
}

#: A class torch's weights-only unpickler refused, in the wording of torch 2.0 to 2.9 (its case varies).
_REFUSED_GLOBAL = re.compile(r"unsupported global:?\s*(?:GLOBAL\s+)?([\w.]+)", re.IGNORECASE)

M = TypeVar("M", bound=nn.Module)
StateDict = dict[str, torch.Tensor]


def read_checkpoint(path: str | os.PathLike[str]) -> Any:
    """``torch.load(path, map_location='cpu', weights_only=True)`` with errors that name the file."""
    file = Path(path)
    if not file.is_file():
        raise missing_weights_error(file.name, [file])
    try:
        return torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        # torch names a refused class "Unsupported global: GLOBAL x.y" (<= 2.5) or "unsupported GLOBAL x.y whose
        # module x is blocked" (2.6+); anything else is a damaged file.
        refused = _REFUSED_GLOBAL.search(str(err))
        if refused is None:
            raise DataError(
                f"{file} could not be read as a PyTorch checkpoint (the pickle stream is invalid). The file is "
                "truncated or not a .pth file: download it again."
            ) from err
        raise DataError(
            f"{file} refused: the file contains code (pickle global {refused.group(1)}), not only weights. Loading "
            "it would run that code, which this package never does (torch.load weights_only=True). Do not use "
            "this file; if you made it yourself, re-save only the state dict "
            "(torch.save({'params': model.state_dict()}, path)) from a trusted environment."
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        raise DataError(
            f"{file} could not be read as a PyTorch checkpoint ({type(err).__name__}: {err}). The file is "
            "truncated or not a .pth file: download it again."
        ) from err


def _strip_module_prefix(state: Mapping[str, Any]) -> StateDict:
    # Checkpoints saved from DistributedDataParallel prefix every key with "module." (BasicSR strips it too).
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module.") :]: v for k, v in state.items()}
    return dict(state)


def read_official_state(
    path: str | os.PathLike[str], *, param_key: Literal["params_ema", "params"] | None = None
) -> tuple[StateDict, str]:
    """Read the network state out of a BasicSR-format checkpoint.

    BasicSR saves ``{"params": ...}`` or ``{"params_ema": ...}`` (Real-ESRGAN generators ship their EMA
    weights under ``params_ema``; discriminators under ``params``). With ``param_key=None`` the order is
    ``params_ema``, then ``params``, then a bare state dict.

    Returns:
        The state dict and the key it was found under (``""`` for a bare state dict).
    """
    file = Path(path)
    raw = read_checkpoint(file)
    if not isinstance(raw, Mapping):
        raise DataError(f"{file} holds a {type(raw).__name__}, expected a dict of tensors or of state dicts.")
    if param_key is not None and param_key not in raw:
        raise DataError(
            f"{file} has no {param_key!r} entry (top-level keys: {sorted(map(str, raw))[:10]}). "
            "Pass param_key=None to take whichever of 'params_ema' / 'params' is present."
        )
    present = [k for k in ("params_ema", "params") if k in raw]
    key: str = param_key if param_key is not None else (present[0] if present else "")
    state = raw[key] if key else raw
    if not isinstance(state, Mapping):
        raise DataError(f"{file}[{key!r}] is a {type(state).__name__}, expected a state dict.")
    return _strip_module_prefix(state), key


def check_state_dict(expected: Mapping[str, torch.Tensor], got: Mapping[str, Any], *, source: str) -> None:
    """Compare a state dict with the one a model expects; raise one error listing every difference.

    Raises:
        DataError: missing keys, unexpected keys, non-tensor values or shape mismatches, all listed.
    """
    problems = [f"missing key {k!r} (shape {list(expected[k].shape)})" for k in expected if k not in got]
    problems += [f"unexpected key {k!r}" for k in got if k not in expected]
    for key in expected:
        if key not in got:
            continue
        value = got[key]
        if not isinstance(value, torch.Tensor):
            problems.append(f"{key!r} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != tuple(expected[key].shape):
            problems.append(f"{key!r} has shape {list(value.shape)}, expected {list(expected[key].shape)}")
    if problems:
        raise DataError(
            f"Weights in {source} do not match the network (wrong architecture, scale, channels or file?)",
            problems,
        )


def _load_strict(model: M, state: Mapping[str, Any], source: str) -> M:
    check_state_dict(model.state_dict(), state, source=source)
    model.load_state_dict(dict(state), strict=True)
    return model


def to_single_channel(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Convert a 3-channel RRDBNet state to a 1-channel one that computes the same function on gray images.

    Target: for a gray image ``g``, ``net1(g) == mean_c net3(repeat(g, 3))[:, c]``, exactly (up to float
    rounding). The network is linear in its first and last layers, so only those change:

    * ``conv_first``: pixel-unshuffle by ``r`` maps input channel ``c`` and in-block offset ``(i, j)`` to
      folded channel ``c * r**2 + i * r + j`` (BasicSR ``pixel_unshuffle`` and ``F.pixel_unshuffle`` agree).
      With ``c`` replicated, every colour sees the same folded plane ``s = i * r + j``, so
      ``sum_k W[:, k] x_k = sum_s (sum_c W[:, c * r**2 + s]) g_s``: the new weight is
      ``W.view(F, 3, r**2, kh, kw).sum(1)``; the bias is unchanged.
    * ``conv_last``: the mean over outputs of ``W_c * h + b_c`` is ``mean_c(W_c) * h + mean_c(b_c)``.

    Sums are taken in float64 and cast back to the original dtype.

    Raises:
        InvalidArgumentError: not a 3-channel RRDBNet state dict.
    """
    config = RRDBNetConfig.from_state_dict(state_dict)
    if config.num_in_ch != 3:
        raise InvalidArgumentError(
            f"to_single_channel needs a 3-channel RRDBNet state (conv_last.weight [3, F, 3, 3]); this one has "
            f"{config.num_in_ch} channel(s). It is already converted or not an RGB model."
        )
    out = {k: v.detach().clone() for k, v in state_dict.items()}
    first = state_dict["conv_first.weight"]
    folded = config.unshuffle**2
    out["conv_first.weight"] = (
        first.double().reshape(first.shape[0], 3, folded, *first.shape[2:]).sum(dim=1).to(first.dtype)
    )
    last_w, last_b = state_dict["conv_last.weight"], state_dict["conv_last.bias"]
    out["conv_last.weight"] = last_w.double().mean(dim=0, keepdim=True).to(last_w.dtype)
    out["conv_last.bias"] = last_b.double().mean(dim=0, keepdim=True).to(last_b.dtype)
    return out


def discriminator_to_single_channel(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Convert a 3-channel UNetDiscriminatorSN state to 1 channel, exact on gray images replicated to RGB.

    Only ``conv0`` sees the image; with identical input channels its output is the convolution of the
    gray image with the weights summed over input channels. ``conv0`` carries no spectral norm, so no
    power-iteration state changes.
    """
    config = DiscriminatorConfig.from_state_dict(state_dict)
    if config.num_in_ch != 3:
        raise InvalidArgumentError(
            f"discriminator_to_single_channel needs conv0.weight with 3 input channels, got {config.num_in_ch}."
        )
    out = {k: v.detach().clone() for k, v in state_dict.items()}
    weight = state_dict["conv0.weight"]
    out["conv0.weight"] = weight.double().sum(dim=1, keepdim=True).to(weight.dtype)
    return out


def load_official_generator(
    path: str | os.PathLike[str] | None = None,
    *,
    config: RRDBNetConfig | Literal["infer"] | None = None,
    in_channels: Literal[1, 3] = 3,
    param_key: Literal["params_ema", "params"] | None = None,
) -> RRDBNet:
    """Load an official Real-ESRGAN generator checkpoint (e.g. ``RealESRGAN_x2plus.pth``) into :class:`RRDBNet`.

    ``config`` is the architecture the file must match, by default the official x2plus one
    (``RRDBNetConfig()``); ``"infer"`` reads it from the file's shapes (x4plus, anime_6B, ...). With
    ``in_channels=1`` the weights are converted by :func:`to_single_channel` after the strict check.
    The model is returned in eval mode. Without ``path``, ``RealESRGAN_x2plus.pth`` is looked up offline
    by :func:`~baselines.realesrgan.hub.locate_weights`.
    """
    if in_channels not in (1, 3):
        raise InvalidArgumentError(f"in_channels must be 1 or 3, got {in_channels!r}.")
    path = path if path is not None else locate_weights("RealESRGAN_x2plus.pth")
    state, _ = read_official_state(path, param_key=param_key)
    if config == "infer":
        config = RRDBNetConfig.from_state_dict(state)
    model = _load_strict(RRDBNet.from_config(config or RRDBNetConfig()), state, str(path))
    if in_channels == 1:
        gray = to_single_channel(model.state_dict())
        model = _load_strict(RRDBNet.from_config(RRDBNetConfig.from_state_dict(gray)), gray, str(path))
    return model.eval()


def load_official_discriminator(
    path: str | os.PathLike[str] | None = None,
    *,
    config: DiscriminatorConfig | None = None,
    in_channels: Literal[1, 3] = 3,
) -> UNetDiscriminatorSN:
    """Load an official discriminator checkpoint (``RealESRGAN_x2plus_netD.pth``, key ``params``).

    With ``in_channels=1`` ``conv0`` is converted by :func:`discriminator_to_single_channel`. Without
    ``path``, ``RealESRGAN_x2plus_netD.pth`` is looked up offline by
    :func:`~baselines.realesrgan.hub.locate_weights`.
    """
    if in_channels not in (1, 3):
        raise InvalidArgumentError(f"in_channels must be 1 or 3, got {in_channels!r}.")
    path = path if path is not None else locate_weights("RealESRGAN_x2plus_netD.pth")
    config = config or DiscriminatorConfig()
    state, _ = read_official_state(path)
    model = _load_strict(UNetDiscriminatorSN.from_config(config), state, str(path))
    if in_channels == 1:
        gray = discriminator_to_single_channel(model.state_dict())
        gray_config = DiscriminatorConfig(1, config.num_feat, config.skip_connection)
        model = _load_strict(UNetDiscriminatorSN.from_config(gray_config), gray, str(path))
    return model


def save_weights(model: nn.Module, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``model.state_dict()`` to a safetensors file, atomically (temp file, then ``os.replace``).

    The architecture name and config of our networks go into the metadata so :func:`load_weights` can
    rebuild the model; ``metadata`` adds string entries (e.g. dataset, shots, source commit).
    """
    from safetensors.torch import save_file

    user = dict(metadata or {})
    bad = [k for k, v in user.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise InvalidArgumentError(f"safetensors metadata must map str to str; offending key(s): {bad}.")
    reserved = sorted({"format", ARCH_KEY, CONFIG_KEY} & set(user))
    if reserved:
        raise InvalidArgumentError(f"Metadata key(s) {reserved} are reserved; choose other names.")
    meta = {"format": "pt", **user}
    config = getattr(model, "config", None)
    if type(model).__name__ in _ARCHS and config is not None:
        meta[ARCH_KEY] = type(model).__name__
        meta[CONFIG_KEY] = json.dumps(config.to_dict(), sort_keys=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        save_file(tensors, str(tmp), metadata=meta)
        tmp.replace(target)  # os.replace: atomic on POSIX and Windows
    finally:
        tmp.unlink(missing_ok=True)
    return target


def read_weights(path: str | os.PathLike[str]) -> tuple[StateDict, dict[str, str]]:
    """Read a safetensors file: its tensors (on CPU) and its metadata."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    file = Path(path)
    if not file.is_file():
        raise missing_weights_error(file.name, [file])
    try:
        with safe_open(str(file), framework="pt") as handle:
            metadata = dict(handle.metadata() or {})
        return load_file(str(file), device="cpu"), metadata
    except Exception as err:  # safetensors raises its own SafetensorError (not exported in a stable place)
        raise DataError(f"{file} is not a readable safetensors file ({err}). Save it again with save_weights.") from err


@overload
def load_weights(path: str | os.PathLike[str]) -> nn.Module: ...
@overload
def load_weights(path: str | os.PathLike[str], model: M) -> M: ...
def load_weights(path: str | os.PathLike[str], model: nn.Module | None = None) -> nn.Module:
    """Load a safetensors file written by :func:`save_weights`, strictly.

    With ``model`` the weights go into it; without, the network is rebuilt from the file's metadata.
    """
    state, metadata = read_weights(path)
    if model is None:
        arch = metadata.get(ARCH_KEY)
        if arch not in _ARCHS or CONFIG_KEY not in metadata:
            raise DataError(
                f"{path} does not say which network it holds (metadata {ARCH_KEY!r} is {arch!r}; known: "
                f"{sorted(_ARCHS)}). Build the model yourself and call load_weights(path, model)."
            )
        cls, config_cls = _ARCHS[arch]
        model = cls.from_config(config_cls.from_dict(json.loads(metadata[CONFIG_KEY])))
    return _load_strict(model, state, str(path))
