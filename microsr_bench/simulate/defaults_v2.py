"""The default parameters of simulator 2.0 per sub-dataset; each value and its source is in docs/simulator.md.

1.0's optics, content, photon budget and bleaching are kept; 2.0 adds the time line, motion (live or fixed,
from the dataset card), the analog chain (the HV sets gain and excess noise), the scan calibration mismatch,
haze, vignetting, MPM's scattering tissue with its own content generator, and field-to-field variety. The
``hr_scan``/``lr_scan`` gain, offset and read noise are set equal to what the chains produce, so that code
reading them (``acquire_lr_from_hr``) sees the same digitiser.
"""

from __future__ import annotations

import dataclasses
import math

from microsr_bench.data.cards import get_card
from microsr_bench.errors import ConfigError
from microsr_bench.simulate.live_params import (
    AnalogParams,
    LiveOpticsParams,
    LiveParams,
    MotionParams,
    PmtParams,
)
from microsr_bench.simulate.params import (
    BackgroundParams,
    DetectorParams,
    ScanParams,
    SimulationParams,
    default_params_v1,
)
from microsr_bench.simulate.phantom_params import TissueParams

__all__ = ["LIVE_MOTION", "default_params_v2"]

#: Motion of a live sample per sub-dataset (``"fixed"`` keeps only stage and focus drift).
LIVE_MOTION: dict[str, MotionParams] = {
    # Mitochondria in cultured cells: ~30-50 % motile, runs of ~1.35 um at ~9 um/min (0.15 um/s) with pauses
    # (NIH 3T3, MBoC 27:466, 2016, Table 1); oscillating motion as slow diffusion.
    "MITO": MotionParams(motile_fraction=0.3, directed_um_per_s=0.15, diffusion_um2_per_s=0.002),
    # Tissue: fewer motile organelles, slower tissue deformation, more stage drift (thick sample, objective
    # heating).
    "MPM": MotionParams(
        stage_drift_um_per_s=0.01,
        deform_um_per_s=0.005,
        motile_fraction=0.1,
        directed_um_per_s=0.1,
        diffusion_um2_per_s=0.001,
    ),
    # Membranes ruffle: local oscillation of ~0.15 um over ~20 s, cells deform a little faster.
    "MEM": MotionParams(deform_um_per_s=0.015, ruffle_um=0.15, ruffle_period_s=20.0),
    # Nuclei: nearly static.
    "NUC": MotionParams(deform_um_per_s=0.003),
}

_PMT = PmtParams()
#: High voltages: LR ~300 grey levels per photo-electron, HR ~10 (1.0's gains), MPM both a little higher.
_HV = {"MITO": (780.0, 470.0), "MPM": (800.0, 470.0), "MEM": (780.0, 470.0), "NUC": (780.0, 490.0)}
_HAZE = {"MITO": 0.15, "MPM": 0.08, "MEM": 0.2, "NUC": 0.25}


def _scan(scan: ScanParams, chain: AnalogParams, pmt: PmtParams) -> ScanParams:
    """``scan`` with the gain, offset and (white) read noise its analog chain has."""
    return dataclasses.replace(
        scan,
        gain=pmt.grey_per_electron(chain.hv_volts),
        offset=max(chain.offset, 0.0),
        read_noise=chain.amp_noise_grey_1us / math.sqrt(scan.pixel_dwell_us),
    )


def default_params_v2(dataset: str, *, motion: str | None = None) -> SimulationParams:
    """2.0 parameters of one sub-dataset; ``motion`` overrides the card's ``"live"``/``"fixed"`` setting."""
    card = get_card(dataset)
    setting = card.motion if motion is None else motion
    if setting not in ("live", "fixed"):
        raise ConfigError(f"motion must be 'live' or 'fixed', got {setting!r}.")
    moving = LIVE_MOTION[card.name] if setting == "live" else LIVE_MOTION[card.name].fixed()
    lr_hv, hr_hv = _HV[card.name]
    lr_chain = AnalogParams(hv_volts=lr_hv, offset=40.0, backward_gain_mismatch=0.03, line_shift_edge_px=0.4)
    hr_chain = AnalogParams(hv_volts=hr_hv, offset=80.0)
    optics = LiveOpticsParams(haze_fraction=_HAZE[card.name])
    base = default_params_v1(card.name)
    phantom = base.phantom
    background = base.background
    signal = base.signal
    if card.name == "MPM":
        # 10-60 um deep: the two-photon signal falls to exp(-2 * 50 / 150) = 0.51 of the shallowest field's;
        # the budget at the shallowest field is raised so that the HR's own noise still allows the paper's
        # MPM scores (the noise-limited ceiling in docs/simulator.md).
        optics = dataclasses.replace(optics, tissue_depth_um=(10.0, 60.0))
        phantom = TissueParams()
        background = BackgroundParams(autofluorescence=0.05, scatter_fraction=0.15, scatter_fwhm_um=4.0)
        signal = dataclasses.replace(signal, peak_photons_hr=220.0)
    live = LiveParams(lr_chain=lr_chain, hr_chain=hr_chain, motion=moving, pmt=_PMT, optics=optics)
    return dataclasses.replace(
        base,
        phantom=phantom,
        background=background,
        signal=signal,
        detector=DetectorParams(excess_noise_factor=_PMT.excess_noise_factor(hr_hv), dark_count_rate_hz=2000.0),
        hr_scan=_scan(base.hr_scan, hr_chain, _PMT),
        lr_scan=_scan(base.lr_scan, lr_chain, _PMT),
        live=live,
    )
