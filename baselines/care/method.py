"""The ``care`` method: fit on the split a protocol allows, predict through bicubic x2 + the CARE U-Net.

``fit(train, validation)`` trains from the seeded initialisation on aligned LR/HR patches of ``train``
(paired protocol: the dataset at its shots; zero-shot: the source dataset; blind-synthetic: the pairs the
protocol synthesises from the training HR images) and validates on
``validation``'s real pairs; the run lives in ``<workdir>/care/paired-<key>/`` (the key hashes the config and
the frame ids), so a rerun resumes or reuses it. The record's ``parameters`` carry the budget, the config's
fingerprint, the training summary and ``initial_weights`` (``scratch``: CARE has no pre-trained weights).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import datasets
import torch

from baselines.care.config import CareConfig, care_config
from baselines.care.data import CarePatchSampler
from baselines.care.predictor import CarePredictor
from baselines.care.train import fresh_unet, train_care
from baselines.care.unet import CareUNet
from baselines.realesrgan.inference import super_resolve
from baselines.realesrgan.pretrained import state_sha256
from baselines.realesrgan.recipes import default_workdir, split_key
from baselines.realesrgan.train_validate import ValidationSet
from baselines.realesrgan.weights import read_weights, save_weights
from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import DataError, InvalidArgumentError, NotFoundError
from microsr_bench.protocols.method import MethodOptions

__all__ = ["Care"]

_KEY = "microsr_bench."


class Care:
    """CARE x2 (CSBDeep's residual U-Net after a bicubic x2), trained per protocol split."""

    name = "care"

    def __init__(self, options: MethodOptions | None = None, *, batch_size: int = 4, resume: bool = True) -> None:
        self.options = options or MethodOptions()
        self.config: CareConfig = care_config(self.options.budget, seed=self.options.seed)
        self.batch_size, self.resume = batch_size, resume
        self.net: CareUNet | None = None
        self.training: dict[str, Any] = {}
        self.identity: str | None = None
        self.initial_weights: dict[str, str] = {}
        self.initialisation = "scratch"
        self._fit_iterations: int | None = None
        if self.options.weights is not None:
            self.load(self.options.weights)

    @property
    def workdir(self) -> Path:
        return Path(self.options.workdir) if self.options.workdir is not None else default_workdir()

    @property
    def description(self) -> str:
        u = self.config.unet
        net = f"CARE x2: bicubic x2 then CSBDeep's residual U-Net (depth {u.n_depth}, {u.n_first} features"
        net += f", {u.kern_size}x{u.kern_size} kernels)"
        if self.net is None:
            return f"{net}; not trained yet"
        data = "+".join(self.training.get("datasets", [])) or "unknown data"
        shots = self.training.get("shots") or "full"
        return f"{net}; trained on {data} ({shots} shots) from scratch"

    @property
    def parameters(self) -> dict[str, Any]:
        return {
            "budget": self.options.budget,
            "seed": self.config.seed,
            "config_fingerprint": self.config.fingerprint(),
            "initial_weights": dict(self.initial_weights),
            "training": dict(self.training),
        }

    @property
    def fit_iterations(self) -> int | None:
        """Iterations of the last ``fit`` (``evaluate`` puts it in the record's lineage); None before one."""
        return self._fit_iterations

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset) -> Care:
        if "lr" not in train.column_names:
            raise InvalidArgumentError(
                "care trains on LR/HR pairs; this training split has no 'lr' column (an HR-only view, as the "
                "blind-synthetic protocol synthesises pairs from). Pass a paired split: load_benchmark(...)['train']."
            )
        info = benchmark_info(train)
        config = self.config
        train_key = split_key(train)
        key = hashlib.sha256("\n".join([config.fingerprint(), train_key, split_key(validation)]).encode()).hexdigest()
        sampler = CarePatchSampler(
            train,
            patch_size=config.patch_size,
            batch_size=config.batch_size,
            seed=config.seed,
            threshold=config.background_threshold,
            percentile=config.background_percentile,
        )
        result = train_care(
            config,
            sampler,
            ValidationSet(validation, config.val_frames),
            self.workdir / "care" / f"paired-{key[:16]}",
            run_key=key,
            device=self.options.device,
            resume=self.resume,
            progress=self.options.progress,
        )
        self.net = self._read(result.weights)
        self.initial_weights = {
            "name": "scratch",
            "source": f"Glorot-uniform kernels, zero biases (Keras defaults), torch.manual_seed({config.seed})",
            "sha256": state_sha256(fresh_unet(config).state_dict()),
        }
        self.training = {
            "source": info.source,
            "size": info.size,
            "datasets": list(info.datasets),
            "shots": info.shots,
            "train_key": train_key,
            "iterations": result.iterations,
            "best_iteration": result.best_iteration,
            "best_score": result.best_score,
            "val_metric": config.val_metric,
        }
        self._fit_iterations = result.iterations
        self.identity = self._identity()
        return self

    def _read(self, path: Path) -> CareUNet:
        state, _ = read_weights(path)
        net = CareUNet(self.config.unet)
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise DataError(f"{path} does not hold a CARE U-Net of {self.config.unet} ({err}).") from err
        return net.eval()

    def _identity(self) -> str:
        assert self.net is not None  # called after fit/load only
        digest = hashlib.sha256(json.dumps(self.config.to_dict(), sort_keys=True).encode())
        digest.update(state_sha256(self.net.state_dict()).encode())
        return "sha256:" + digest.hexdigest()

    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        if self.net is None:
            raise NotFoundError(
                "care has no weights yet: call fit(train, validation), load a trained file with load(path) "
                "(command line: --weights FILE.safetensors), or train it with `microsr-bench train care`."
            )
        if lr.ndim != 4 or lr.shape[1] != 1:
            raise InvalidArgumentError(f"care expects LR frames [B, 1, h, w], got shape {tuple(lr.shape)}.")
        return super_resolve(CarePredictor(self.net), lr, batch_size=self.batch_size, device=self.options.device)

    def save(self, path: str | Path) -> Path:
        """The U-Net and what the record needs (config, training, initial weights), as safetensors."""
        if self.net is None or self.identity is None:
            raise NotFoundError("care has no weights to save; call fit(train, validation) first.")
        meta = {
            _KEY + "method": self.name,
            _KEY + "care_config": json.dumps(self.config.to_dict(), sort_keys=True),
            _KEY + "training": json.dumps(self.training, sort_keys=True),
            _KEY + "initial_weights": json.dumps(self.initial_weights, sort_keys=True),
        }
        return save_weights(self.net, path, meta)

    def load(self, path: str | Path) -> Care:
        """Load a file written by :meth:`save`."""
        _, meta = read_weights(path)
        if meta.get(_KEY + "method") != self.name or _KEY + "care_config" not in meta:
            raise DataError(
                f"{path} is not a care model (method {meta.get(_KEY + 'method')!r}); save one with Care.save."
            )
        self.config = CareConfig.from_dict(json.loads(meta[_KEY + "care_config"]))
        self.net = self._read(Path(path))
        self.training = json.loads(meta.get(_KEY + "training", "{}"))
        self.initial_weights = json.loads(meta.get(_KEY + "initial_weights", "{}"))
        self.identity = self._identity()
        return self
