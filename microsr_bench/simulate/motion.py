"""Time line and motion of simulator 2.0: when every line is scanned, and where the sample is at that moment.

The field is a time series: the LR burst (frame k, line j at ``k / f_lr + j / (f_lr * lines)``), a gap, then
the slow HR scan line by line. The sample moves throughout. Its displacement at scanner position p and time t
is a sum of components, each a smooth random vector field of the position times a function of time:

- stage drift: uniform, ``v t`` in a random direction;
- non-rigid deformation of cells: a field of correlation length ``deform_scale_um`` growing as ``t``;
- membrane ruffling: a short-scale field oscillating with ``ruffle_period_s``;
- organelle motion, on the *motile layer* only (a random ``motile_fraction`` of the organelles): directed runs
  of ``run_length_um`` at ``directed_um_per_s`` along a smooth direction field, starting at a random time,
  plus diffusion: a Brownian path (diffusion coefficient D) times a short-scale field.

The pixel at p records the sample content at ``p - D(p, t)``. Focus drifts linearly in time as well; the optics
turn that defocus into blur. All spatial fields are unit-variance Gaussian random fields (``smooth_noise``);
nothing here depends on the thread count or on SIMD (values are quantised after every transcendental).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from microsr_bench.simulate._fields import PhantomGrid, sample_bilinear, smooth_noise_coarse
from microsr_bench.simulate._numerics import FloatArray, quantise, quantise_scalar
from microsr_bench.simulate.live_params import MotionParams, TimingParams

__all__ = ["MotionModel", "Timeline", "draw_motion", "timeline"]

#: Time step of the Brownian paths, seconds (finer than any effect it feeds; interpolated linearly).
_BROWNIAN_STEP_S = 0.05
#: Correlation length of the direction field of directed runs and of the diffusion field, micrometres.
_DIRECTION_SCALE_UM = 4.0
_DIFFUSION_SCALE_UM = 1.0


@dataclass(frozen=True)
class Timeline:
    """Start times in seconds of every LR line ``[frames, lines]`` and every HR line ``[lines]``."""

    lr_lines: FloatArray
    hr_lines: FloatArray
    #: End of the HR scan: the whole time line lasts this long.
    end_s: float


def timeline(timing: TimingParams, frames: int, lr_lines: int, hr_lines: int) -> Timeline:
    """The time line of one field: burst of ``frames`` frames, ``gap_s``, then the HR scan."""
    lr_frame = 1.0 / timing.lr_frame_rate_hz
    lr = np.arange(frames)[:, None] * lr_frame + np.arange(lr_lines)[None, :] * (lr_frame / lr_lines)
    start = frames * lr_frame + timing.gap_s
    hr_frame = 1.0 / timing.hr_frame_rate_hz
    hr = start + np.arange(hr_lines) * (hr_frame / hr_lines)
    return Timeline(lr_lines=quantise(lr), hr_lines=quantise(hr), end_s=start + hr_frame)


@dataclass(frozen=True, eq=False)
class _Field:
    """A smooth random vector field on a coarse grid (unit variance per axis)."""

    y: FloatArray
    x: FloatArray
    spacing: float

    def at(self, y_um: FloatArray, x_um: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (
            quantise(sample_bilinear(self.y, self.spacing, y_um, x_um)),
            quantise(sample_bilinear(self.x, self.spacing, y_um, x_um)),
        )


@dataclass(frozen=True, eq=False)
class MotionModel:
    """The drawn motion of one field: spatial fields (grid micrometres) and their time functions."""

    params: MotionParams
    #: Micrometres of the field of view's origin on the phantom grid (grid um = field um + origin_um).
    origin_um: float
    drift_velocity: tuple[float, float]
    focus_velocity: float
    deform: _Field
    ruffle: _Field
    ruffle_phase: float
    direction: _Field
    run_start_s: float
    diffusion: _Field
    brownian_times: FloatArray
    brownian: FloatArray
    #: Where a moving organelle is, on the phantom grid: 0 (static) to 1 (motile), float.
    motile_mask: FloatArray | None

    def focus_um(self, times: FloatArray) -> FloatArray:
        """Defocus of the focal plane against t = 0, micrometres."""
        return quantise(self.focus_velocity * np.asarray(times, dtype=np.float64))

    def sample(self, y_um: FloatArray, x_um: FloatArray) -> dict[str, tuple[FloatArray, FloatArray]]:
        """The spatial fields that are switched on, at field positions (once per lattice: motion is smooth)."""
        p = self.params
        gy, gx = y_um + self.origin_um, x_um + self.origin_um
        out = {"deform": self.deform.at(gy, gx)} if p.deform_um_per_s > 0.0 else {}
        if p.ruffle_um > 0.0:
            out["ruffle"] = self.ruffle.at(gy, gx)
        if self.motile_mask is not None:
            uy, ux = self.direction.at(gy, gx)
            norm = quantise(np.sqrt(uy * uy + ux * ux) + 1e-3)
            out["direction"] = (quantise(uy / norm), quantise(ux / norm))
            if p.diffusion_um2_per_s > 0.0:
                out["diffusion"] = self.diffusion.at(gy, gx)
        return out

    def displacement(
        self, fields: dict[str, tuple[FloatArray, FloatArray]], times: FloatArray, *, motile: bool
    ) -> tuple[FloatArray, FloatArray]:
        """Displacement (dy, dx) in um at the positions of ``fields`` (``[lines, n]``) at line times ``[lines]``."""
        p = self.params
        t = np.asarray(times, dtype=np.float64)[:, None]
        shape = np.broadcast_shapes(t.shape, *(f[0].shape for f in fields.values()))
        dy = np.broadcast_to(self.drift_velocity[0] * t, shape).copy()
        dx = np.broadcast_to(self.drift_velocity[1] * t, shape).copy()
        terms: list[tuple[str, FloatArray]] = []
        if p.deform_um_per_s > 0.0:
            terms.append(("deform", p.deform_um_per_s * t))
        if p.ruffle_um > 0.0 and not motile:
            wave = np.sin(2.0 * math.pi * t / p.ruffle_period_s + self.ruffle_phase) - math.sin(self.ruffle_phase)
            terms.append(("ruffle", quantise(p.ruffle_um * wave)))
        if motile and "direction" in fields:
            terms.append(("direction", np.clip(p.directed_um_per_s * (t - self.run_start_s), 0.0, p.run_length_um)))
        for name, amplitude in terms:
            fy, fx = fields[name]
            dy += amplitude * fy
            dx += amplitude * fx
        if motile and "diffusion" in fields:
            fy, fx = fields["diffusion"]
            dy += np.interp(t[:, 0], self.brownian_times, self.brownian[:, 0])[:, None] * fy
            dx += np.interp(t[:, 0], self.brownian_times, self.brownian[:, 1])[:, None] * fx
        # Products and sums of quantised values: exact IEEE arithmetic, the same on every machine.
        return dy, dx


def _vector_field(rng: np.random.Generator, grid: PhantomGrid, scale_um: float) -> _Field:
    y, spacing = smooth_noise_coarse(rng, grid, scale_um)
    x, _ = smooth_noise_coarse(rng, grid, scale_um)
    return _Field(y=y, x=x, spacing=spacing)


def _motile_mask(rng: np.random.Generator, grid: PhantomGrid, fraction: float) -> FloatArray | None:
    """A soft mask covering about ``fraction`` of the area in organelle-sized patches (~1 um)."""
    if fraction <= 0.0:
        return None
    from microsr_bench.simulate._fields import upsample

    noise, spacing = smooth_noise_coarse(rng, grid, 0.6)
    # A unit normal field exceeds z on a fraction 1 - Phi(z) of the area; find z by bisection on erfc.
    lo, hi = -6.0, 6.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if 0.5 * math.erfc(mid / math.sqrt(2.0)) > fraction else (lo, mid)
    mask = np.clip((noise - quantise_scalar(lo)) / 0.25 + 0.5, 0.0, 1.0)
    return quantise(upsample(mask, spacing, grid))


def draw_motion(
    params: MotionParams, grid: PhantomGrid, origin_um: float, end_s: float, rng: np.random.Generator
) -> MotionModel:
    """Draw one field's motion from its ``motion`` stream (always the same draws, whatever is switched off)."""
    angle = rng.uniform(0.0, 2.0 * math.pi)
    speed = params.stage_drift_um_per_s
    drift = (quantise_scalar(speed * math.sin(angle)), quantise_scalar(speed * math.cos(angle)))
    focus = params.focus_drift_um_per_s * (1.0 if rng.random() < 0.5 else -1.0)
    ruffle_phase = quantise_scalar(rng.uniform(0.0, 2.0 * math.pi))
    run_start = quantise_scalar(rng.uniform(0.0, max(end_s - 1.0, 0.0)))
    steps = math.ceil(end_s / _BROWNIAN_STEP_S) + 2
    kicks = rng.standard_normal((steps, 2)) * math.sqrt(2.0 * params.diffusion_um2_per_s * _BROWNIAN_STEP_S)
    kicks[0] = 0.0
    brownian = quantise(np.cumsum(kicks, axis=0))
    return MotionModel(
        params=params,
        origin_um=origin_um,
        drift_velocity=drift,
        focus_velocity=focus,
        deform=_vector_field(rng, grid, params.deform_scale_um),
        ruffle=_vector_field(rng, grid, params.ruffle_scale_um),
        ruffle_phase=ruffle_phase,
        direction=_vector_field(rng, grid, _DIRECTION_SCALE_UM),
        run_start_s=run_start,
        diffusion=_vector_field(rng, grid, _DIFFUSION_SCALE_UM),
        brownian_times=np.arange(steps) * _BROWNIAN_STEP_S,
        brownian=brownian,
        motile_mask=_motile_mask(rng, grid, params.motile_fraction),
    )
