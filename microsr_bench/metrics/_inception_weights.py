"""Finding and safely loading the FID Inception weights file; nothing is ever downloaded.

Lookup order: an explicit path, the ``MICROSR_BENCH_INCEPTION`` environment variable, the torch hub
cache (``torch.hub.get_dir()/checkpoints``, i.e. ``$TORCH_HOME/hub/checkpoints``, and
``~/.cache/torch/hub/checkpoints``), then any Hugging Face hub cache snapshot holding a file with the
published name. The file is read with ``torch.load(..., weights_only=True)``, which refuses
arbitrary pickled objects, and its names and shapes are checked against the network before use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch

from microsr_bench.errors import InvalidArgumentError, NotFoundError
from microsr_bench.metrics._inception import FIDInceptionV3

__all__ = ["WEIGHTS_ENV", "WEIGHTS_FILENAME", "WEIGHTS_URL", "find_inception_weights", "load_fid_inception"]

#: The file name pytorch-fid publishes (the suffix is the start of its SHA-256, torch hub's convention).
WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
#: Where to download it from (pytorch-fid release assets, Apache-2.0).
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_FILENAME}"
#: Environment variable naming the weights file.
WEIGHTS_ENV = "MICROSR_BENCH_INCEPTION"


def _hub_checkpoint_dirs() -> list[Path]:
    dirs = [Path(torch.hub.get_dir()) / "checkpoints", Path.home() / ".cache" / "torch" / "hub" / "checkpoints"]
    return list(dict.fromkeys(dirs))


def _hf_cache_dirs() -> list[Path]:
    candidates = []
    if os.environ.get("HF_HUB_CACHE"):
        candidates.append(Path(os.environ["HF_HUB_CACHE"]))
    if os.environ.get("HF_HOME"):
        candidates.append(Path(os.environ["HF_HOME"]) / "hub")
    candidates.append(Path.home() / ".cache" / "huggingface" / "hub")
    return list(dict.fromkeys(candidates))


def _search_locations() -> list[Path]:
    """Candidate files in lookup order, after the explicit path and the environment variable."""
    found = [d / WEIGHTS_FILENAME for d in _hub_checkpoint_dirs()]
    for cache in _hf_cache_dirs():
        if cache.is_dir():
            # Snapshots are models--<org>--<name>/snapshots/<revision>/<file>, maybe one folder deeper.
            found += sorted(cache.glob(f"models--*/snapshots/*/{WEIGHTS_FILENAME}"))
            found += sorted(cache.glob(f"models--*/snapshots/*/*/{WEIGHTS_FILENAME}"))
    return found


def find_inception_weights(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate the FID Inception weights file (see the module docstring for the order).

    Raises:
        NotFoundError: an explicit path or ``MICROSR_BENCH_INCEPTION`` names a missing file, or no
            location holds the file; the message says where to download it and where to put it.
    """
    how_to = (
        f"Download {WEIGHTS_FILENAME} from {WEIGHTS_URL} and either pass its path (weights=...), set "
        f"{WEIGHTS_ENV}=/path/to/{WEIGHTS_FILENAME}, or put it in {_hub_checkpoint_dirs()[0]}. "
        "Nothing is downloaded at run time."
    )
    if path is not None:
        explicit = Path(path).expanduser()
        if not explicit.is_file():
            raise NotFoundError(
                f"FID Inception weights file {str(explicit)!r} (given as weights=) does not exist. {how_to}"
            )
        return explicit
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        from_env = Path(env).expanduser()
        if not from_env.is_file():
            raise NotFoundError(f"{WEIGHTS_ENV}={env!r} does not name an existing file. {how_to}")
        return from_env
    for candidate in _search_locations():
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in _hub_checkpoint_dirs())
    raise NotFoundError(
        f"FID Inception weights {WEIGHTS_FILENAME} not found ({WEIGHTS_ENV} unset; searched {searched} and the "
        f"Hugging Face cache). {how_to}"
    )


def _check_state_dict(state: object, model: FIDInceptionV3, source: Path) -> Mapping[str, torch.Tensor]:
    fix = f"Use {WEIGHTS_FILENAME} from {WEIGHTS_URL}."
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InvalidArgumentError(f"{str(source)!r} does not hold a state dict of tensors. {fix}")
    expected = {k: v.shape for k, v in model.state_dict().items()}
    optional = {k for k in expected if k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state) - optional)
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if tuple(state[k].shape) != tuple(expected[k]))
    problems = [
        f"{label} {names[:5]}{' ...' if len(names) > 5 else ''}"
        for label, names in (("missing", missing), ("unexpected", unexpected), ("wrong shapes for", wrong))
        if names
    ]
    if problems:
        raise InvalidArgumentError(
            f"{str(source)!r} is not the FID Inception-v3 state dict: {'; '.join(problems)}. {fix}"
        )
    return state


def load_fid_inception(
    path: str | os.PathLike[str] | None = None, *, device: str | torch.device = "cpu"
) -> FIDInceptionV3:
    """Build :class:`FIDInceptionV3`, load the weights found by :func:`find_inception_weights`, eval mode.

    Raises:
        NotFoundError: the file is not found.
        InvalidArgumentError: the file is not a state dict with the expected names and shapes.
    """
    source = find_inception_weights(path)
    model = FIDInceptionV3()
    try:
        state = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or unsafe files
        raise InvalidArgumentError(
            f"Cannot load {str(source)!r} as weights (torch.load with weights_only=True): {exc}. "
            f"Re-download {WEIGHTS_FILENAME} from {WEIGHTS_URL}."
        ) from exc
    model.load_state_dict(dict(_check_state_dict(state, model, source)), strict=False)
    return model.eval().to(device)
