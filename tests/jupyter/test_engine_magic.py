"""``%autograd_engine`` in a real IPython shell: switch, switch back, unload."""

import sys

import pytest

from micrograd_nb import compat
from tests.jupyter.conftest import run


def test_switches_the_session_and_back(loaded):
    run(loaded, "%autograd_engine micrograd_nb")
    assert compat.is_installed()
    result, captured = run(loaded, "import torch\nfrom torch import nn\n"
                                   "t = torch.ones(2, requires_grad=True)\n%autograd_engine")
    assert result.success and captured.stdout == "micrograd_nb\n"
    assert type(loaded.user_ns["t"]).__qualname__ == "Tensor" and "micrograd_nb" in repr(
        type(loaded.user_ns["t"]))
    assert loaded.user_ns["nn"].Linear.__module__.startswith("micrograd_nb")

    run(loaded, "%autograd_engine torch")
    assert not compat.is_installed()
    assert "micrograd_nb" not in repr(loaded.user_ns["torch"])  # the user's name rebound
    result, captured = run(loaded, "%autograd_engine")
    assert captured.stdout == "torch\n"


def test_rejects_an_unknown_engine(loaded):
    result, _ = run(loaded, "%autograd_engine jax")
    assert isinstance(result.error_in_exec, ValueError)
    assert "micrograd_nb, torch" in str(result.error_in_exec)


def test_unload_removes_exactly_the_magic(ip):
    before = {kind: set(names) for kind, names in ip.magics_manager.magics.items()}
    ip.run_line_magic("load_ext", "micrograd_nb")
    assert "autograd_engine" in ip.magics_manager.magics["line"]
    run(ip, "%autograd_engine micrograd_nb")
    ip.run_line_magic("unload_ext", "micrograd_nb")
    after = {kind: set(names) for kind, names in ip.magics_manager.magics.items()}
    assert after == before
    assert not compat.is_installed() and "EngineMagics" not in ip.magics_manager.registry
    assert not any(name.partition(".")[0] == "torch" and "micrograd_nb" in repr(module)
                   for name, module in sys.modules.items())


def test_missing_name_in_a_cell(loaded):
    pytest.importorskip("IPython")
    run(loaded, "%autograd_engine micrograd_nb")
    result, _ = run(loaded, "import torch\ntorch.fft")
    run(loaded, "%autograd_engine torch")
    assert isinstance(result.error_in_exec, compat.MissingFeatureError)
