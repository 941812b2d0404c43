"""Live comparison with pytorch-fid 0.3.0 (``pytest -m reference``; needs the reference packages).

pytorch-fid's ``InceptionV3([3])`` loads seeded weights from a temporary torch hub cache (as
``tools/reference/pytorch_fid_inception.py`` does); our ``extract_features`` gets the same file.
"""

import numpy as np
import pytest
import torch

from microsr_bench.metrics import extract_features
from tools.reference.pytorch_fid_inception import WEIGHTS_FILENAME, seeded_state

pytestmark = pytest.mark.reference


def test_features_equal_pytorch_fid(tmp_path, monkeypatch):
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(seeded_state(), checkpoints / WEIGHTS_FILENAME)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    from pytorch_fid.inception import InceptionV3

    official = InceptionV3([3]).eval()
    gray = np.random.default_rng(77).random((2, 64, 80)).astype(np.float32)
    with torch.no_grad():
        expected = official(torch.from_numpy(gray)[:, None].repeat(1, 3, 1, 1))[0][:, :, 0, 0].numpy()
    ours = extract_features(gray, weights=checkpoints / WEIGHTS_FILENAME)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)
