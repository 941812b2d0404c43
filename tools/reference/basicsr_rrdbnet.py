"""BasicSR 1.4.2 ``RRDBNet`` references: the x2plus state-dict layout and outputs for seeded weights.

    python -m tools.reference.basicsr_rrdbnet      # writes tests/fixtures/reference/basicsr_rrdbnet.json

For each case of :data:`tools.reference.inputs.RRDBNET_CASES` the official network gets the weights of
:func:`tools.reference.inputs.deterministic_state` and runs on :func:`tools.reference.inputs.network_input`
(CPU, float32); the output is stored. The layout is that of ``RRDBNet(3, 3, scale=2)``, the
``RealESRGAN_x2plus`` architecture (its parameter count is what users report for the release file).
"""

from __future__ import annotations

import torch

from tools.reference import _shim, inputs
from tools.reference._fixture import write_fixture

SCRIPT = "tools/reference/basicsr_rrdbnet.py"


def main() -> None:
    _shim.install()
    from basicsr.archs.rrdbnet_arch import RRDBNet

    torch.set_num_threads(1)
    x2plus = RRDBNet(num_in_ch=3, num_out_ch=3, scale=2, num_feat=64, num_block=23, num_grow_ch=32)
    cases = []
    for seed, (kwargs, shape) in enumerate(inputs.RRDBNET_CASES):
        net = RRDBNet(**kwargs).eval()
        net.load_state_dict(inputs.deterministic_state(net.state_dict(), seed))
        with torch.no_grad():
            output = net(inputs.network_input(shape, seed))
        cases.append({"kwargs": kwargs, "input_shape": list(shape), "seed": seed, "output": output.tolist()})
    data = {
        "x2plus_state": inputs.state_table(x2plus.state_dict()),
        "x2plus_parameters": sum(p.numel() for p in x2plus.parameters()),
        "cases": cases,
    }
    print(write_fixture("basicsr_rrdbnet", SCRIPT, ("basicsr", "torch"), data))


if __name__ == "__main__":
    main()
