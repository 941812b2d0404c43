"""Maintainer tool: add the reference baselines' results from a ``reproduce`` run to the leaderboard.

Learned baselines outside the paper's grid (CARE) come from ``evaluate``: pass its result JSON and
``--made-by "microsr-bench evaluate"``. A run at another budget than the method's board entries (e.g. RESRGan-B at
``short``) needs its own ``--version`` (e.g. ``1.0-short``): the board keeps one entry per method, version,
protocol, dataset and shots.

    microsr-bench reproduce --budget cpu --size full --methods bicubic,bicubic-fit,frame-average --out RUN
    python tools/submit_baselines.py RUN/records.json --verified-by "microsr-bench maintainers"
    microsr-bench leaderboard build

Every record of the run becomes one verified entry (scored by the maintainers from the baselines' code);
the numbers come from the records, never from hand-typed values. Methods are grouped so that each entry
carries its method's own metadata.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any

from leaderboard.entries import SubmissionMetadata, Verification
from leaderboard.submission import submit

#: Board names and descriptions of the baselines (frame averaging keeps its k in the record's protocol).
METADATA: dict[str, dict[str, Any]] = {
    "bicubic": {
        "method": "bicubic",
        "description": "Bicubic x2 up-sampling of one LR frame (PyTorch, a = -0.75); no training.",
        "training_data": "none",
    },
    "bicubic-fit": {
        "method": "bicubic-fit",
        "description": "Bicubic x2, then an affine intensity map fitted by least squares on the training pairs.",
        "training_data": "the protocol's training pairs (shots) of the sub-dataset",
    },
    "care": {
        "method": "care",
        "description": "CARE (Weigert et al. 2018): bicubic x2, then CSBDeep's residual U-Net (depth 2, 32 first "
        "features, MAE loss), trained from scratch under the cpu budget (300 iterations; docs/baselines.md).",
        "training_data": "the protocol's training pairs (shots) of the sub-dataset",
    },
    "realesrnet": {
        "method": "realesrnet",
        "description": "Real-ESRNet (Wang et al. 2021, first stage of Real-ESRGAN): RRDBNet x2 trained with the L1 "
        "loss on USM-sharpened targets only; cpu budget: 0.76 M-parameter generator from scratch, 600 iterations "
        "(docs/baselines.md).",
        "training_data": "the protocol's training pairs (shots) of the sub-dataset",
    },
    "resrgan-b": {
        "method": "resrgan-b",
        "description": "RESRGan-B (the paper's Real-ESRGAN recipe): RRDBNet x2 with L1, GAN and (paper budget) "
        "perceptual losses and a U-Net discriminator; cpu budget: 0.76 M-parameter generator from scratch, 600 "
        "iterations, no perceptual term (docs/baselines.md).",
        "training_data": "MITO's training pairs (the base), then the protocol's training pairs (shots)",
    },
    # A budget with a description of its own is keyed "<method>@<budget>" (the board keeps it apart by --version).
    "resrgan-b@short": {
        "method": "resrgan-b",
        "description": "RESRGan-B (the paper's Real-ESRGAN recipe): the paper's RRDBNet x2 (16.7 M parameters) "
        "and U-Net discriminator, generator started from the official x4plus weights by the x2plus loading rule; "
        "short budget: 300 iterations of 8 x 64-px patches, L1 and GAN losses, no perceptual term (docs/baselines.md).",
        "training_data": "MITO's training pairs; pre-trained by Real-ESRGAN's authors on natural images (DIV2K, "
        "Flickr2K, OutdoorSceneTraining)",
        "extra_data": True,
    },
    "realesrgan-x4plus": {
        "method": "realesrgan-x4plus",
        "description": "The official Real-ESRGAN x4plus generator (Wang et al. 2021), trained by its authors on "
        "natural images, applied zero-shot as its own inference does for a gray image and x2 output: gray->RGB, "
        "x4, RGB->gray, Lanczos-4 to x2 (docs/baselines.md).",
        "training_data": "none from these data; pre-trained on natural images (DIV2K, Flickr2K, OutdoorSceneTraining)",
        "extra_data": True,
    },
    "frame-average": {
        "method": "frame-average",
        "description": "Mean of k consecutive LR frames of one field, then bicubic x2 (burst protocol reference).",
        "training_data": "none",
    },
}


def _base(name: str) -> str:
    return "frame-average" if name.startswith("frame-average") else name


def metadata_key(record: dict[str, Any]) -> str:
    """The METADATA key of a record: ``<method>@<budget>`` when that budget has its own, else the method's."""
    name = _base(record["method"]["name"])
    budget = (record["method"].get("parameters") or {}).get("budget")
    return f"{name}@{budget}" if f"{name}@{budget}" in METADATA else name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", type=Path, help="records.json written by reproduce, or the result JSON of evaluate")
    parser.add_argument("--made-by", default="microsr-bench reproduce", help="the command that made the records")
    parser.add_argument("--verified-by", required=True)
    parser.add_argument("--version", default="1.0")
    parser.add_argument("--root", type=Path, default=None, help="leaderboard folder (default: this checkout's)")
    parser.add_argument(
        "--hardware",
        default=None,
        help="where the records were made, when not on this machine (e.g. 'NVIDIA H200 GPU, 16 CPU cores'); "
        "default: this machine's CPU",
    )
    args = parser.parse_args()
    data = json.loads(args.records.read_text())
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in data["records"]:
        groups.setdefault(metadata_key(record), []).append(record)
    unknown = sorted(set(groups) - set(METADATA))
    if unknown:
        raise SystemExit(f"no metadata for {', '.join(unknown)}; add them to METADATA or leave them out")
    hardware = args.hardware or f"{platform.machine()} CPU ({platform.processor() or 'unknown model'})"
    for name, records in groups.items():
        meta = SubmissionMetadata.from_dict(
            {
                "extra_data": False,
                **METADATA[name],
                "version": args.version,
                "hardware": hardware,
                "license": "Apache-2.0",
                "code_url": None,
            }
        )
        result_set = {**data, "records": records}
        verification = Verification(by=args.verified_by, how="code", note=args.made_by)
        done = submit(result_set, meta, root=args.root, verified=verification)
        print(f"{name}: {len(done.written)} entries")


if __name__ == "__main__":
    main()
