"""The official x2plus loading rule: the x4plus generator's weights put into a 1-channel x2 RRDBNet.

Real-ESRGAN's ``options/train_realesrnet_x2plus.yml`` starts the x2 model from ``RealESRGAN_x4plus.pth`` with
``param_key_g: params_ema`` and ``strict_load_g: False``. BasicSR's ``load_network`` then loads every tensor
whose name and shape agree and skips the others (``_print_different_keys_loading`` renames a tensor of another
shape to ``<name>.ignore``). The x2 network pixel-unshuffles its input by 2 (4 folded planes per colour), the x4
one does not, so the one tensor of another shape is ``conv_first.weight``; it keeps the x2 network's fresh
initialisation. ``conv_first.bias`` has the same shape in both and is loaded, as in BasicSR.

On top of the official rule we go from 3 channels to 1 as :func:`~baselines.realesrgan.weights.to_single_channel`
does: ``conv_last`` averages its three output filters, which makes the gray network compute the mean of the
RGB network's outputs on a gray image repeated to RGB.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from baselines.realesrgan.weights import StateDict, to_single_channel
from microsr_bench.errors import ConfigError

__all__ = ["fresh_generator_state", "x4plus_into_x2"]


def fresh_generator_state(config: RRDBNetConfig, seed: int) -> StateDict:
    """The random initialisation of ``RRDBNet(config)`` after ``torch.manual_seed(seed)``.

    The trainer builds its generator the same way (``torch.manual_seed(config.seed)`` first), so this is the
    state a run from scratch starts with. The global random state is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return {k: v.detach().clone() for k, v in RRDBNet.from_config(config).state_dict().items()}


def x4plus_into_x2(x4_state: Mapping[str, torch.Tensor], config: RRDBNetConfig, seed: int) -> StateDict:
    """Load an RGB x4 RRDBNet state into the 1-channel x2 ``config`` by the official non-strict rule.

    Returns a complete state for ``RRDBNet(config)``: every tensor of the gray-converted x4 state whose shape
    fits, and the seeded fresh initialisation (:func:`fresh_generator_state`) for the others - for the x4plus
    architecture exactly ``conv_first.weight``.

    Raises:
        ConfigError: ``config`` is not a 1-channel x2 network of the x4 network's width and depth, or the x4
            state is not a 3-channel x4 RRDBNet.
    """
    source = RRDBNetConfig.from_state_dict(x4_state)
    same_body = (source.num_feat, source.num_block, source.num_grow_ch) == (
        config.num_feat,
        config.num_block,
        config.num_grow_ch,
    )
    if source.num_in_ch != 3 or source.scale != 4:
        raise ConfigError(f"x4plus_into_x2 needs a 3-channel x4 RRDBNet state, got {source}.")
    if not same_body or config.num_in_ch != 1 or config.num_out_ch != 1 or config.scale != 2:
        raise ConfigError(
            f"The x4plus weights ({source.num_feat} features, {source.num_block} blocks, growth "
            f"{source.num_grow_ch}) fit only a 1-channel x2 RRDBNet of the same size; got {config}. Use the "
            "paper-size generator (budget 'paper') or init 'scratch'."
        )
    gray = to_single_channel(x4_state)
    state = fresh_generator_state(config, seed)
    for name, value in gray.items():
        if name in state and state[name].shape == value.shape:
            state[name] = value.to(state[name].dtype).clone()
    return state
