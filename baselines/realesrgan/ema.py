"""Exponential moving average of the generator's weights, saved as BasicSR's ``params_ema``."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Generic, TypeVar

import torch
from torch import nn

from microsr_bench.errors import InvalidArgumentError

__all__ = ["OFFICIAL_EMA_DECAY", "ModelEMA"]

M = TypeVar("M", bound=nn.Module)

#: ``train.ema_decay`` in Real-ESRGAN's ``options/train_realesrgan_x2plus.yml``.
OFFICIAL_EMA_DECAY = 0.999


def _check_decay(decay: float) -> float:
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 <= decay <= 1.0:
        raise InvalidArgumentError(f"EMA decay must be a number in [0, 1], got {decay!r}; Real-ESRGAN uses 0.999.")
    return float(decay)


class ModelEMA(Generic[M]):
    """A frozen copy of a model whose parameters track ``ema = decay * ema + (1 - decay) * param``.

    This is BasicSR's ``BaseModel.model_ema``: after every optimiser step each parameter of the copy
    moves a fraction ``1 - decay`` towards the live one (decay 0.999: a memory of about 1000 steps).
    Buffers, which are not trained, are copied as they are. Real-ESRGAN evaluates and ships the EMA
    weights (``params_ema`` in its checkpoints); :meth:`state_dict` is that dict.

    Args:
        model: the live network; it is deep-copied, so later changes to it do not leak into the EMA.
        decay: default decay of :meth:`update`.
    """

    def __init__(self, model: M, decay: float = OFFICIAL_EMA_DECAY) -> None:
        self.decay = _check_decay(decay)
        self.module: M = copy.deepcopy(model).eval()
        self.module.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, decay: float | None = None) -> None:
        """Move the average towards ``model``'s current weights; ``decay=0`` copies them."""
        d = self.decay if decay is None else _check_decay(decay)
        live = dict(model.named_parameters())
        averaged = dict(self.module.named_parameters())
        if live.keys() != averaged.keys():
            raise InvalidArgumentError(
                "ModelEMA.update got a model whose parameters differ from the averaged copy "
                f"({len(live)} vs {len(averaged)} names). Pass the same network the EMA was built from."
            )
        for name, param in averaged.items():
            param.mul_(d).add_(live[name].detach(), alpha=1 - d)
        live_buffers = dict(model.named_buffers())
        for name, buffer in self.module.named_buffers():
            if name in live_buffers:
                buffer.copy_(live_buffers[name])

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The averaged weights, ready to save under ``params_ema``."""
        return dict(self.module.state_dict())

    def load_state_dict(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Restore averaged weights (strict), e.g. when resuming training."""
        self.module.load_state_dict(dict(state_dict), strict=True)
