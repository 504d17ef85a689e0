"""The stepper on PyTorch's passes: each frame shows what torch computed at that step, and
the JS in node shows the same as the Python mirror (as test_stepper.py does for ours)."""

from collections import Counter

import pytest

from micrograd_nb.autograd.record import record
from micrograd_nb.jupyter.stepper import NO_GRAD, PassStepper
from micrograd_nb.viz import draw, torch_names
from micrograd_nb.viz.model import edge_key
from micrograd_nb.viz.torch_adapter import as_array

# test_stepper.py's cross-check of stepper.js against the Python mirror (node), collected
# here again with this module's ``example`` fixture: the same check on torch's passes.
from .test_stepper import (
    _assert_shows,
    _svg_texts,
    needs_renderer,
    test_js_frame_state_matches_python,  # noqa: F401
)

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")


def elementwise_pass(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    b = torch.tensor(0.25, requires_grad=True)
    y = ((x * w).tanh() * x).sum() + b * b
    with record() as passes:
        y.backward()
    return passes[0], {"x": x, "w": w, "b": b, "y": y}, {"x": x, "w": w, "b": b}


def mlp_pass(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    x = torch.randn(4, 2)
    with record() as passes:
        loss = model(x).pow(2).mean()
        loss.backward()
    return passes[0], {"model": model, "loss": loss}, dict(
        ("model." + k, v) for k, v in model.named_parameters())


def grad_pass(torch):
    x = torch.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    y = (x.tanh() @ x).mean()
    with record() as passes:
        torch.autograd.grad(y, x, create_graph=True)
    return passes[0], {"x": x, "y": y}, {}


def failed_pass(torch):
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    loss = (y * 2).sum() + x.sum()
    y.mul_(3)  # SigmoidBackward0 saved y: the pass fails there
    with pytest.raises(RuntimeError), record() as passes:
        loss.backward()
    return passes[0], {"x": x, "loss": loss}, {}


PASSES = {"elementwise": elementwise_pass, "mlp": mlp_pass, "autograd.grad": grad_pass,
          "failed": failed_pass}


@pytest.fixture(params=list(PASSES))
def example(request, torch):
    recorded, namespace, leaves = PASSES[request.param](torch)
    return recorded, draw(recorded, names=torch_names(namespace)), leaves


@needs_renderer
def test_each_frame_shows_torchs_gradients(example):
    recorded, graph, leaves = example
    widget = PassStepper(graph)
    ended = ["error"] if recorded.error is not None else []
    assert [f["kind"] for f in widget.frames] == ["seed"] + [s.kind for s in recorded.steps] \
        + ended
    states = widget.frame_states()
    ids = {}
    for step, frame in zip(recorded.steps, widget.frames[1:]):
        assert ids.setdefault(step.node, frame["active"]) == frame["active"]
    totals, crossed = {}, {}
    for step, state in zip(recorded.steps, states[1:]):
        node_id = ids[step.node]
        if step.kind == "accumulate":
            g = as_array(step.grad_in)
            totals[node_id] = g if node_id not in totals else totals[node_id] + g
        else:
            uses = Counter()  # one edge per operand: x * x crosses two edges from x
            for (parent, _), g in zip(step.node.next_functions, step.grads_out):
                if parent is not None and parent in ids:
                    uses[parent] += 1
                    if g is not None:
                        crossed[edge_key(ids[parent], node_id, uses[parent])] = as_array(g)
        assert node_id in state["hotNodes"]
        for shown_id, text in state["grads"].items():
            if shown_id in totals:
                _assert_shows(text, totals[shown_id])
            else:
                assert text == NO_GRAD
        for key, text in state["edges"].items():
            if key in crossed:
                _assert_shows(text, crossed[key])
            elif key.split("->")[0] in ids.values():
                assert text is None
            # else: from a node no step reached (a leaf of a pass that failed first)
    final = states[-1]
    by_title = {n.title: n.id for n in graph.model.nodes}
    for name, leaf in leaves.items():
        _assert_shows(final["grads"][by_title[name]], as_array(leaf.grad))
    still = _svg_texts(widget.svg)
    for node_id, text in final["grads"].items():
        assert f"grad {text}" in still["nodes"][node_id]


@needs_renderer
def test_a_failed_pass_ends_on_the_failing_node(torch):
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    loss = (y * 2).sum()
    y.mul_(3)
    with pytest.raises(RuntimeError), record() as passes:
        loss.backward()
    widget = PassStepper(draw(passes[0]))
    last = widget.frame_states()[-1]
    assert last["kind"] == "error" and "SigmoidBackward0 raised RuntimeError" in last["caption"]
    assert last["hotNodes"] == [last["active"]]
