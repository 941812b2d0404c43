"""The protocols: typed objects that say what a method may train on and what is scored.

Each protocol has a stable ``name`` (used in result records and on the leaderboard) and an ``id`` that
adds the parameters that change what is measured, e.g. ``burst(k=4)`` or ``zero_shot(source=MITO)``.
The dataset scored and the shots are recorded separately (``dataset.name`` and ``shots``).

- ``paired(dataset, shots)``: train on the ``shots`` training pairs, select on validation, score on test;
  ``paired(dataset, fields=f)`` trains on the field-level set instead (``f`` whole fields of view, all their
  frames; id ``paired(fields=f)``), exclusive with ``shots``.
- ``zero_shot(source, target)``: train on ``source``'s training split, score on ``target``'s test split with
  no further training (the paper's RESRGan rows under MPM, MEM and NUC).
- ``blind_synthetic(dataset, degradation)``: train on ``dataset``'s HR training images only, with LR made
  by a degradation pipeline (``realesrgan``: the second-order pipeline; ``physics``: the calibrated
  acquisition model; ``bicubic``: bicubic down-sampling, optionally plus Gaussian noise ``noise_sigma``, the
  classical practice the paper argues does not generalise); validate and score on real LR (RESRGan-S, Table VI).
- ``burst(dataset, k)``: beyond the paper: k LR frames of one field as input (non-overlapping bursts of
  consecutive frames), for methods that trade frame rate for quality; frame averaging is the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from microsr_bench.data.cards import get_card
from microsr_bench.data.splits import normalize_fields, normalize_shots
from microsr_bench.errors import InvalidArgumentError

ProtocolName = Literal["paired", "zero_shot", "blind_synthetic", "burst"]
PROTOCOL_NAMES: tuple[ProtocolName, ...] = ("paired", "zero_shot", "blind_synthetic", "burst")
Degradation = Literal["realesrgan", "physics", "bicubic"]
DEGRADATIONS: tuple[Degradation, ...] = ("realesrgan", "physics", "bicubic")
BURST_SIZES: tuple[int, ...] = (1, 2, 4, 8, 16)


class _OneDataset:
    """Protocols that train and score on the same sub-dataset (all but zero-shot)."""

    dataset: str

    @property
    def train_dataset(self) -> str:
        return self.dataset

    @property
    def test_dataset(self) -> str:
        return self.dataset


@dataclass(frozen=True)
class Paired(_OneDataset):
    """Train on the few-shot (or full) training pairs of ``dataset``, or on its field-level set (``fields``:
    whole fields of view with all their frames); score its test split."""

    dataset: str
    shots: int | None = None
    fields: int | None = None
    name: ProtocolName = field(default="paired", init=False)

    def __post_init__(self) -> None:
        get_card(self.dataset)
        object.__setattr__(self, "shots", normalize_shots(self.shots))
        object.__setattr__(self, "fields", normalize_fields(self.fields))
        if self.shots is not None and self.fields is not None:
            # Both shrink the training split, by pairs or by whole fields; one set is the axis measured.
            raise InvalidArgumentError(
                f"paired takes shots (pair-level set) or fields (field-level set), not both: got shots={self.shots} "
                f"and fields={self.fields}. Give one of them (on the command line --shots or --fields)."
            )

    @property
    def id(self) -> str:
        return "paired" if self.fields is None else f"paired(fields={self.fields})"

    @property
    def parameters(self) -> dict[str, Any]:
        # ``fields`` only when set: the parameters of pair-level runs (and so their cache keys) stay as they were.
        return {"shots": self.shots} if self.fields is None else {"shots": None, "fields": self.fields}


@dataclass(frozen=True)
class ZeroShot:
    """Train on ``source`` (its ``source_shots`` training pairs), score ``target``'s test split untouched."""

    target: str
    source: str = "MITO"
    source_shots: int | None = None
    name: ProtocolName = field(default="zero_shot", init=False)

    def __post_init__(self) -> None:
        get_card(self.target)
        get_card(self.source)
        if self.target == self.source:
            # Training and scoring on one sub-dataset is what paired measures; as zero-shot it would be
            # ranked against methods that never saw that sub-dataset.
            raise InvalidArgumentError(
                f"zero_shot scores a sub-dataset the method did not train on, but source and target are both "
                f"{self.target!r}. Use the paired protocol (paired({self.target!r}, shots); on the command line "
                f"--protocol paired), or choose another source (--from) than the scored --dataset."
            )
        object.__setattr__(self, "source_shots", normalize_shots(self.source_shots))

    @property
    def id(self) -> str:
        shots = "" if self.source_shots is None else f",source_shots={self.source_shots}"
        return f"zero_shot(source={self.source}{shots})"

    @property
    def parameters(self) -> dict[str, Any]:
        return {"source": self.source, "source_shots": self.source_shots}

    @property
    def shots(self) -> int | None:
        return None

    @property
    def train_dataset(self) -> str:
        return self.source

    @property
    def test_dataset(self) -> str:
        return self.target


@dataclass(frozen=True)
class BlindSynthetic(_OneDataset):
    """Train on HR training images only, LR synthesised by ``degradation``; validate and score on real LR."""

    dataset: str = "MITO"
    degradation: Degradation = "realesrgan"
    #: Synthetic LR frames made per HR training image for methods that train on pairs.
    synthetic_frames: int = 10
    #: Gaussian noise sd in [0, 1] units added after bicubic down-sampling (``bicubic`` only).
    noise_sigma: float = 0.0
    name: ProtocolName = field(default="blind_synthetic", init=False)

    def __post_init__(self) -> None:
        get_card(self.dataset)
        if self.degradation not in DEGRADATIONS:
            raise InvalidArgumentError(
                f"degradation must be one of {', '.join(DEGRADATIONS)}, got {self.degradation!r}."
            )
        if self.noise_sigma and self.degradation != "bicubic":
            raise InvalidArgumentError(
                f"noise_sigma applies to the bicubic degradation only; {self.degradation!r} makes its own noise. "
                "Drop noise_sigma or use degradation='bicubic'."
            )
        from microsr_bench.degradations.bicubic import BicubicDegradation

        BicubicDegradation(noise_sigma=self.noise_sigma)  # the same range check as the pipeline
        if not isinstance(self.synthetic_frames, int) or self.synthetic_frames < 1:
            raise InvalidArgumentError(f"synthetic_frames must be a positive int, got {self.synthetic_frames!r}.")

    @property
    def id(self) -> str:
        noise = f",noise_sigma={self.noise_sigma:g}" if self.noise_sigma else ""
        return f"blind_synthetic(degradation={self.degradation}{noise})"

    @property
    def parameters(self) -> dict[str, Any]:
        noise = {"noise_sigma": self.noise_sigma} if self.degradation == "bicubic" else {}
        return {"degradation": self.degradation, "synthetic_frames": self.synthetic_frames, **noise}

    @property
    def shots(self) -> int | None:
        return None


@dataclass(frozen=True)
class Burst(_OneDataset):
    """Input ``k`` consecutive LR frames of one field; score one prediction per burst on the test split."""

    dataset: str
    k: int = 4
    shots: int | None = None
    name: ProtocolName = field(default="burst", init=False)

    def __post_init__(self) -> None:
        get_card(self.dataset)
        if self.k not in BURST_SIZES:
            raise InvalidArgumentError(f"burst size k must be one of {BURST_SIZES}, got {self.k!r}.")
        object.__setattr__(self, "shots", normalize_shots(self.shots))

    @property
    def id(self) -> str:
        return f"burst(k={self.k})"

    @property
    def parameters(self) -> dict[str, Any]:
        return {"k": self.k, "shots": self.shots}


Protocol = Paired | ZeroShot | BlindSynthetic | Burst


def paired(dataset: str, shots: int | str | None = None, fields: int | str | None = None) -> Paired:
    return Paired(dataset, shots, fields)  # type: ignore[arg-type]


def zero_shot(target: str, source: str = "MITO", source_shots: int | str | None = None) -> ZeroShot:
    return ZeroShot(target, source, source_shots)  # type: ignore[arg-type]


def blind_synthetic(
    dataset: str = "MITO", degradation: Degradation = "realesrgan", noise_sigma: float = 0.0
) -> BlindSynthetic:
    return BlindSynthetic(dataset, degradation, noise_sigma=noise_sigma)


def burst(dataset: str, k: int = 4, shots: int | str | None = None) -> Burst:
    return Burst(dataset, k, shots)  # type: ignore[arg-type]


def make_protocol(
    name: str,
    dataset: str,
    *,
    shots: int | str | None = None,
    source: str = "MITO",
    degradation: Degradation = "realesrgan",
    k: int = 4,
    noise_sigma: float = 0.0,
    fields: int | str | None = None,
) -> Protocol:
    """Build a protocol from command-line style arguments; unknown names get a did-you-mean."""
    from microsr_bench.registry import unknown_name

    key = name.replace("-", "_")
    if key == "paired":
        return paired(dataset, shots, fields)
    if fields is not None:
        raise InvalidArgumentError(
            f"fields (field-level few-shot sets) belong to the paired protocol, not {name}; drop fields, or use "
            "--protocol paired."
        )
    if key == "zero_shot":
        return zero_shot(dataset, source, shots)
    if key == "blind_synthetic":
        _no_shots(name, shots)
        return blind_synthetic(dataset, degradation, noise_sigma)
    if key == "burst":
        return burst(dataset, k, shots)
    raise unknown_name("protocol", name, list(PROTOCOL_NAMES))


#: The command-line options that only some protocols take, and the protocols that take each. ``score`` and
#: ``evaluate`` both check against this one table, so an option can never be accepted by one and refused by the
#: other, nor silently ignored (issue 10: ``evaluate --from NUC`` under paired used to be dropped).
OPTION_PROTOCOLS: dict[str, tuple[ProtocolName, ...]] = {
    "--shots": ("paired", "zero_shot", "burst"),
    "--fields": ("paired",),
    "--from": ("zero_shot",),
    "--degradation": ("blind_synthetic",),
    "--k": ("burst",),
}


def check_protocol_options(name: str, given: Iterable[str]) -> None:
    """Refuse a protocol option (``--from``, ``--k``, ...) that the protocol ``name`` does not take.

    ``given`` holds the options the user actually passed (not those filled by a default). An unknown protocol
    name passes: ``make_protocol`` answers it with a did-you-mean.
    """
    key = name.replace("-", "_")
    if key not in PROTOCOL_NAMES:
        return
    for option in given:
        owners = OPTION_PROTOCOLS[option]
        if key not in owners:
            spelled = " or ".join(o.replace("_", "-") for o in owners)
            raise InvalidArgumentError(
                f"{option} belongs to --protocol {spelled}, not {name}: the {name} protocol does not use it, and "
                f"it would be ignored. Drop {option}, or choose --protocol {spelled} (docs/protocols.md)."
            )


def check_training_set_options(shots: object, fields: object) -> None:
    """Refuse ``--shots`` together with ``--fields``: both choose the training set, by pairs or by whole fields.

    ``evaluate`` and ``score`` both call this, so the two commands refuse the pair with the same words.
    """
    if shots is not None and fields is not None:
        raise InvalidArgumentError(
            f"--shots {shots} and --fields {fields} both choose the training set (pairs or whole fields of view); "
            "give one of them (docs/protocols.md, 'Field-level few-shot sets')."
        )


def _no_shots(name: str, shots: object) -> None:
    if shots not in (None, "full"):
        raise InvalidArgumentError(f"protocol {name} trains on HR images only; it takes no shots (got {shots!r}).")


def protocol_id(name: str, parameters: dict[str, Any]) -> str:
    """The stable id of a protocol from a record's ``protocol`` block (name and parameters).

    Records written by ``evaluate`` carry the id in ``parameters["id"]``; others are rebuilt from the
    parameters that change what is measured, exactly as the protocol objects' ``id`` does.
    """
    if isinstance(parameters.get("id"), str):
        return str(parameters["id"])
    if name == "zero_shot":
        shots = parameters.get("source_shots")
        return f"zero_shot(source={parameters.get('source', 'MITO')}" + (f",source_shots={shots})" if shots else ")")
    if name == "blind_synthetic":
        sigma = parameters.get("noise_sigma")
        noise = f",noise_sigma={sigma:g}" if isinstance(sigma, (int, float)) and sigma else ""
        return f"blind_synthetic(degradation={parameters.get('degradation', 'realesrgan')}{noise})"
    if name == "burst":
        return f"burst(k={parameters.get('k', 4)})"
    if name == "paired" and parameters.get("fields") is not None:
        return f"paired(fields={parameters['fields']})"
    return name
