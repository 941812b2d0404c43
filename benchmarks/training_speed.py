"""Training speed of CARE and Real-ESRNet at their ``cpu`` budget sizes, on 1 and 2 threads.

Run: ``OMP_NUM_THREADS=2 python benchmarks/training_speed.py [--steps 5]``. Prints, per method and thread
count, training iterations per second on random patches of the budget's size (data loading excluded) and the
minutes the ``cpu`` budget's iterations would take at that speed; the ratio of 2 to 1 threads is what carries
across machines. Validation time is not included.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# benchmarks/baselines.py is named like the ``baselines`` package; drop this folder from the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402

from baselines.care.config import care_config  # noqa: E402
from baselines.care.train import CareTrainer  # noqa: E402
from baselines.realesrgan.data import PatchBatch  # noqa: E402
from baselines.realesrgan.realesrnet import realesrnet_config  # noqa: E402
from baselines.realesrgan.train import InitialWeights, Trainer  # noqa: E402
from baselines.realesrgan.train_dist import DistContext  # noqa: E402


def _rate(step, steps: int) -> float:
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    care, esrnet = care_config("cpu"), realesrnet_config("cpu")
    out = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        p = care.patch_size
        lr, hr = torch.rand(care.batch_size, 1, p // 2, p // 2), torch.rand(care.batch_size, 1, p, p)
        trainer = CareTrainer(care, torch.device("cpu"))
        care_ips = _rate(lambda t=trainer, a=lr, b=hr: t.step(a, b), args.steps)
        p = esrnet.patch_size
        batch = PatchBatch(torch.rand(esrnet.batch_size, 1, p // 2, p // 2), torch.rand(esrnet.batch_size, 1, p, p))
        g = Trainer(esrnet, InitialWeights(), DistContext(1, 0, 0, torch.device("cpu")))
        esr_ips = _rate(lambda t=g, b=batch: t.step(b), args.steps)
        out.append(
            {
                "threads": threads,
                "care_it_per_s": round(care_ips, 2),
                "care_budget_minutes": round(care.max_iters / care_ips / 60, 1),
                "realesrnet_it_per_s": round(esr_ips, 2),
                "realesrnet_budget_minutes": round(esrnet.max_iters / esr_ips / 60, 1),
            }
        )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
