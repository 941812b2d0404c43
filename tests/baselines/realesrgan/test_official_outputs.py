"""Our generator and discriminator against the outputs the official networks gave for the same weights.

The numbers are stored by ``python -m tools.reference.basicsr_rrdbnet`` (BasicSR 1.4.2 ``RRDBNet``) and
``python -m tools.reference.realesrgan_discriminator`` (realesrgan 0.3.0 ``UNetDiscriminatorSN``): each
official network was given ``tools.reference.inputs.deterministic_state`` weights and run on
``network_input``; here our networks get the same weights by name. ``tests/reference/`` repeats the
comparison live against the installed packages.
"""

import numpy as np
import pytest
import torch

from baselines.realesrgan.discriminator import UNetDiscriminatorSN
from baselines.realesrgan.rrdbnet import RRDBNet
from tools.reference._fixture import read_fixture
from tools.reference.inputs import deterministic_state, network_input, state_table

GENERATOR = read_fixture("basicsr_rrdbnet")
DISCRIMINATOR = read_fixture("realesrgan_discriminator")
TOL = 1e-5  # the bound; measured max |diff| is 0 on this CPU (same float32 operations in order)


def test_generator_layout_equals_basicsr_x2plus():
    ours = RRDBNet(num_in_ch=3, num_out_ch=3, scale=2)
    assert state_table(ours.state_dict()) == GENERATOR["x2plus_state"]
    assert sum(p.numel() for p in ours.parameters()) == GENERATOR["x2plus_parameters"]


@pytest.mark.parametrize("case", GENERATOR["cases"], ids=lambda c: f"scale{c['kwargs']['scale']}")
def test_generator_output_equals_basicsr(case):
    net = RRDBNet(**case["kwargs"]).eval()
    net.load_state_dict(deterministic_state(net.state_dict(), case["seed"]))
    with torch.no_grad():
        output = net(network_input(tuple(case["input_shape"]), case["seed"]))
    np.testing.assert_allclose(output.numpy(), np.asarray(case["output"]), rtol=0, atol=TOL)


def test_discriminator_layout_equals_realesrgan():
    ours = UNetDiscriminatorSN(num_in_ch=3, num_feat=64, skip_connection=True)
    assert state_table(ours.state_dict()) == DISCRIMINATOR["default_state"]
    assert sum(p.numel() for p in ours.parameters()) == DISCRIMINATOR["default_parameters"]


@pytest.mark.parametrize("case", DISCRIMINATOR["cases"], ids=lambda c: f"feat{c['kwargs']['num_feat']}")
def test_discriminator_output_equals_realesrgan(case):
    # Eval mode uses the stored spectral-norm vectors; train mode first runs one power iteration.
    net = UNetDiscriminatorSN(**case["kwargs"])
    net.load_state_dict(deterministic_state(net.state_dict(), case["seed"]))
    x = network_input(tuple(case["input_shape"]), case["seed"])
    with torch.no_grad():
        evaluated = net.eval()(x)
        trained = net.train()(x)
    # In eval mode the seeded spectral-norm vectors do not normalise the weights, so the output reaches about
    # 2e11, where float32 holds no digit below 1e4: the bound is 1e-5 of the output's largest magnitude. The
    # convolution kernels' summation order differs between CPUs (0 where the fixture was made, an AMD EPYC;
    # 6.6e-6 of the magnitude on an Intel Xeon with AVX-512). Train mode runs one power iteration first and
    # its outputs are below 1, so the bound there is absolute.
    official_eval = np.asarray(case["output_eval"])
    scale = float(np.abs(official_eval).max())
    np.testing.assert_allclose(evaluated.numpy(), official_eval, rtol=0, atol=TOL * scale)
    np.testing.assert_allclose(trained.numpy(), np.asarray(case["output_train"]), rtol=0, atol=TOL)
