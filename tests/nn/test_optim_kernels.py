"""The element-wise steps the optimizers are made of, bit for bit against PyTorch's CPU
kernels: fused multiply-adds where its vectorised builds fuse (``add(alpha=)``,
``addcmul_``, ``lerp_``), none where they cannot (``addcdiv_``), and none at all in
its portable build (``ATEN_CPU_CAPABILITY=default``). Short tensors go through the
kernels' scalar tails, long ones through their vector loops: both are checked."""

import os
import subprocess
import sys

import numpy as np
import pytest

from micrograd_nb.autograd.fused import fma
from micrograd_nb.optim.kernels import add_scaled, addcdiv_, addcmul_, lerp_

RNG = np.random.default_rng(3)


def _operands(n, dtype):
    return [RNG.normal(size=n).astype(dtype) for _ in range(3)]


def _ours_and_torchs(torch, kernel, a, b, c, scalar):
    T = torch.from_numpy  # noqa: N806
    if kernel == "add_scaled":
        return add_scaled(a, b, scalar), T(a).add(T(b), alpha=scalar).numpy()
    if kernel.startswith("lerp_"):
        ours, theirs = a.copy(), T(a.copy())
        lerp_(ours, b, scalar)
        return ours, theirs.lerp_(T(b), scalar).numpy()
    ours, theirs = a.copy(), T(a.copy())
    if kernel == "addcmul_":
        addcmul_(ours, b, c, scalar)
        return ours, theirs.addcmul_(T(b), T(c), value=scalar).numpy()
    addcdiv_(ours, b, np.abs(c) + 0.5, scalar)
    return ours, theirs.addcdiv_(T(b), T(np.abs(c) + 0.5), value=scalar).numpy()


KERNELS = [("add_scaled", -0.0123456789), ("lerp_ low", 0.1), ("lerp_ high", 0.9),
           ("addcmul_", 0.001), ("addcdiv_", -0.05)]


@pytest.mark.parametrize("n", [6, 1000])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("kernel", "scalar"), KERNELS)
def test_kernels_are_torchs_bit_for_bit(torch, kernel, scalar, dtype, n):
    ours, theirs = _ours_and_torchs(torch, kernel, *_operands(n, dtype), scalar)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_the_fusion_shows_in_the_numbers(torch):
    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
        pytest.skip("the portable build does not fuse")
    # The test above can fail: a multiply then an add rounds twice, and differs.
    a, b, _ = _operands(1000, np.float64)
    assert (a + 0.0123456789 * b != torch.from_numpy(a).add(torch.from_numpy(b),
                                                            alpha=0.0123456789).numpy()).any()


PORTABLE = """
import numpy as np, torch
from tests.nn import test_optim_kernels as t
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT"
for kernel, scalar in t.KERNELS:
    for dtype in (np.float64, np.float32):
        for n in (6, 1000):
            ours, theirs = t._ours_and_torchs(torch, kernel, *t._operands(n, dtype), scalar)
            np.testing.assert_array_equal(ours, theirs)
print("same")
"""


def test_the_portable_build_does_not_fuse(torch):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    run = subprocess.run([sys.executable, "-c", PORTABLE], env=env, capture_output=True,
                         text=True, check=False, cwd=root, timeout=300)
    assert run.stdout.strip() == "same", run.stderr


def test_fma_rounds_once():
    from fractions import Fraction

    for dtype in (np.float64, np.float32):
        a, b, c = _operands(500, dtype)
        c[:200] = -(a[:200].astype(np.float64) * b[:200]).astype(dtype)  # cancellations
        got = fma(a, b, c)
        assert got.dtype == dtype
        for x, y, z, r in zip(a, b, c, got):
            exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
            below, above = np.nextafter(r, dtype(-np.inf)), np.nextafter(r, dtype(np.inf))
            error = abs(Fraction(float(r)) - exact)
            # r is the nearest: neither neighbour is closer (ties to even aside)
            assert error <= abs(Fraction(float(below)) - exact)
            assert error <= abs(Fraction(float(above)) - exact)
