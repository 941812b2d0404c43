"""Typed, self-validating geometry of the three phantom structures: mitochondria, membranes, nuclei."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from microsr_bench.errors import ConfigError
from microsr_bench.simulate._validate import choice, number, span

__all__ = ["MembraneParams", "MitochondriaParams", "NucleiParams", "PhantomParams", "TissueParams"]


@dataclass(frozen=True)
class MitochondriaParams:
    """Tubular mitochondrial networks in the cytoplasm of cells (MITO, MPM)."""

    structure: Literal["mitochondria"] = "mitochondria"
    #: Range of tube diameters in micrometres (mitochondria are 0.2-0.5 um wide).
    tube_diameter_um: tuple[float, float] = (0.22, 0.45)
    #: Tube length per um^2 of dense cytoplasm.
    network_density_per_um: float = 1.6
    #: Mean length of a tube between its ends or branch points, micrometres.
    mean_length_um: float = 4.0
    #: Persistence length of the tubes' centre line (worm-like chain), micrometres.
    persistence_um: float = 5.0
    #: Probability that a tube carries a side branch.
    branch_probability: float = 0.5
    #: Fraction of tubes that are short fragments (0.4-1.2 um, punctate).
    fragment_fraction: float = 0.25
    #: Log-normal sigma of per-tube brightness (membrane-potential dependent dye uptake).
    brightness_sigma: float = 0.35
    #: Typical cell diameter in micrometres; cells carry a dark nuclear void.
    cell_diameter_um: float = 24.0

    def __post_init__(self) -> None:
        choice(self, "structure", ("mitochondria",))
        span(self, "tube_diameter_um", 0.02, 2.0, "um")
        number(self, "network_density_per_um", 0.0, 5.0, lo_open=True, unit="um^-1")
        number(self, "mean_length_um", 0.2, 50.0, unit="um")
        number(self, "persistence_um", 0.1, 100.0, unit="um")
        number(self, "branch_probability", 0.0, 1.0)
        number(self, "fragment_fraction", 0.0, 1.0)
        number(self, "brightness_sigma", 0.0, 2.0)
        number(self, "cell_diameter_um", 3.0, 200.0, unit="um")


@dataclass(frozen=True)
class MembraneParams:
    """Plasma membranes of a sheet of cells: closed, irregular outlines (MEM)."""

    structure: Literal["membrane"] = "membrane"
    #: Mean cell diameter in micrometres.
    cell_diameter_um: float = 11.0
    #: Relative spread of cell sizes (additive Voronoi weights as a fraction of the diameter).
    size_variation: float = 0.15
    #: Amplitude of the smooth random warp that makes outlines irregular, micrometres.
    irregularity_um: float = 0.6
    #: Gaussian sigma of the membrane line profile before the PSF, micrometres (two apposed bilayers).
    membrane_sigma_um: float = 0.03
    #: Log-normal sigma of brightness along and between membranes.
    brightness_sigma: float = 0.3
    #: Dim labelling of the cytoplasm as a fraction of the membrane's peak density.
    cytoplasm_level: float = 0.04
    #: Internalised vesicles (bright puncta) per um^2 of cell.
    vesicle_density_per_um2: float = 0.04

    def __post_init__(self) -> None:
        choice(self, "structure", ("membrane",))
        number(self, "cell_diameter_um", 2.0, 200.0, unit="um")
        number(self, "size_variation", 0.0, 0.45)
        number(self, "irregularity_um", 0.0, 10.0, unit="um")
        number(self, "membrane_sigma_um", 0.005, 1.0, unit="um")
        number(self, "brightness_sigma", 0.0, 2.0)
        number(self, "cytoplasm_level", 0.0, 1.0)
        number(self, "vesicle_density_per_um2", 0.0, 10.0, unit="um^-2")


@dataclass(frozen=True)
class NucleiParams:
    """Nuclei stained for DNA: rounded outlines, chromatin texture, a heterochromatin rim, nucleoli (NUC)."""

    structure: Literal["nuclei"] = "nuclei"
    #: Range of nuclear diameters (geometric mean of the two axes) in micrometres.
    diameter_um: tuple[float, float] = (5.5, 9.0)
    #: Largest ratio of the long to the short axis.
    max_aspect: float = 1.6
    #: Fraction of the field covered by nuclei (before rejection of overlaps).
    coverage: float = 0.45
    #: Relative amplitude of the low-order harmonics that make outlines irregular.
    irregularity: float = 0.05
    #: Relative standard deviation of the chromatin texture.
    texture_contrast: float = 0.35
    #: Extra density of the heterochromatin rim at the nuclear envelope, relative to the interior.
    rim_contrast: float = 0.5
    #: Nucleoli per nucleus (inclusive range); they exclude DNA and appear dark with a bright border.
    nucleoli: tuple[int, int] = (1, 3)
    #: Log-normal sigma of per-nucleus brightness (DNA content, cell cycle).
    brightness_sigma: float = 0.25

    def __post_init__(self) -> None:
        choice(self, "structure", ("nuclei",))
        span(self, "diameter_um", 0.5, 100.0, "um")
        number(self, "max_aspect", 1.0, 4.0)
        number(self, "coverage", 0.0, 0.9, lo_open=True)
        number(self, "irregularity", 0.0, 0.3)
        number(self, "texture_contrast", 0.0, 1.0)
        number(self, "rim_contrast", 0.0, 5.0)
        n = self.nucleoli
        if not (isinstance(n, tuple) and len(n) == 2 and all(type(v) is int for v in n) and 0 <= n[0] <= n[1] <= 8):
            raise ConfigError(f"NucleiParams.nucleoli must be a (low, high) tuple of ints in [0, 8], got {n!r}.")
        number(self, "brightness_sigma", 0.0, 2.0)


@dataclass(frozen=True)
class TissueParams:
    """Mitochondria in a scattering tissue imaged by multiphoton excitation (MPM): packed polygonal cells whose
    cytoplasm is filled with short, partly aligned mitochondria, with dark nuclei and thin gaps between cells."""

    structure: Literal["tissue"] = "tissue"
    #: Mean cell diameter in micrometres (hepatocytes ~20-25 um, muscle fibre cross-talk aside).
    cell_diameter_um: float = 18.0
    #: Nuclear diameter as a fraction of the cell diameter.
    nucleus_fraction: float = 0.35
    #: Mitochondria per um^2 of cytoplasm.
    mitochondria_per_um2: float = 0.9
    #: Mean mitochondrion length in micrometres (log-normal, sigma 0.4).
    mean_length_um: float = 1.0
    #: Range of mitochondrion diameters in micrometres.
    diameter_um: tuple[float, float] = (0.3, 0.5)
    #: Standard deviation of orientations around the field's common axis, radians (large = isotropic).
    orientation_spread: float = 0.6
    #: Log-normal sigma of per-cell and per-mitochondrion brightness.
    brightness_sigma: float = 0.35

    def __post_init__(self) -> None:
        choice(self, "structure", ("tissue",))
        number(self, "cell_diameter_um", 4.0, 200.0, unit="um")
        number(self, "nucleus_fraction", 0.0, 0.8)
        number(self, "mitochondria_per_um2", 0.0, 10.0, lo_open=True, unit="um^-2")
        number(self, "mean_length_um", 0.1, 20.0, unit="um")
        span(self, "diameter_um", 0.02, 2.0, "um")
        number(self, "orientation_spread", 0.0, 10.0)
        number(self, "brightness_sigma", 0.0, 2.0)


PhantomParams = MitochondriaParams | MembraneParams | NucleiParams | TissueParams
