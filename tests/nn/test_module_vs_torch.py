"""``nn.Module`` and the layers against ``torch.nn``: the same tree built on both gives
the same repr, names, state_dict keys, hooks calls and, with torch's weights copied in,
the same outputs, gradients and graph node names."""

import warnings

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import nn


def _model(lib):
    n = lib.nn
    return n.Sequential(
        n.Linear(4, 6), n.GELU(), n.Dropout(0.2),
        n.ModuleList([n.ReLU(), n.ReLU(), n.Tanh(), n.Linear(6, 6), n.Linear(6, 6)]),
        n.ModuleDict({"act": n.SiLU(), "out": n.Linear(6, 3, bias=False)}),
        n.ParameterList([n.Parameter(lib.ones(3)), n.Parameter(lib.ones(2, 2, dtype=lib.float64))]),
        n.ParameterDict({"scale": n.Parameter(lib.ones(2))}),
        n.Embedding(10, 3, padding_idx=0), n.Embedding(5, 2, max_norm=1.0),
        n.Flatten(), n.Unflatten(1, (2, 5)), n.LeakyReLU(0.2), n.ELU(), n.Softplus(beta=2.0),
        n.Softmax(dim=1), n.LogSoftmax(1), n.Identity(), n.Hardtanh(-2.0, 2.0),
        n.ReLU(inplace=True), n.GELU("tanh"), n.Sigmoid(),
        n.MSELoss(), n.L1Loss(), n.SmoothL1Loss(beta=0.5), n.HuberLoss(delta=2.0), n.BCELoss(),
        n.BCEWithLogitsLoss(pos_weight=lib.ones(3)), n.NLLLoss(), n.CrossEntropyLoss(
            label_smoothing=0.1))


def test_repr_of_a_module_tree_is_torchs(torch):
    ours = repr(_model(mg))
    theirs = repr(_model(torch)).replace("torch.", "micrograd_nb.")
    assert ours == theirs


def test_names_of_parameters_buffers_modules_and_state_dict_are_torchs(torch):
    ours, theirs = _model(mg), _model(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == [
        tuple(v.shape) for v in theirs.state_dict().values()]
    assert len(list(ours.parameters(recurse=False))) == 0
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()]


def _copy_weights(ours, theirs):
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


def _tree(node):
    if node is None:
        return None
    name = node.name() if hasattr(node, "name") else type(node).__name__
    return (name.rsplit("::", 1)[-1], [_tree(child) for child, _ in node.next_functions])


def _mlp(lib):
    n = lib.nn
    return n.Sequential(n.Linear(4, 8), n.GELU(), n.Linear(8, 8), n.SiLU(), n.Linear(8, 3),
                        n.LeakyReLU(0.1), n.Linear(3, 3, bias=False))


@pytest.mark.parametrize("loss_name", ["CrossEntropyLoss", "MSELoss", "NLLLoss", "L1Loss"])
def test_a_network_gives_torchs_outputs_gradients_and_graph(torch, loss_name):
    ours, theirs = _mlp(mg), _mlp(torch)
    _copy_weights(ours, theirs)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    classes = np.array([0, 2, 1, 1, 0])
    results = []
    for lib, model in ((mg, ours), (torch, theirs)):
        out = model(lib.tensor(x))
        if loss_name in ("CrossEntropyLoss", "NLLLoss"):
            target = lib.tensor(classes)
            out = out.log_softmax(1) if loss_name == "NLLLoss" else out
        else:
            target = lib.zeros(5, 3)
        loss = getattr(lib.nn, loss_name)()(out, target)
        loss.backward()
        results.append((loss.item(), [p.grad.numpy() for p in model.parameters()],
                        _tree(loss.grad_fn)))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert results[0][2] == results[1][2]


def test_load_state_dict_strict_and_not_as_torch(torch):
    outcomes = []
    for lib in (mg, torch):
        model = lib.nn.Linear(2, 3)
        bad = {"weight": lib.ones(3, 3), "foo": lib.ones(1)}
        with pytest.raises(RuntimeError) as info:
            model.load_state_dict(bad)
        loose = model.load_state_dict({"weight": lib.ones(3, 2), "foo": lib.ones(1)},
                                      strict=False)
        matched = model.load_state_dict(lib.nn.Linear(2, 3).state_dict())
        with pytest.raises(TypeError) as not_mapping:
            model.load_state_dict([])
        outcomes.append((str(info.value).replace("torch.", "micrograd_nb."), repr(loose),
                         loose.missing_keys, repr(matched), str(not_mapping.value),
                         model.weight.requires_grad))
    assert outcomes[0] == outcomes[1]


def test_state_dict_round_trip_copies_values_not_tensors():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    assert not np.shares_memory(a.weight.detach().numpy(), b.weight.detach().numpy())
    state = a.state_dict()
    assert state["weight"].grad_fn is None and not state["weight"].requires_grad
    assert a.state_dict(keep_vars=True)["weight"] is a.weight


def test_buffers_register_save_and_follow_the_module(torch):
    for lib in (mg, torch):
        m = lib.nn.Module()
        m.register_buffer("running", lib.zeros(2))
        m.register_buffer("scratch", lib.ones(1), persistent=False)
        assert list(m.state_dict()) == ["running"]
        assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
        m.running = lib.ones(2)
        assert m.running.tolist() == [1.0, 1.0]
        m.double()
        assert m.running.dtype == lib.float64
    caught = []
    for lib in (mg, torch):
        m = lib.nn.Module()
        m.register_buffer("x", lib.ones(1))
        texts = []
        for name, value in ((3, None), ("a.b", None), ("", None), ("training", None),
                            ("y", 3)):
            with pytest.raises((TypeError, KeyError)) as info:
                m.register_buffer(name, value)
            texts.append((type(info.value), str(info.value)))
        with pytest.raises(TypeError) as info:
            m.x = 3
        texts.append(str(info.value))
        caught.append(texts)
    assert caught[0] == caught[1]


def test_train_eval_apply_to_and_requires_grad(torch):
    for lib in (mg, torch):
        model = _model(lib)
        model.eval()
        assert not any(m.training for m in model.modules())
        model.train()
        assert all(m.training for m in model.modules())
        seen = []
        model[3].apply(lambda m, seen=seen: seen.append(type(m).__name__))
        assert seen == ["ReLU", "ReLU", "Tanh", "Linear", "Linear", "ModuleList"]
        model.requires_grad_(False)
        assert not any(p.requires_grad for p in model.parameters())
        model.to(lib.float64)
        assert {p.dtype for p in model.parameters()} == {lib.float64}
        assert model.to("cpu", dtype=lib.float32) is model.cpu()
        assert {p.dtype for p in model.parameters()} == {lib.float32}
        layer = lib.nn.Linear(2, 2)
        layer(lib.ones(1, 2)).sum().backward()
        layer.zero_grad()
        assert layer.weight.grad is None


def test_dropout_layer_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.5)
    x = mg.ones(4, 4)
    assert layer.eval()(x) is x
    assert set(np.unique(layer.train()(x).numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)


def _hooked_run(lib, input_requires_grad, replace):
    calls = []
    layer = lib.nn.Linear(3, 2)
    layer.weight.data = lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    layer.bias.data = lib.tensor([0.1, -0.2])

    def pre(module, args):
        calls.append(("pre", type(module).__name__, len(args)))
        return (args[0] * 2,)

    def post(module, args, output):
        calls.append(("post", tuple(output.shape)))
        return output + 1

    def backward(module, grad_input, grad_output):
        calls.append(("backward", [None if g is None else g.tolist() for g in grad_input],
                      [g.tolist() for g in grad_output]))
        if replace:
            return tuple(None if g is None else g * 10 for g in grad_input)
        return None

    handles = [layer.register_forward_pre_hook(pre), layer.register_forward_hook(post),
               layer.register_full_backward_hook(backward)]
    x = lib.tensor([[1.0, -1.0, 2.0]], requires_grad=input_requires_grad)
    out = layer(x)
    with warnings.catch_warnings(record=True) as caught:
        # PyTorch warns that the hook fires at the outputs when no input needs a gradient.
        warnings.simplefilter("always")
        (out * lib.tensor([[1.0, 3.0]])).sum().backward()
    calls.append(("warnings", [str(w.message) for w in caught]))
    calls.append(("x.grad", None if x.grad is None else x.grad.tolist()))
    calls.append(("out", out.tolist(), _tree(out.grad_fn)))
    for handle in handles:
        handle.remove()
    calls.append(("after remove", layer(x).tolist()))
    return calls


@pytest.mark.parametrize("input_requires_grad", [True, False])
@pytest.mark.parametrize("replace", [False, True])
def test_forward_and_backward_hooks_as_torch(torch, input_requires_grad, replace):
    assert _hooked_run(mg, input_requires_grad, replace) == _hooked_run(
        torch, input_requires_grad, replace)


def test_containers_index_and_register_as_torch(torch):
    for lib in (mg, torch):
        layers = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        layers.append(lib.nn.ReLU())
        del layers[0]
        assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
        assert isinstance(layers[-1], lib.nn.ReLU) and len(layers[:2]) == 2
        with pytest.raises(IndexError, match="index 5 is out of range"):
            layers[5]
        params = lib.nn.ParameterList([lib.ones(2), lib.nn.Parameter(lib.zeros(1))])
        assert all(isinstance(p, lib.nn.Parameter) for p in params)
        holder = lib.nn.Module()
        holder.params = params
        holder.table = lib.nn.ParameterDict({"a": lib.ones(1)})
        assert [n for n, _ in holder.named_parameters()] == ["params.0", "params.1", "table.a"]
        with pytest.raises(RuntimeError, match="ParameterList should not be called."):
            params()


def test_clip_grad_norm_and_value_match_torch(torch):
    grads = [np.array([3.0, 4.0]), np.array([[1.0, -2.0], [0.5, 12.0]])]
    results = []
    for lib in (mg, torch):
        params = [lib.zeros(*g.shape, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g, dtype=lib.float32)
        norm2 = lib.nn.utils.clip_grad_norm_(params, 1.0)
        after = [p.grad.numpy().copy() for p in params]
        norm_inf = lib.nn.utils.clip_grad_norm_(params, 0.1, norm_type=float("inf"))
        lib.nn.utils.clip_grad_value_(params, 0.05)
        vec = lib.nn.utils.parameters_to_vector(params)
        lib.nn.utils.vector_to_parameters(lib.arange(6, dtype=lib.float32), params)
        params[0].grad = lib.tensor([float("nan"), 1.0])
        with pytest.raises(RuntimeError) as info:
            lib.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
        results.append((norm2.item(), after, norm_inf.item(), [p.grad.numpy() for p in params],
                        _tree(vec.grad_fn), [p.tolist() for p in params], str(info.value)))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert results[0][2] == pytest.approx(results[1][2], rel=1e-6)
    assert results[0][4:] == results[1][4:]


@pytest.mark.parametrize("name, args", [
    ("Flatten", ()), ("Unflatten", (1, (2, 6))), ("Identity", ()), ("GELU", ("tanh",)),
    ("SiLU", ()), ("ELU", (0.3,)), ("LeakyReLU", (0.3,)), ("Softplus", (2.0, 1.0)),
    ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Hardtanh", (-0.5, 0.5)),
])
def test_layers_match_torch(torch, name, args):
    x = np.random.default_rng(2).normal(size=(3, 12))
    results = []
    for lib in (mg, torch):
        inp = lib.tensor(x, requires_grad=True)
        out = getattr(lib.nn, name)(*args)(inp)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), inp.grad.numpy(), _tree(out.grad_fn)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
    assert results[0][2] == results[1][2]


def test_embedding_layer_matches_torch(torch):
    results = []
    theirs = torch.nn.Embedding(6, 3, padding_idx=1)
    ours = nn.Embedding(6, 3, padding_idx=1)
    assert not ours.weight[1].detach().numpy().any()
    _copy_weights(ours, theirs)
    for lib, layer in ((mg, ours), (torch, theirs)):
        out = layer(lib.tensor([[1, 2], [2, 5]]))
        out.sum().backward()
        results.append((out.detach().numpy(), layer.weight.grad.numpy(), _tree(out.grad_fn)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_the_rows_looked_up(torch, norm_type):
    weight = np.random.default_rng(4).normal(size=(5, 3)) * 2
    results = []
    for lib in (mg, torch):
        layer = lib.nn.Embedding(5, 3, max_norm=1.5, norm_type=norm_type)
        layer.weight.data = lib.tensor(weight)
        out = layer(lib.tensor([1, 3, 1]))
        out.sum().backward()
        results.append((layer.weight.detach().numpy(), out.detach().numpy(),
                        layer.weight.grad.numpy()))
    for a, b in zip(results[0], results[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def _hooks_with_options(lib):
    class Affine(lib.nn.Module):
        def forward(self, x, *, shift=0.0):
            return x * 2 + shift

    module, calls = Affine(), []
    module.register_forward_pre_hook(lambda m, a: calls.append("pre-first"))
    module.register_forward_pre_hook(lambda m, a: calls.append("pre-prepended"), prepend=True)
    module.register_forward_pre_hook(
        lambda m, a, kw: (a, {**kw, "shift": kw.get("shift", 0.0) + 1}), with_kwargs=True)
    module.register_forward_hook(
        lambda m, a, kw, out: calls.append(("post", sorted(kw))) or out * 10, with_kwargs=True)
    out = module(lib.ones(2), shift=0.5)
    return calls, out.tolist()


def test_hook_order_prepend_and_keyword_arguments_as_torch(torch):
    assert _hooks_with_options(mg) == _hooks_with_options(torch)
