"""Tiny simulated data and prediction folders the scoring tests write themselves."""

import numpy as np
import pytest
import torch

from microsr_bench.data import load_benchmark
from microsr_bench.scoring import write_predictions


@pytest.fixture(scope="session")
def bench(tmp_path_factory):
    cache = tmp_path_factory.mktemp("scoring-cache")
    return load_benchmark(["MITO", "NUC"], source="simulated", size="tiny", cache_dir=cache, progress=False)


def test_images(bench):
    """{frame id: (HR in [0, 1], LR in [0, 1])} of the test split."""
    rows = bench["test"].with_format("numpy")
    return {
        r["id"]: (
            r["hr"] / bench.benchmark.max_values[r["dataset"]],
            r["lr"] / bench.benchmark.max_values[r["dataset"]],
        )
        for r in rows
    }


@pytest.fixture(scope="session")
def images(bench):
    return test_images(bench)


@pytest.fixture
def write(bench, images, tmp_path):
    """write(kind="perfect"|"bicubic", **kwargs) -> prediction folder."""

    def make(kind="perfect", name="preds", **kwargs):
        if kind == "perfect":
            preds = {i: hr for i, (hr, _) in images.items()}
        else:
            preds = {
                i: torch.nn.functional.interpolate(
                    torch.from_numpy(lr)[None, None], scale_factor=2, mode="bicubic", align_corners=False
                )[0, 0].numpy()
                for i, (_, lr) in images.items()
            }
        return write_predictions(tmp_path / name, preds, bench.benchmark, method=kind, **kwargs)

    return make


@pytest.fixture
def rng():
    return np.random.default_rng(0)
