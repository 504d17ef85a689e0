"""``import torch`` resolved to micrograd_nb, and undone."""

import subprocess
import sys

import pytest

import micrograd_nb as mg
from micrograd_nb import compat


@pytest.fixture
def engine():
    was = {name for name in sys.modules if name.partition(".")[0] == "torch"}
    compat.install()
    yield
    compat.uninstall()
    assert {name for name in sys.modules if name.partition(".")[0] == "torch"} == was


def test_torch_and_its_modules_are_micrograd_nb(engine):
    import torch
    import torch.autograd.functional
    import torch.nn.functional as F
    import torch.optim
    from torch import nn
    from torch.autograd import Function
    from torch.autograd.function import once_differentiable

    assert torch.tensor is mg.tensor and torch.Tensor is mg.Tensor
    assert nn.Linear is mg.nn.Linear and F.relu is mg.nn.functional.relu
    assert torch.optim.SGD is mg.optim.SGD and torch.nn is nn
    assert Function is mg.autograd.Function
    assert once_differentiable is mg.autograd.once_differentiable
    assert torch.autograd.functional.jacobian is mg.autograd.functional.jacobian
    assert torch.autograd.grad is mg.autograd.grad
    assert isinstance(torch.ones(2) * 2, torch.Tensor)
    # the engine's own modules are untouched by the aliases
    assert mg.autograd.function.AccumulateGrad and mg.autograd.Function is Function


def test_missing_module_attribute_names_the_feature(engine):
    import torch

    with pytest.raises(compat.MissingFeatureError) as info:
        _ = torch.fft
    assert str(info.value).startswith(
        "micrograd_nb does not implement torch.fft (fast Fourier transforms):")
    assert isinstance(info.value, AttributeError) and not hasattr(torch, "fft")
    with pytest.raises(AttributeError, match="does not implement torch.nn.functional.no_such"):
        _ = torch.nn.functional.no_such
    with pytest.raises(AttributeError, match=r"does not implement torch\.viz"):
        _ = torch.viz  # our own subpackages are not torch's


def test_missing_modules_name_the_feature(engine):
    with pytest.raises(ModuleNotFoundError, match=r"does not implement torch\.fft \(fast"):
        import torch.fft  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"torch\.jit \(TorchScript\)"):
        from torch import jit  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"torchvision \(image datasets.*out of scope"):
        import torchvision  # noqa: F401


def test_missing_tensor_method_names_the_feature(engine):
    t = mg.ones(2)
    with pytest.raises(AttributeError, match="^micrograd_nb does not implement Tensor.stft"):
        t.stft()
    assert getattr(t, "stft", None) is None
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute '_private'"):
        _ = t._private


def test_uninstall_leaves_nothing():
    meta_path = list(sys.meta_path)
    compat.install()
    import torch.nn  # noqa: F401

    compat.uninstall()
    assert sys.meta_path == meta_path
    assert "__getattr__" not in mg.Tensor.__dict__
    assert mg.Tensor.__module__ == "micrograd_nb.autograd.tensor"
    assert not compat.is_installed()
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'stft'"):
        _ = mg.ones(1).stft


def test_real_torch_comes_back_after_uninstall():
    # In a fresh interpreter: real torch first, the stand-in, then real torch again.
    code = (
        "import torch, sys\n"
        "real = torch\n"
        "from micrograd_nb import compat\n"
        "with compat.running_on_micrograd_nb():\n"
        "    import torch as stand_in\n"
        "    assert stand_in is not real and stand_in.tensor([1.]).__class__.__module__"
        ".startswith('micrograd_nb')\n"
        "import torch as again\n"
        "assert again is real, again\n"
        "print('ok')\n")
    pytest.importorskip("torch")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == "ok\n", done.stderr
