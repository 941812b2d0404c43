"""The FID Inception network: parameter names, forward pass against pytorch-fid, weights lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.models import inception_v3

from microsr_bench.errors import InvalidArgumentError, NotFoundError
from microsr_bench.metrics import extract_features
from microsr_bench.metrics._inception import FIDInceptionV3
from microsr_bench.metrics._inception_weights import WEIGHTS_FILENAME, find_inception_weights, load_fid_inception
from tools.reference._fixture import read_fixture
from tools.reference.inputs import deterministic_state, inception_input


def _conv_table() -> dict[str, tuple[int, int, int, int]]:
    """Conv weight shapes of pt_inception-2015-12-05-6726825d.pth, written out from Inception-v3's design
    (Szegedy et al. 2016, torchvision's Inception3 naming, which pytorch-fid's weights use)."""
    convs = {
        "Conv2d_1a_3x3": (32, 3, 3, 3),
        "Conv2d_2a_3x3": (32, 32, 3, 3),
        "Conv2d_2b_3x3": (64, 32, 3, 3),
        "Conv2d_3b_1x1": (80, 64, 1, 1),
        "Conv2d_4a_3x3": (192, 80, 3, 3),
    }
    for name, cin, pool in (("Mixed_5b", 192, 32), ("Mixed_5c", 256, 64), ("Mixed_5d", 288, 64)):
        convs |= {
            f"{name}.branch1x1": (64, cin, 1, 1),
            f"{name}.branch5x5_1": (48, cin, 1, 1),
            f"{name}.branch5x5_2": (64, 48, 5, 5),
            f"{name}.branch3x3dbl_1": (64, cin, 1, 1),
            f"{name}.branch3x3dbl_2": (96, 64, 3, 3),
            f"{name}.branch3x3dbl_3": (96, 96, 3, 3),
            f"{name}.branch_pool": (pool, cin, 1, 1),
        }
    convs |= {
        "Mixed_6a.branch3x3": (384, 288, 3, 3),
        "Mixed_6a.branch3x3dbl_1": (64, 288, 1, 1),
        "Mixed_6a.branch3x3dbl_2": (96, 64, 3, 3),
        "Mixed_6a.branch3x3dbl_3": (96, 96, 3, 3),
    }
    for name, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        convs |= {
            f"{name}.branch1x1": (192, 768, 1, 1),
            f"{name}.branch7x7_1": (c7, 768, 1, 1),
            f"{name}.branch7x7_2": (c7, c7, 1, 7),
            f"{name}.branch7x7_3": (192, c7, 7, 1),
            f"{name}.branch7x7dbl_1": (c7, 768, 1, 1),
            f"{name}.branch7x7dbl_2": (c7, c7, 7, 1),
            f"{name}.branch7x7dbl_3": (c7, c7, 1, 7),
            f"{name}.branch7x7dbl_4": (c7, c7, 7, 1),
            f"{name}.branch7x7dbl_5": (192, c7, 1, 7),
            f"{name}.branch_pool": (192, 768, 1, 1),
        }
    convs |= {
        "Mixed_7a.branch3x3_1": (192, 768, 1, 1),
        "Mixed_7a.branch3x3_2": (320, 192, 3, 3),
        "Mixed_7a.branch7x7x3_1": (192, 768, 1, 1),
        "Mixed_7a.branch7x7x3_2": (192, 192, 1, 7),
        "Mixed_7a.branch7x7x3_3": (192, 192, 7, 1),
        "Mixed_7a.branch7x7x3_4": (192, 192, 3, 3),
    }
    for name, cin in (("Mixed_7b", 1280), ("Mixed_7c", 2048)):
        convs |= {
            f"{name}.branch1x1": (320, cin, 1, 1),
            f"{name}.branch3x3_1": (384, cin, 1, 1),
            f"{name}.branch3x3_2a": (384, 384, 1, 3),
            f"{name}.branch3x3_2b": (384, 384, 3, 1),
            f"{name}.branch3x3dbl_1": (448, cin, 1, 1),
            f"{name}.branch3x3dbl_2": (384, 448, 3, 3),
            f"{name}.branch3x3dbl_3a": (384, 384, 1, 3),
            f"{name}.branch3x3dbl_3b": (384, 384, 3, 1),
            f"{name}.branch_pool": (192, cin, 1, 1),
        }
    return convs


def test_state_dict_names_and_shapes() -> None:
    """Names/shapes equal the hand-written table (conv + BN per layer, fc 1008 x 2048) and torchvision's
    Inception3(num_classes=1008, aux_logits=False), which pytorch-fid loads the file into; 23,850,960
    parameters (torchvision's 27,161,264 for inception_v3, minus the 3,326,696 of the aux head, plus 8
    classes x 2049)."""
    expected: dict[str, tuple[int, ...]] = {"fc.weight": (1008, 2048), "fc.bias": (1008,)}
    for name, shape in _conv_table().items():
        expected[f"{name}.conv.weight"] = shape
        for suffix in ("weight", "bias", "running_mean", "running_var"):
            expected[f"{name}.bn.{suffix}"] = (shape[0],)
        expected[f"{name}.bn.num_batches_tracked"] = ()
    model = FIDInceptionV3()
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert ours == expected
    reference = inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
    assert ours == {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    assert sum(p.numel() for p in model.parameters()) == 23_850_960


def _deterministic_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The seeded weights of the pytorch-fid reference (``tools.reference.inputs.deterministic_state``,
    seed 0), without ``num_batches_tracked`` as the published file may be."""
    state = deterministic_state(model.state_dict(), 0)
    return {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deterministic stand-in for the real weights under the published file name."""
    path = tmp_path_factory.mktemp("weights") / WEIGHTS_FILENAME
    torch.save(_deterministic_state(FIDInceptionV3()), path)
    return path


def test_forward_matches_pytorch_fid(weights_file: Path) -> None:
    """Reference: pytorch-fid 0.3.0 ``InceptionV3([3])`` with the same weights in its torch hub cache, on
    the same three 70x90 grayscale images replicated to RGB: all 2048 pool features of each image, stored
    by ``python -m tools.reference.pytorch_fid_inception`` (recomputed live by ``tests/reference/``)."""
    features = extract_features(inception_input(), weights=weights_file)
    expected = np.asarray(read_fixture("pytorch_fid_inception")["features"])
    assert features.shape == expected.shape == (3, 2048)
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-6)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No weights anywhere: empty HOME, TORCH_HOME and Hugging Face caches, variable unset."""
    for var in ("MICROSR_BENCH_INCEPTION", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path


def test_lookup_order(clean_env: Path, weights_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = clean_env / "torch" / "hub" / "checkpoints"
    hf = clean_env / "hf" / "models--someone--fid-inception" / "snapshots" / "abc123"
    for folder in (hub, hf):
        folder.mkdir(parents=True)
    (hf / WEIGHTS_FILENAME).symlink_to(weights_file)
    monkeypatch.setenv("HF_HUB_CACHE", str(clean_env / "hf"))
    assert find_inception_weights() == hf / WEIGHTS_FILENAME
    (hub / WEIGHTS_FILENAME).symlink_to(weights_file)
    assert find_inception_weights() == hub / WEIGHTS_FILENAME
    monkeypatch.setenv("MICROSR_BENCH_INCEPTION", str(weights_file))
    assert find_inception_weights() == weights_file
    assert find_inception_weights(hf / WEIGHTS_FILENAME) == hf / WEIGHTS_FILENAME
    assert isinstance(load_fid_inception(), FIDInceptionV3)


def test_missing_weights_explain_where_to_get_them(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
    with pytest.raises(NotFoundError, match=f"not found .*Download {WEIGHTS_FILENAME} from {url}") as info:
        extract_features(np.zeros((2, 8, 8)))
    assert str(clean_env / "torch" / "hub" / "checkpoints") in str(info.value)
    with pytest.raises(NotFoundError, match="given as weights="):
        find_inception_weights(clean_env / "nowhere.pth")
    monkeypatch.setenv("MICROSR_BENCH_INCEPTION", str(clean_env / "typo.pth"))
    with pytest.raises(NotFoundError, match=r"MICROSR_BENCH_INCEPTION=.*typo\.pth' does not name an existing file"):
        find_inception_weights()


def test_wrong_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(3)}, other)
    with pytest.raises(
        InvalidArgumentError, match=r"not the FID Inception-v3 state dict: missing .*unexpected \['conv"
    ):
        load_fid_inception(other)
    state = _deterministic_state(FIDInceptionV3())
    state["fc.weight"] = torch.zeros(1000, 2048)
    torch.save(state, tmp_path / "imagenet_head.pth")
    with pytest.raises(InvalidArgumentError, match=r"wrong shapes for \['fc.weight'\]"):
        load_fid_inception(tmp_path / "imagenet_head.pth")
    (tmp_path / "junk.pth").write_bytes(b"junk")
    with pytest.raises(InvalidArgumentError, match="weights_only=True"):
        load_fid_inception(tmp_path / "junk.pth")
    torch.save({"not": "tensors"}, tmp_path / "dict.pth")
    with pytest.raises(InvalidArgumentError, match="does not hold a state dict of tensors"):
        load_fid_inception(tmp_path / "dict.pth")
