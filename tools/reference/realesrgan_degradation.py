"""realesrgan 0.3.0 references: the second-order degradation of ``RealESRGANModel.feed_data``.

    python -m tools.reference.realesrgan_degradation   # writes tests/fixtures/reference/realesrgan_degradation.json

What can be equal, and why. The official pipeline draws its choices from three global generators
(Python ``random``, ``np.random``, torch's default generator) in an order fixed by its code; ours draws
them from one ``numpy.random.Generator`` plus a ``torch.Generator`` for the noise fields. The same seed
therefore gives *different draws*, and no seed of ours reproduces an official draw. What is equal is the
pipeline *given the draws*: this script runs the official ``feed_data`` (the function itself, on a gray
HR image replicated to RGB) with seeded global generators and records every choice it makes (the three
kernels, which are inputs of ``feed_data``, made with the official ``random_mixed_kernels`` /
``circular_lowpass_kernel`` as ``RealESRGANDataset`` does; each resize's mode and factor or size; whether
the second blur ran; Gaussian or Poisson; the JPEG qualities; the order of the final step). The tests
hand those choices to :meth:`SecondOrderDegradation.apply` and compare the LR images.

The noise *fields* cannot be recorded compactly, so the stored cases run with zero noise levels (every
other step as officially configured); the ``reference`` tests also run the official noise and inject its
fields into our pipeline. Options: ``options/train_realesrgan_x2plus.yml`` of xinntao/Real-ESRGAN.
"""

# The official code draws from the legacy global NumPy generator; so must its seeding and kernel draws here.
# ruff: noqa: NPY002

from __future__ import annotations

import random
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tools.reference import _shim, inputs
from tools.reference._fixture import write_fixture

SCRIPT = "tools/reference/realesrgan_degradation.py"
HR_SIZE = 96
SEEDS = (0, 1, 2, 3)

#: The degradation options of train_realesrgan_x2plus.yml (dataset part and model part).
KERNEL_OPTIONS: dict[str, Any] = {
    "kernel_list": ["iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"],
    "kernel_prob": [0.45, 0.25, 0.12, 0.03, 0.12, 0.03],
    "sinc_prob": 0.1,
    "blur_sigma": [0.2, 3],
    "betag_range": [0.5, 4],
    "betap_range": [1, 2],
    "kernel_list2": ["iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"],
    "kernel_prob2": [0.45, 0.25, 0.12, 0.03, 0.12, 0.03],
    "sinc_prob2": 0.1,
    "blur_sigma2": [0.2, 1.5],
    "betag_range2": [0.5, 4],
    "betap_range2": [1, 2],
    "final_sinc_prob": 0.8,
}
MODEL_OPTIONS: dict[str, Any] = {
    "scale": 2,
    "resize_prob": [0.2, 0.7, 0.1],
    "resize_range": [0.15, 1.5],
    "gaussian_noise_prob": 0.5,
    "noise_range": [1, 30],
    "poisson_scale_range": [0.05, 3],
    "gray_noise_prob": 0.4,
    "jpeg_range": [30, 95],
    "second_blur_prob": 0.8,
    "resize_prob2": [0.3, 0.4, 0.3],
    "resize_range2": [0.3, 1.2],
    "gaussian_noise_prob2": 0.5,
    "noise_range2": [1, 25],
    "poisson_scale_range2": [0.05, 2.5],
    "gray_noise_prob2": 0.4,
    "jpeg_range2": [30, 95],
}
#: The same with zero noise levels: Gaussian sigma 0 and Poisson scale 0 add exactly nothing.
NOISELESS = {
    "noise_range": [0, 0],
    "poisson_scale_range": [0, 0],
    "noise_range2": [0, 0],
    "poisson_scale_range2": [0, 0],
}


def official_kernels() -> dict[str, np.ndarray]:
    """kernel1, kernel2 and the final sinc as ``RealESRGANDataset.__getitem__`` draws them (global RNGs)."""
    from basicsr.data.degradations import circular_lowpass_kernel, random_mixed_kernels

    o, kernels = KERNEL_OPTIONS, {}
    for name, suffix in (("kernel1", ""), ("kernel2", "2")):
        size = random.choice(range(7, 22, 2))
        if np.random.uniform() < o["sinc_prob" + suffix]:
            omega_c = np.random.uniform(np.pi / 3, np.pi) if size < 13 else np.random.uniform(np.pi / 5, np.pi)
            kernel = circular_lowpass_kernel(omega_c, size, pad_to=False)
        else:
            kernel = random_mixed_kernels(
                o["kernel_list" + suffix],
                o["kernel_prob" + suffix],
                size,
                o["blur_sigma" + suffix],
                o["blur_sigma" + suffix],
                [-np.pi, np.pi],
                o["betag_range" + suffix],
                o["betap_range" + suffix],
                noise_range=None,
            )
        pad = (21 - size) // 2
        kernels[name] = np.pad(kernel, ((pad, pad), (pad, pad)))
    if np.random.uniform() < o["final_sinc_prob"]:
        size = random.choice(range(7, 22, 2))
        kernels["sinc_kernel"] = circular_lowpass_kernel(np.random.uniform(np.pi / 3, np.pi), size, pad_to=21)
    else:
        kernels["sinc_kernel"] = np.zeros((21, 21))
        kernels["sinc_kernel"][10, 10] = 1.0
    return kernels


def run_official(seed: int, *, noise: bool) -> dict[str, Any]:
    """Run ``RealESRGANModel.feed_data`` on the gray HR image of ``seed`` and record every choice.

    Returns the kernels, the recorded ``calls``, the LR image (one channel; the three are equal) and,
    for the ``reference`` tests, the noise each noise call added (``noise_fields``, tensors).
    """
    _shim.install()
    import realesrgan.models.realesrgan_model as module
    from basicsr.utils import DiffJPEG, USMSharp

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    kernels = official_kernels()
    calls: list[dict[str, Any]] = []
    fields: list[torch.Tensor] = []

    def filter2d(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        name = next(k for k, v in kernels.items() if torch.equal(kernel, torch.FloatTensor(v)[None]))
        calls.append({"op": "filter2d", "kernel": name})
        return module_filter2d(image, kernel)

    def interpolate(image: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        calls.append({"op": "resize", **{k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}})
        return torch.nn.functional.interpolate(image, **kwargs)

    def noisy(kind: str, function: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
        def recorded(image: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            out = function(image, **kwargs)
            calls.append({"op": "noise", "kind": kind})
            fields.append(out - image)
            return out

        return recorded

    jpeger = DiffJPEG(differentiable=False)

    def jpeg(image: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
        calls.append({"op": "jpeg", "quality": quality.tolist()})
        return jpeger(image, quality=quality)

    module_filter2d = module.filter2D
    patched = {
        "filter2D": filter2d,
        "F": types.SimpleNamespace(interpolate=interpolate),
        "random_add_gaussian_noise_pt": noisy("gaussian", module.random_add_gaussian_noise_pt),
        "random_add_poisson_noise_pt": noisy("poisson", module.random_add_poisson_noise_pt),
    }
    saved = {name: getattr(module, name) for name in patched}
    # Colour noise (gray_noise_prob < 1) makes the three channels differ, which a one-channel pipeline
    # cannot represent; with noise on, every noise call is therefore gray.
    gray = {"gray_noise_prob": 1.0, "gray_noise_prob2": 1.0}
    options = {**MODEL_OPTIONS, **(gray if noise else NOISELESS), "gt_size": HR_SIZE}
    model = types.SimpleNamespace(
        is_train=True,
        opt=options,
        device=torch.device("cpu"),
        usm_sharpener=USMSharp(),
        jpeger=jpeg,
        _dequeue_and_enqueue=lambda: None,  # the training-pair pool mixes batches; one batch needs none
    )
    hr = torch.from_numpy(inputs.structured_pair(seed, HR_SIZE)[0].astype(np.float32))[None, None].repeat(1, 3, 1, 1)
    data = {"gt": hr, **{k: torch.FloatTensor(v)[None] for k, v in kernels.items()}}
    try:
        for name, value in patched.items():
            setattr(module, name, value)
        module.RealESRGANModel.feed_data(model, data)
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
    lq = model.lq[0]
    if not (torch.equal(lq[0], lq[1]) and torch.equal(lq[0], lq[2])):
        raise RuntimeError("the official LR channels differ; only gray noise keeps a gray image gray")
    return {
        "seed": seed,
        "hr_size": HR_SIZE,
        "kernels": {k: v.tolist() for k, v in kernels.items()},
        "calls": calls,
        "lr": lq[0].double().tolist(),
        "noise_fields": [f[0, 0] for f in fields],
    }


def our_params(case: dict[str, Any]) -> Any:
    """The recorded official choices as :class:`microsr_bench.degradations.realesrgan.DegradationParams`.

    Noise levels are zero (the stored cases); the ``reference`` tests replace the noise step itself.
    The second resize is recorded as a size; the factor ``(size + 0.5) / (H / scale)`` gives that size
    back through ``int(H / scale * factor)``, the official formula our pipeline uses too.
    """
    from microsr_bench.degradations.realesrgan import DegradationParams, StageParams
    from microsr_bench.degradations.realesrgan.kernels import SampledKernel

    kernels = {k: SampledKernel("sinc", 21, np.asarray(v)) for k, v in case["kernels"].items()}
    calls, lr_side = case["calls"], case["hr_size"] // MODEL_OPTIONS["scale"]
    resizes = [c for c in calls if c["op"] == "resize"]
    noises = [c["kind"] for c in calls if c["op"] == "noise"]
    qualities = [np.asarray(c["quality"]) for c in calls if c["op"] == "jpeg"]
    blurred = [c["kernel"] for c in calls if c["op"] == "filter2d"]
    factor2 = (resizes[1]["size"][0] + 0.5) / lr_side
    stages = []
    for index, (kernel, factor) in enumerate((("kernel1", resizes[0]["scale_factor"]), ("kernel2", factor2))):
        stages.append(
            StageParams(
                blur=kernel in blurred,
                kernels=(kernels[kernel],),
                resize="up" if factor > 1 else "down" if factor < 1 else "keep",
                resize_factor=float(factor),
                resize_mode=resizes[index]["mode"],
                noise=noises[index],
                noise_level=np.zeros(1),
                gray_noise=np.ones(1, dtype=bool),
                jpeg_quality=qualities[0],
            )
        )
    jpeg_last = [c["op"] for c in calls][-1] == "jpeg"
    return DegradationParams(
        batch_size=1,
        stage1=stages[0],
        stage2=stages[1],
        final_kernels=(kernels["sinc_kernel"],),
        final_order="resize_sinc_then_jpeg" if jpeg_last else "jpeg_then_resize_sinc",
        final_mode=resizes[2]["mode"],
        final_jpeg_quality=qualities[1],
        noise_seed=0,
    )


def main() -> None:
    torch.set_num_threads(1)
    cases = []
    for seed in SEEDS:
        case = run_official(seed, noise=False)
        del case["noise_fields"]
        cases.append(case)
    data = {"model_options": MODEL_OPTIONS, "kernel_options": KERNEL_OPTIONS, "cases": cases}
    print(write_fixture("realesrgan_degradation", SCRIPT, ("realesrgan", "basicsr", "torch", "numpy"), data))


if __name__ == "__main__":
    main()
