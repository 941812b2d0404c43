"""realesrgan 0.3.0 ``UNetDiscriminatorSN`` references: layout and outputs for seeded weights.

    python -m tools.reference.realesrgan_discriminator   # writes tests/fixtures/reference/realesrgan_discriminator.json

For each case of :data:`tools.reference.inputs.DISCRIMINATOR_CASES` the official network gets the weights
(``weight_orig``, ``weight_u``, ``weight_v`` included) of :func:`tools.reference.inputs.deterministic_state`
and runs on :func:`tools.reference.inputs.network_input` twice: in eval mode (spectral norm from the stored
``u``, ``v``) and then in train mode (one power iteration first, which updates ``u`` and ``v``).
"""

from __future__ import annotations

import torch

from tools.reference import _shim, inputs
from tools.reference._fixture import write_fixture

SCRIPT = "tools/reference/realesrgan_discriminator.py"


def main() -> None:
    _shim.install()
    from realesrgan.archs.discriminator_arch import UNetDiscriminatorSN

    torch.set_num_threads(1)
    default = UNetDiscriminatorSN(num_in_ch=3, num_feat=64, skip_connection=True)
    cases = []
    for seed, (kwargs, shape) in enumerate(inputs.DISCRIMINATOR_CASES):
        net = UNetDiscriminatorSN(**kwargs)
        net.load_state_dict(inputs.deterministic_state(net.state_dict(), seed))
        x = inputs.network_input(shape, seed)
        with torch.no_grad():
            evaluated = net.eval()(x)
            trained = net.train()(x)
        cases.append(
            {
                "kwargs": kwargs,
                "input_shape": list(shape),
                "seed": seed,
                "output_eval": evaluated.tolist(),
                "output_train": trained.tolist(),
            }
        )
    data = {
        "default_state": inputs.state_table(default.state_dict()),
        "default_parameters": sum(p.numel() for p in default.parameters()),
        "cases": cases,
    }
    print(write_fixture("realesrgan_discriminator", SCRIPT, ("realesrgan", "basicsr", "torch"), data))


if __name__ == "__main__":
    main()
