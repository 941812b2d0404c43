"""A method that records what it is given, and a shared tiny simulated cache."""

import pytest
import torch.nn.functional as F

from microsr_bench.data import benchmark_info


class RecordingMethod:
    """Bicubic that records every split handed to fit and every batch it predicts."""

    name = "recorder"
    description = "bicubic that records what it sees"

    def __init__(self):
        self.fit_calls = []
        self.seen_shapes = []

    def fit(self, train, validation):
        self.fit_calls.append(
            {
                "train_ids": list(train["id"]),
                "train_info": benchmark_info(train),
                "train_columns": train.column_names,
                "validation_ids": list(validation["id"]),
                "train_lr": [row["lr"] for row in train.select(range(min(6, len(train)))).with_format("numpy")],
            }
        )
        return self

    def __call__(self, lr):
        self.seen_shapes.append(tuple(lr.shape))
        return F.interpolate(lr.mean(dim=1, keepdim=True), scale_factor=2, mode="bicubic").clamp(0, 1)


@pytest.fixture
def recorder():
    return RecordingMethod()


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("protocol-cache")


@pytest.fixture
def run(cache, tmp_path):
    """run(method, protocol, **kw) -> ScoreResult on tiny simulated data, results in tmp_path."""
    from microsr_bench.protocols import evaluate

    def call(method, protocol, **kwargs):
        kwargs = {
            "source": "simulated",
            "size": "tiny",
            "cache_dir": cache,
            "out_dir": tmp_path / "results",
            "progress": False,
            "n_boot": 200,
            **kwargs,
        }
        return evaluate(method, protocol, **kwargs)

    return call
