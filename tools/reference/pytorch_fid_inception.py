"""pytorch-fid 0.3.0 references: FID Inception-v3 pool features for seeded random weights.

    python -m tools.reference.pytorch_fid_inception   # writes tests/fixtures/reference/pytorch_fid_inception.json

The published weights cannot be fetched here (no network but PyPI), and the features do not depend on
which weights the network holds as long as both sides hold the same ones: the state of
:func:`tools.reference.inputs.deterministic_state` (seed 0, over the names of torchvision's
``Inception3(num_classes=1008, aux_logits=False)``, which pytorch-fid loads its file into) is saved,
without ``num_batches_tracked`` like the release file, under the release file name in a temporary
torch hub cache; ``pytorch_fid.inception.InceptionV3([3])`` then loads it as it would the download.
Input: :func:`tools.reference.inputs.inception_input` replicated to RGB; output: the 2048-d pool features.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
from torchvision.models import inception_v3

from tools.reference import inputs
from tools.reference._fixture import write_fixture

SCRIPT = "tools/reference/pytorch_fid_inception.py"
WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"


def seeded_state() -> dict[str, torch.Tensor]:
    """The seeded Inception weights, without ``num_batches_tracked`` (as the release file)."""
    layout = inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False).state_dict()
    state = inputs.deterministic_state(layout, 0)
    return {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}


def main() -> None:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as home:
        checkpoints = Path(home) / "hub" / "checkpoints"
        checkpoints.mkdir(parents=True)
        torch.save(seeded_state(), checkpoints / WEIGHTS_FILENAME)
        os.environ["TORCH_HOME"] = home
        from pytorch_fid.inception import InceptionV3

        model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    gray = torch.from_numpy(inputs.inception_input())
    with torch.no_grad():
        features = model(gray[:, None].repeat(1, 3, 1, 1))[0][:, :, 0, 0]
    data = {"features": features.double().tolist()}
    print(write_fixture("pytorch_fid_inception", SCRIPT, ("pytorch-fid", "torch", "torchvision"), data))


if __name__ == "__main__":
    main()
