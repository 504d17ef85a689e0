"""``%%autograd`` on PyTorch code, through a real IPython shell."""

import os
import subprocess
import sys
import textwrap

import pytest

from micrograd_nb.viz import render

from .conftest import run

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
needs_renderer = pytest.mark.skipif(not render.available_renderers(),
                                    reason="no Graphviz renderer here")

MLP = """\
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
x = torch.randn(5, 3)
target = torch.randn(5, 1)
loss = torch.nn.functional.mse_loss(model(x), target)
loss.backward()
loss
"""


@pytest.fixture
def shell(loaded, torch):
    loaded.run_cell("import torch")
    return loaded


def svgs(captured):
    return [o.data["image/svg+xml"] for o in captured.outputs if "image/svg+xml" in o.data]


def dots(captured):
    return [o.data["text/plain"] for o in captured.outputs
            if o.data.get("text/plain", "").startswith("digraph")]


def mode_or_hooks_left(torch):
    modules = torch.nn.modules.module
    return (torch._C._is_torch_function_mode_enabled() or bool(modules._global_forward_hooks)
            or bool(modules._global_forward_pre_hooks))


@needs_renderer
def test_a_torch_training_step_is_drawn_with_its_names(shell, torch):
    result, captured = run(shell, "%%autograd\n" + MLP)
    assert result.success and isinstance(result.result, torch.Tensor)
    (svg,) = svgs(captured)
    for text in ("MseLossBackward0", "AddmmBackward0", "TanhBackward0", "model.0.weight",
                 "model.2.bias", "loss = MseLossBackward0", "seed (implicit)"):
        assert text in svg, text
    (recorded,) = shell.user_ns["_autograd_passes"]
    assert recorded.engine == "torch" and recorded.finished
    assert not mode_or_hooks_left(torch)


def test_grads_are_the_same_as_without_the_magic(shell, torch):
    run(shell, MLP)
    bare = [p.grad.clone() for p in shell.user_ns["model"].parameters()]
    run(shell, "%%autograd --quiet\n" + MLP)
    recorded = [p.grad for p in shell.user_ns["model"].parameters()]
    assert all(torch.equal(a, b) for a, b in zip(bare, recorded))


@needs_renderer
def test_same_cell_gives_the_same_svg(shell):
    _, first = run(shell, "%%autograd\n" + MLP)
    _, second = run(shell, "%%autograd\n" + MLP)
    assert svgs(first) == svgs(second) and svgs(first)


def test_a_cell_mixing_both_libraries_shows_each_pass(shell):
    cell = """%%autograd --format dot
a = mg.tensor([1.0, 2.0], requires_grad=True)
(a * a).sum().backward()
b = torch.tensor([1.0, 2.0], requires_grad=True)
(b * b).sum().backward()
c = mg.tensor(3.0, requires_grad=True)
(c ** 2).backward()
"""
    result, captured = run(shell, cell)
    assert result.success
    passes = shell.user_ns["_autograd_passes"]
    assert [p.engine for p in passes] == ["micrograd_nb", "torch", "micrograd_nb"]
    sources = dots(captured)
    assert len(sources) == 3
    assert "torch backward()" in sources[1] and "torch" not in sources[0]
    assert "b\n[2]" in sources[1] and "a\n[2]" in sources[0]


def test_options_on_torch(shell):
    _, captured = run(shell, "%%autograd --format dot --no-values --saved\n" + MLP)
    (source,) = dots(captured)
    assert "\ngrad " not in source and "data " not in source and "saved " in source
    _, captured = run(shell, "%%autograd --format dot --max-nodes 5\n" + MLP)
    (source,) = dots(captured)
    assert "modules (the module that made them)" in source or "more nodes" in source
    _, captured = run(shell, "%%autograd --format dot --forward\n" + MLP.replace(
        "loss.backward()\n", ""))
    (source,) = dots(captured)
    assert "MseLossBackward0" in source and "seed" not in source


@needs_renderer
def test_step_shows_a_stepper_for_a_torch_pass(shell):
    from micrograd_nb.jupyter.stepper import PassStepper

    _, captured = run(shell, "%%autograd --step\n" + MLP)
    steppers = [o for o in captured.outputs
                if "data-mgnb-stepper" in o.data.get("text/html", "")]
    assert len(steppers) == 1
    (recorded,) = shell.user_ns["_autograd_passes"]
    stepper = PassStepper(recorded)
    assert len(stepper.frames) == len(recorded.steps) + 1


def test_autograd_grad_with_and_without_create_graph(shell):
    cell = """%%autograd --format dot
x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
(g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
(h,) = torch.autograd.grad(g, x)
"""
    result, captured = run(shell, cell)
    assert result.success and shell.user_ns["h"].item() == 12.0
    first, second = dots(captured)
    assert "torch.autograd.grad(create_graph=True)" in first and "color=purple" in first
    assert "torch.autograd.grad()" in second


def test_a_failing_torch_pass_is_drawn_and_the_error_kept(shell, torch):
    cell = """%%autograd --format dot
x = torch.tensor([0.5, 1.5], requires_grad=True)
y = x.sigmoid()
loss = (y * 2).sum()
y.mul_(3)
loss.backward()
"""
    result, captured = run(shell, cell)
    assert isinstance(result.error_in_exec, RuntimeError)
    (source,) = dots(captured)
    assert "the pass failed in SigmoidBackward0: RuntimeError" in source
    assert not mode_or_hooks_left(torch)


def test_nothing_left_after_unload(ip, torch):
    ip.run_line_magic("load_ext", "micrograd_nb")
    ip.run_cell("import torch")
    run(ip, "%%autograd --quiet\n" + MLP)
    ip.run_line_magic("unload_ext", "micrograd_nb")
    assert not mode_or_hooks_left(torch)
    passes = ip.user_ns["_autograd_passes"]
    ip.run_cell("loss = (model(x) ** 2).sum()\nloss.backward()")
    assert len(passes) == 1 and len(passes[0].steps) > 0
    assert all(s.node is not ip.user_ns["loss"].grad_fn for s in passes[0].steps)


HIDDEN_TORCH = """
import sys
import micrograd_nb as mg
from micrograd_nb.autograd.record import record
from micrograd_nb.viz import draw, torch_names
x = mg.tensor([1.0, 2.0], requires_grad=True)
with record() as passes:
    (x * x).sum().backward()
assert "torch" not in sys.modules, "micrograd_nb imported torch"
assert torch_names({"x": x}) == {}
print(len(passes), draw(passes[0]).dot().count("->"))
try:
    import torch
except ImportError:
    print("hidden")
"""


def test_works_without_torch(tmp_path):
    hidden = tmp_path / "torch"
    hidden.mkdir()
    (hidden / "__init__.py").write_text('raise ImportError("torch is hidden by this test")\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(HIDDEN_TORCH)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "4", "hidden"]  # x * x: one edge per operand


def test_no_torch_import_without_the_user():
    done = subprocess.run([sys.executable, "-c", "import sys, micrograd_nb.jupyter.magic, "
                           "micrograd_nb.viz; print('torch' in sys.modules)"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr
