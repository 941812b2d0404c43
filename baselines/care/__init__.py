"""CARE (Weigert et al. 2018, CSBDeep) for x2: bicubic x2, then the standard residual U-Net, in PyTorch.

Modules: ``unet`` (the network), ``normalize`` (percentile normalisation), ``predictor`` (x2 prediction path),
``config`` (training config and budgets), ``train`` (the loop), ``method`` (the ``care`` method).
"""

from baselines.care.config import CareConfig, care_config
from baselines.care.method import Care
from baselines.care.predictor import CarePredictor
from baselines.care.unet import CareUNet, UNetConfig

__all__ = ["Care", "CareConfig", "CarePredictor", "CareUNet", "UNetConfig", "care_config"]
