"""The public API of microsr_bench is small and pinned (STYLE.md): changing it is an API change."""

import subprocess
import sys

import microsr_bench

EXPECTED = [
    "BenchmarkDict",
    "BenchmarkInfo",
    "MicroSRError",
    "__version__",
    "benchmark_info",
    "evaluate",
    "get_card",
    "list_benchmarks",
    "load_benchmark",
    "prepare_folder",
    "score_predictions",
    "write_model_predictions",
    "write_predictions",
]


def test_all_is_pinned_and_resolves():
    assert microsr_bench.__all__ == EXPECTED
    for name in EXPECTED:
        assert getattr(microsr_bench, name) is not None, name


def test_design_imports_work():
    # DESIGN.md, "Public API": these import lines are what users write.
    from microsr_bench import evaluate, list_benchmarks, load_benchmark, score_predictions  # noqa: F401
    from microsr_bench.metrics import fid, ms_ssim, niqe, nrmse, psnr, ssim  # noqa: F401


def test_import_is_cheap():
    # `import microsr_bench` and the CLI's startup must not import datasets or torch.
    code = "import sys, microsr_bench, microsr_bench.cli; print('datasets' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
