"""``%%autograd`` through a real IPython shell."""

import pytest
from IPython.core.error import UsageError

from micrograd_nb.autograd.record import RecordedPass

from .conftest import run

SIMPLE = """\
x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x * x).sum()
y.backward()
y
"""


def svgs(captured):
    return [o.data["image/svg+xml"] for o in captured.outputs if "image/svg+xml" in o.data]


def texts(captured):
    return [o.data.get("text/plain", "") for o in captured.outputs]


def test_load_and_unload_leave_nothing_behind(ip):
    before_cell = set(ip.magics_manager.magics["cell"])
    before_exc = (ip.custom_exceptions, ip.CustomTB)
    ip.run_line_magic("load_ext", "micrograd_nb")
    assert "autograd" in ip.magics_manager.magics["cell"]
    ip.run_line_magic("unload_ext", "micrograd_nb")
    assert set(ip.magics_manager.magics["cell"]) == before_cell
    assert (ip.custom_exceptions, ip.CustomTB) == before_exc
    assert "AutogradMagics" not in ip.magics_manager.registry


def test_draws_each_backward_pass_and_keeps_the_result(loaded):
    result, captured = run(loaded, "%%autograd\n" + SIMPLE)
    assert result.success
    assert result.result.item() == 14.0  # the last expression is still the cell's result
    (svg,) = svgs(captured)
    assert "SumBackward0" in svg and "MulBackward0" in svg and "seed (implicit)" in svg
    assert loaded.user_ns["x"].grad.tolist() == [2.0, 4.0, 6.0]
    passes = loaded.user_ns["_autograd_passes"]
    assert len(passes) == 1 and isinstance(passes[0], RecordedPass)


def test_same_cell_gives_the_same_svg(loaded):
    _, first = run(loaded, "%%autograd\n" + SIMPLE)
    _, second = run(loaded, "%%autograd\n" + SIMPLE)
    assert svgs(first) == svgs(second) and svgs(first)


def test_grad_calls_and_several_passes(loaded):
    cell = """%%autograd
x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
(g,) = mg.autograd.grad(x ** 3, x, create_graph=True)
g.backward()
"""
    result, captured = run(loaded, cell)
    assert result.success
    pictures = svgs(captured)
    assert len(pictures) == 2
    assert "autograd.grad(create_graph=True)" in pictures[0]
    assert "backward()" in pictures[1]


def test_create_graph_nodes_are_drawn_distinctly(loaded):
    cell = """%%autograd --format dot
x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
(x ** 3).backward(create_graph=True)
"""
    _, captured = run(loaded, cell)
    (dot,) = [t for t in texts(captured) if "digraph" in t]
    assert "color=purple" in dot and "create_graph=True" in dot


def test_magics_inside_the_cell_still_work(loaded):
    cell = "%%autograd --quiet\n%time z = 40 + 2\nz"
    result, _ = run(loaded, cell)
    assert result.success and result.result == 42



def test_a_cell_run_again_is_transformed_afresh_when_a_transformer_is_added(loaded):
    # the magic remembers IPython's transform of a cell; a new transformer must still apply
    cell = "%%autograd --quiet\nz = 40\nz + 1"
    assert run(loaded, cell)[0].result == 41

    def shout(lines):  # a line of its own: the magic's call, one line, is left alone
        return ["z = 50\n" if line.startswith("z = 40") else line for line in lines]

    loaded.input_transformers_post.append(shout)
    try:
        assert run(loaded, cell)[0].result == 51
    finally:
        loaded.input_transformers_post.remove(shout)
    assert run(loaded, cell)[0].result == 41


def test_a_one_line_cell_follows_the_sessions_autocall(loaded):
    # IPython's prefilter turns ``str 5`` into ``str(5)`` only while autocall is on: a
    # one-line cell is transformed anew each time, not remembered.
    cell = "%%autograd --quiet\nstr 5"
    loaded.run_line_magic("autocall", "2")
    try:
        assert run(loaded, cell)[0].result == "5"
    finally:
        loaded.run_line_magic("autocall", "0")
    result, _ = run(loaded, cell)
    assert not result.success and isinstance(result.error_in_exec, SyntaxError)


def test_exceptions_propagate_with_their_traceback(loaded):
    cell = "%%autograd\nx = mg.ones(3, requires_grad=True)\n(x * 2).backward()\n"
    result, captured = run(loaded, cell)
    assert not result.success
    assert isinstance(result.error_in_exec, RuntimeError)
    assert "grad can be implicitly created only for scalar outputs" in str(result.error_in_exec)


def test_a_bad_flag_is_a_usage_error(loaded):
    with pytest.raises(UsageError):
        loaded.run_cell_magic("autograd", "--bogus", "pass")
    with pytest.raises(UsageError):
        loaded.run_cell_magic("autograd", "--max-nodes 0", "pass")
    with pytest.raises(UsageError):  # the options of a line are remembered, its errors not
        loaded.run_cell_magic("autograd", "--bogus", "pass")


def test_no_values(loaded):
    _, captured = run(loaded, "%%autograd --no-values --format dot\n" + SIMPLE)
    (dot,) = [t for t in texts(captured) if "digraph" in t]
    assert "data" not in dot and "MulBackward0" in dot


def test_forward_draws_the_result_without_a_pass(loaded):
    cell = "%%autograd --forward\na = mg.ones(2, requires_grad=True)\n(a * 3).exp()"
    result, captured = run(loaded, cell)
    (svg,) = svgs(captured)
    assert "ExpBackward0" in svg and "seed" not in svg
    assert loaded.user_ns["_autograd_passes"] == []


def test_quiet_shows_nothing_but_keeps_the_passes(loaded):
    result, captured = run(loaded, "%%autograd --quiet\n" + SIMPLE)
    assert svgs(captured) == []
    assert len(loaded.user_ns["_autograd_passes"]) == 1


def test_values_graphs_use_notebook_names(loaded):
    cell = """%%autograd --format dot
a = mg.Value(2.0)
b = mg.Value(-3.0)
out = (a * b).tanh()
out.backward()
"""
    _, captured = run(loaded, cell)
    (dot,) = [t for t in texts(captured) if "digraph" in t]
    assert "{ a | data 2.0" in dot and "{ out | data" in dot


def test_step_shows_the_stepper(loaded):
    result, captured = run(loaded, "%%autograd --step\n" + SIMPLE)
    assert result.success
    (bundle,) = [o.data for o in captured.outputs if "text/html" in o.data]
    assert "data-mgnb-stepper" in bundle["text/html"]  # the stepper, frames inline
    assert "image/svg+xml" in bundle  # the still picture for frontends without HTML
    assert "application/vnd.jupyter.widget-view+json" not in bundle


def test_a_big_graph_is_collapsed(loaded):
    cell = """%%autograd --format dot --max-nodes 50
x = mg.tensor([1.0], requires_grad=True)
y = x
for _ in range(20_000):
    y = y * 1.0
y.sum().backward()
"""
    result, captured = run(loaded, cell)
    assert result.success
    (dot,) = [t for t in texts(captured) if "digraph" in t]
    assert "ops in a chain" in dot or "more nodes" in dot
