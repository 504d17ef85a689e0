"""Recording PyTorch's own passes: what record() keeps of them, checked against torch.

Each case builds a small program twice from the same seed: once bare, once inside
``record()``. Torch's results must be bit for bit the same; the recorded steps must be
torch's (its nodes, in its engine's order, with the gradients torch computed).
"""

import pytest

from micrograd_nb.autograd.record import record
from micrograd_nb.autograd.torch_passes import graph_nodes

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")


def elementwise(torch):
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.5, 2.0, -0.5], dtype=torch.float64, requires_grad=True)
    a = x * w
    b = a.tanh()
    c = b + x.exp()
    loss = (c * c).sum()
    return dict(leaves={"x": x, "w": w}, inter={"a": a, "b": b, "c": c}, loss=loss,
                run=lambda: loss.backward())


def reductions(torch):
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    m = x.mean(dim=0)
    s = x.pow(2).sum(dim=1)
    loss = m.max() + s.prod() + x.std()
    return dict(leaves={"x": x}, inter={"m": m, "s": s}, loss=loss,
                run=lambda: loss.backward())


def matmul(torch):
    a = torch.randn(2, 3, requires_grad=True)
    b = torch.randn(3, 4, requires_grad=True)
    p = a @ b
    loss = p.relu().sum()
    return dict(leaves={"a": a, "b": b}, inter={"p": p}, loss=loss,
                run=lambda: loss.backward())


def sequential(torch):
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x = torch.randn(5, 4)
    target = torch.randn(5, 1)
    out = model(x)
    loss = torch.nn.functional.mse_loss(out, target)
    return dict(leaves=dict(model.named_parameters()), inter={"out": out}, loss=loss,
                run=lambda: loss.backward())


def explicit_seed(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    return dict(leaves={"x": x}, inter={}, loss=y,
                run=lambda: torch.autograd.backward([y], [torch.tensor([1.0, 0.1, 0.01])]))


def inputs_only(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    return dict(leaves={"x": x}, untouched={"w": w}, inter={}, loss=loss,
                run=lambda: loss.backward(inputs=[x]))


CASES = {"elementwise": elementwise, "reductions": reductions, "matmul": matmul,
         "sequential": sequential, "explicit_seed": explicit_seed, "inputs": inputs_only}


def build(torch, name):
    torch.manual_seed(0)
    return CASES[name](torch)


@pytest.mark.parametrize("name", sorted(CASES))
def test_recording_changes_nothing_torch_computes(torch, name):
    bare = build(torch, name)
    bare["run"]()
    recorded = build(torch, name)
    with record() as passes:
        recorded["run"]()
    assert len(passes) == 1 and passes[0].engine == "torch" and passes[0].finished
    for key, leaf in bare["leaves"].items():
        assert torch.equal(leaf.grad, recorded["leaves"][key].grad), key  # bit for bit
    for key in bare.get("untouched", {}):
        assert recorded["untouched"][key].grad is None


@pytest.mark.parametrize("name", sorted(CASES))
def test_steps_are_torchs_nodes_in_its_engines_order(torch, name):
    case = build(torch, name)
    nodes, _ = graph_nodes([case["loss"].grad_fn])
    with record() as passes:
        case["run"]()
    (recorded,) = passes
    visits = [s.node for s in recorded.steps if s.kind == "visit"]
    accumulated = [s.node for s in recorded.steps if s.kind == "accumulate"]
    ops = [n for n in nodes if type(n).__name__ != "AccumulateGrad"]
    if name != "inputs":  # every op runs once; with inputs=, only those leading to x
        assert sorted(map(id, visits)) == sorted(map(id, ops))
    # torch's CPU engine runs the ready node with the highest sequence number first
    seq = [n._sequence_nr() for n in visits]
    assert seq == sorted(seq, reverse=True) and len(set(seq)) == len(seq)
    leaves = {id(leaf) for leaf in case["leaves"].values()}
    assert {id(n.variable) for n in accumulated} == leaves
    # a leaf accumulates once all of its users ran
    for step_index, step in enumerate(recorded.steps):
        if step.kind == "accumulate":
            users = [n for n in visits if any(p is step.node for p, _ in n.next_functions)]
            assert all(visits.index(u) < sum(1 for s in recorded.steps[:step_index]
                                              if s.kind == "visit") for u in users)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_at_every_step_are_torchs(torch, name):
    # The oracle: the same program with retain_grad() on every intermediate, unrecorded.
    bare = build(torch, name)
    for t in bare["inter"].values():
        t.retain_grad()
    bare["run"]()
    case = build(torch, name)
    with record() as passes:
        case["run"]()
    (recorded,) = passes
    by_node = {s.node: s for s in recorded.steps if s.kind == "visit"}
    for key, t in case["inter"].items():
        step = by_node[t.grad_fn]
        assert torch.equal(step.grad_in, bare["inter"][key].grad), key
    for step in recorded.steps:
        if step.kind == "accumulate":
            leaf = step.node.variable
            assert torch.equal(step.grad_in, leaf.grad)  # one accumulation into None
    # What each node sent is what its inputs received (summed where several users).
    received = {}
    for step in recorded.steps:
        if step.kind == "visit":
            for (parent, _), g in zip(step.node.next_functions, step.grads_out):
                if parent is not None and g is not None:
                    received[parent] = g if parent not in received else received[parent] + g
    for step in recorded.steps:
        if step.node in received:
            assert torch.allclose(step.grad_in, received[step.node], rtol=1e-6, atol=1e-7)
    seed = recorded.seeds[0]
    assert torch.equal(recorded.steps[0].grad_in, seed)


def test_names_are_torchs_class_names(torch):
    case = build(torch, "sequential")
    with record() as passes:
        case["run"]()
    names = [type(s.node).__name__ for s in passes[0].steps]
    assert names[0] == "MseLossBackward0"
    assert "AddmmBackward0" in names and "TanhBackward0" in names
    assert names.count("AccumulateGrad") == 4
    assert all(type(s.node).__name__ == s.node.name() for s in passes[0].steps
               if s.kind == "visit")


def test_autograd_grad_without_and_with_create_graph(torch):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (x ** 3).sum()
    with record() as passes:
        (g,) = torch.autograd.grad(y, x, retain_graph=True)
        (g2,) = torch.autograd.grad(y, x, create_graph=True)
        (h,) = torch.autograd.grad(g2.sum(), x)
    assert [p.kind for p in passes] == ["grad", "grad", "grad"]
    assert [p.create_graph for p in passes] == [False, True, False]
    assert passes[0].retain_graph and x.grad is None  # grad() accumulates nothing
    assert torch.equal(g, 3 * x.detach() ** 2) and torch.equal(h, 6 * x.detach())
    captured = [s for s in passes[0].steps if s.kind == "accumulate"]
    assert len(captured) == 1 and captured[0].node.variable is x
    assert torch.equal(captured[0].grad_in, g)
    # create_graph: the gradient carries a graph, and its nodes are the pass's own
    (last,) = [s for s in passes[1].steps if s.kind == "accumulate"]
    assert last.grad_in.grad_fn is not None
    assert passes[1].made_by_pass(last.grad_in.grad_fn)
    assert not passes[1].made_by_pass(y.grad_fn)


def test_a_non_leaf_input_is_captured_not_run(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    with record() as passes:
        (h * h).sum().backward(inputs=[h])
    kinds = [(s.kind, s.node is h.grad_fn) for s in passes[0].steps]
    assert kinds == [("visit", False), ("visit", False), ("accumulate", True)]
    assert torch.equal(passes[0].steps[-1].grad_in, h.grad) and x.grad is None


def test_seeds_implicit_and_explicit(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with record() as passes:
        (x * 2).sum().backward()
        (x * 3).backward(gradient=torch.tensor([1.0, -1.0]))
        torch.autograd.grad([(x * 4)], [x], grad_outputs=[torch.tensor([0.5, 0.5])])
    assert [p.implicit for p in passes] == [[True], [False], [False]]
    assert [p.seeds[0].tolist() for p in passes] == [1.0, [1.0, -1.0], [0.5, 0.5]]


def test_a_pass_that_fails_midway_is_kept_up_to_the_failing_node(torch):
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    z = y * 2
    y.mul_(3)  # SigmoidBackward0 saved y: the pass fails there
    loss = (z + y).sum()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        with record() as passes:
            loss.backward()
    (recorded,) = passes
    assert recorded.error is not None and not recorded.finished
    assert type(recorded.failed_at).__name__ == "SigmoidBackward0"
    assert all(type(s.node).__name__ != "SigmoidBackward0" for s in recorded.steps)
    assert [type(s.node).__name__ for s in recorded.steps][0] == "SumBackward0"
    assert not torch._C._is_torch_function_mode_enabled()


def test_a_pass_torch_refuses_before_it_starts(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        with record() as passes:
            (x * 2).backward()
    assert passes[0].error is not None and passes[0].steps == []
    assert passes[0].failed_at is None


def test_hooks_and_mode_are_gone_after_the_block(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with record() as passes:
        y.backward(retain_graph=True)
    assert not torch._C._is_torch_function_mode_enabled()
    assert not torch.nn.modules.module._global_forward_hooks
    assert not torch.nn.modules.module._global_forward_pre_hooks
    y.backward()  # the same graph again, outside: nothing hears it
    assert len(passes) == 1 and len(passes[0].steps) == 3
    with pytest.raises(ZeroDivisionError):
        with record() as failed:
            y2 = (x * 3).sum()
            y2.backward(retain_graph=True)
            raise ZeroDivisionError
    y2.backward()
    assert len(failed) == 1 and len(failed[0].steps) == 3
    assert not torch._C._is_torch_function_mode_enabled()


def test_saved_tensors_are_kept_before_the_pass_frees_them(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    with record(saved=True) as passes:
        loss.backward()
    saved = dict(passes[0].saved[y.grad_fn])
    assert torch.equal(saved["result"], x.detach().exp())
    with pytest.raises(RuntimeError):
        _ = y.grad_fn._saved_result  # freed by the pass (no retain_graph)


def test_modules_that_made_each_node_are_noted_while_recording(torch):
    from micrograd_nb.autograd.torch_passes import MODULE_KEY

    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    with record():
        out = model(torch.randn(2, 3))
    nodes, _ = graph_nodes([out.grad_fn])
    made_by = {type(n).__name__ + ("" if type(n).__name__ != "AccumulateGrad"
                                   else str(tuple(n.variable.shape))): n.metadata[MODULE_KEY]()
               for n in nodes}
    assert made_by["ReluBackward0"] is model[1]
    assert out.grad_fn.metadata[MODULE_KEY]() is model[2]
    assert made_by["AddmmBackward0"] is model[0]  # discovered last: the first layer's
    assert made_by["AccumulateGrad(1, 3)"] is model[2]
    assert made_by["AccumulateGrad(3, 3)"] is model[0]
    plain = model(torch.randn(2, 3))  # outside a recording: nothing noted
    assert MODULE_KEY not in plain.grad_fn.metadata


def test_nested_recordings_both_hear_the_pass(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with record() as outer:
        with record() as inner:
            (x * x).sum().backward()
    assert len(outer) == len(inner) == 1
    assert [s.node for s in outer[0].steps] == [s.node for s in inner[0].steps]
    assert torch.equal(x.grad, torch.tensor([2.0, 4.0]))
