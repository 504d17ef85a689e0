"""``autograd.Function``: the same class definitions run on micrograd_nb and on PyTorch
(the ``lib`` fixture), with the examples of PyTorch's "Extending PyTorch" note."""

import types
import warnings

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd import record
from micrograd_nb.viz import draw
from tests.autograd.conftest import message


def once_differentiable(lib):
    if lib is mg:
        return mg.autograd.once_differentiable
    return lib.autograd.function.once_differentiable


def functions(lib):
    """The custom functions of these tests, defined for ``lib`` (torch or micrograd_nb)."""
    Function = lib.autograd.Function
    ns = types.SimpleNamespace()

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class LinearFunction(Function):  # the note's first example
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand(output.shape)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class LinearSetup(Function):  # the same, in the setup_context style
        @staticmethod
        def forward(input, weight, bias=None):
            output = input.mm(weight.t())
            return output if bias is None else output + bias

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_bias = None if bias is None else grad_output.sum(0)
            return grad_output.mm(weight), grad_output.t().mm(input), grad_bias

    class MulConstant(Function):  # a non-tensor argument, nothing saved
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class MyCube(Function):  # two outputs, a backward that is differentiable again
        @staticmethod
        def forward(x):
            result = x**3
            dx = 3 * x**2
            return result, dx

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            result, dx = output
            ctx.save_for_backward(x, dx)

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class SquareInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.clone())
            x.mul_(x)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(x, index)
            return x.max(), index

        @staticmethod
        def backward(ctx, grad_value, grad_index):
            x, index = ctx.saved_tensors
            ns.seen = (grad_index.tolist(), grad_index.dtype == lib.int64)
            grad = lib.zeros_like(x)
            grad[index] = grad_value
            return grad

    class Unmaterialized(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ns.seen = (g1 is None, g2 is None)
            return g1 * 2 if g2 is None else g1 * 2 + g2 * 3

    class CubeOnce(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once_differentiable(lib)
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            ns.grad_mode_inside = lib.is_grad_enabled()
            return 3 * x**2 * grad_output

    for cls in (MyExp, LinearFunction, LinearSetup, MulConstant, MyCube, SquareInPlace,
                MaxWithIndex, Unmaterialized, CubeOnce):
        setattr(ns, cls.__name__, cls)
    return ns


def data(lib, *shape, dtype=None, seed=0):
    values = np.random.default_rng(seed).standard_normal(shape)
    return lib.tensor(values.tolist(), dtype=dtype or lib.float64, requires_grad=True)


def test_values_gradients_and_node_name(lib):
    f = functions(lib)
    x = data(lib, 3)
    y = f.MyExp.apply(x)
    assert y.grad_fn.name() == type(y.grad_fn).__name__ == "MyExpBackward"
    assert str(y.grad_fn).startswith(f"<{lib.__name__}.autograd.function.MyExpBackward object")
    assert y.grad_fn.next_functions[0][0].name().endswith("AccumulateGrad")
    assert y.grad_fn.needs_input_grad == (True,)
    assert "grad_fn=<MyExpBackward>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_function_matches_autograd(lib, dtype):
    f = functions(lib)
    dt = getattr(lib, dtype)
    x, w = data(lib, 4, 3, dtype=dt), data(lib, 2, 3, dtype=dt, seed=1)
    b = data(lib, 2, dtype=dt, seed=2)
    for cls in (f.LinearFunction, f.LinearSetup):
        out = cls.apply(x, w, b)
        assert out.dtype == dt and out.grad_fn.name() == f"{cls.__name__}Backward"
        (out**2).sum().backward()
        grads = [t.grad.clone() for t in (x, w, b)]
        for t in (x, w, b):
            t.grad = None
        ((x.mm(w.t()) + b) ** 2).sum().backward()
        for got, want in zip(grads, (x.grad, w.grad, b.grad)):
            assert got.dtype == dt
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)
        for t in (x, w, b):
            t.grad = None


def test_needs_input_grad_and_bias_none(lib):
    f = functions(lib)
    x = data(lib, 4, 3).detach()
    w = data(lib, 2, 3)
    out = f.LinearFunction.apply(x, w)
    assert out.grad_fn.needs_input_grad == (False, True)  # the arguments given
    out.sum().backward()
    assert x.grad is None and w.grad is not None
    with lib.no_grad():
        y = f.LinearFunction.apply(x, w)
    assert y.grad_fn is None and not y.requires_grad


def test_setup_context_sees_defaults_and_keywords(lib):
    f = functions(lib)
    x, w = data(lib, 2, 3), data(lib, 4, 3, seed=1)
    assert f.LinearSetup.apply(x, w).grad_fn.needs_input_grad == (True, True, False)
    b = data(lib, 4, seed=2)
    out = f.LinearSetup.apply(x, w, bias=b)
    assert out.grad_fn.needs_input_grad == (True, True, True)
    out.sum().backward()
    assert b.grad.tolist() == [2.0] * 4


def test_ctx_attributes_and_no_saved_tensors_twice(lib):
    f = functions(lib)
    x = data(lib, 3)
    y = f.MulConstant.apply(x, 2.5)
    assert y.grad_fn.constant == 2.5 and y.grad_fn.saved_tensors == ()
    y.sum().backward()
    y.sum().backward()  # nothing saved: a second pass needs no retain_graph
    assert x.grad.tolist() == [5.0] * 3


def test_two_outputs_and_double_backward(lib):
    f = functions(lib)
    x = data(lib, 3)
    result, dx = f.MyCube.apply(x)
    assert result.grad_fn.name() == dx.grad_fn.name() == "MyCubeBackward"
    (g,) = lib.autograd.grad(result.sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)
    xs = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), 3 * xs**2)
    np.testing.assert_allclose(gg.numpy(), 6 * xs)
    # the second output alone, then both at once
    result, dx = f.MyCube.apply(x)
    (g2,) = lib.autograd.grad(dx.sum(), x, retain_graph=True)
    np.testing.assert_allclose(g2.numpy(), 6 * xs)
    (g3,) = lib.autograd.grad((result + dx).sum(), x)
    np.testing.assert_allclose(g3.numpy(), 3 * xs**2 + 6 * xs)


def test_my_exp_is_differentiable_twice(lib):
    f = functions(lib)
    x = data(lib, 3)
    (g,) = lib.autograd.grad(f.MyExp.apply(x).sum(), x, create_graph=True)
    assert g.grad_fn is not None
    (gg,) = lib.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), np.exp(x.detach().numpy()))


def test_gradcheck_and_gradgradcheck(lib):
    f = functions(lib)
    gradcheck, gradgradcheck = lib.autograd.gradcheck, lib.autograd.gradgradcheck
    x, w, b = data(lib, 4, 3), data(lib, 2, 3, seed=1), data(lib, 2, seed=2)
    assert gradcheck(f.LinearFunction.apply, (x, w, b), eps=1e-6, atol=1e-4)
    assert gradcheck(f.MyExp.apply, (x,))
    assert gradgradcheck(f.MyExp.apply, (x,))
    assert gradgradcheck(lambda t: f.MyCube.apply(t)[0], (data(lib, 3),))


def test_mark_dirty_rewrites_the_history(lib):
    f = functions(lib)
    x = data(lib, 3)
    a = x.clone()
    out = f.SquareInPlace.apply(a)
    assert out is a and a.grad_fn.name() == "SquareInPlaceBackward"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())


def test_mark_non_differentiable(lib):
    f = functions(lib)
    x = data(lib, 4)
    value, index = f.MaxWithIndex.apply(x)
    assert value.grad_fn.name() == "MaxWithIndexBackward"
    assert index.grad_fn is None and not index.requires_grad
    value.backward()
    assert x.grad.tolist().count(1.0) == 1 and x.grad.sum().item() == 1.0
    assert f.seen == (0, True)  # a materialized zero gradient for the index, int64


def test_set_materialize_grads_false_passes_none(lib):
    f = functions(lib)
    x = data(lib, 2)
    a, b = f.Unmaterialized.apply(x)
    a.sum().backward()
    assert f.seen == (False, True)
    assert x.grad.tolist() == [2.0, 2.0]


def test_once_differentiable(lib):
    f = functions(lib)
    x = data(lib, 2)
    f.CubeOnce.apply(x).sum().backward()
    assert f.grad_mode_inside is False
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2)
    (g,) = lib.autograd.grad((f.CubeOnce.apply(x) ** 2).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "torch::autograd::Error"
    with pytest.raises(RuntimeError, match="^trying to differentiate twice a function that was "
                                           "marked with @once_differentiable$"):
        g.sum().backward()


def test_hooks_and_retain_grad_on_outputs(lib):
    f = functions(lib)
    x = data(lib, 2)
    y = f.MyExp.apply(x)
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert y.grad.tolist() == [10.0, 10.0]
    np.testing.assert_allclose(x.grad.numpy(), 10 * np.exp(x.detach().numpy()))


# --- errors: PyTorch's class and text -----------------------------------------------------

def bad_functions(lib):
    Function = lib.autograd.Function

    def make(name, forward, backward):
        return type(name, (Function,), {"forward": staticmethod(forward),
                                        "backward": staticmethod(backward)})

    return {
        "too few": (make("TooFew", lambda ctx, x, k: x * k, lambda ctx, g: g), 2.0),
        "non-tensor input": (make("ForConstant", lambda ctx, x, k: x * k,
                                  lambda ctx, g: (g, g)), 2.0),
        "bad shape": (make("BadShape", lambda ctx, x: x * 2, lambda ctx, g: g[:1]),),
        "scalar": (make("Scalar", lambda ctx, x: x * 2, lambda ctx, g: g.sum()),),
        "int": (make("ReturnsInt", lambda ctx, x: x * 2, lambda ctx, g: 3),),
    }


ERRORS = {
    "too few": "function TooFewBackward returned an incorrect number of gradients "
               "(expected 2, got 1)",
    "non-tensor input": "function ForConstantBackward returned a gradient different than "
                        "None at position 2, but the corresponding forward input was not a "
                        "Variable",
    "bad shape": "Function BadShapeBackward returned an invalid gradient at index 0 - got [1] "
                 "but expected shape compatible with [2]",
    "scalar": "Function ScalarBackward returned an invalid gradient at index 0 - got [] but "
              "expected shape compatible with [2]",
    "int": "expected Variable or None (got int)",
}


@pytest.mark.parametrize("case", ERRORS)
def test_wrong_gradients_from_backward(lib, case):
    cls, *extra = bad_functions(lib)[case]
    x = data(lib, 2)
    with pytest.raises(RuntimeError) as info:
        cls.apply(x, *extra).sum().backward()
    assert str(info.value) == ERRORS[case]


def test_broadcast_gradient_is_summed_back(lib):
    Function = lib.autograd.Function

    class Broadcasting(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2)

    x = data(lib, 2)
    Broadcasting.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_missing_methods_and_instances(lib):
    Function = lib.autograd.Function

    class NoForward(Function):
        pass

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    x = data(lib, 2)
    with pytest.raises(NotImplementedError, match="^You must implement the forward function"):
        NoForward.apply(x)
    with pytest.raises(NotImplementedError,
                       match="^You must implement either the backward or vjp method"):
        NoBackward.apply(x).sum().backward()
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        instance = NoBackward()
    with pytest.raises(RuntimeError, match="^Legacy autograd function with non-static forward"):
        instance(x)


def test_save_for_backward_refuses_non_tensors(lib):
    Function = lib.autograd.Function

    class SavesInt(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    with pytest.raises(TypeError) as info:
        SavesInt.apply(data(lib, 2))
    assert str(info.value) == ("save_for_backward can only save variables, but argument 1 is "
                               "of type int")


def test_mark_dirty_errors(lib):
    Function = lib.autograd.Function

    class DoublesLeaf(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

    class HidesDirty(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

    with pytest.raises(RuntimeError) as info:
        DoublesLeaf.apply(data(lib, 2))
    assert str(info.value) == ("a leaf Variable that requires grad has been used in an "
                               "in-place operation.")
    with pytest.raises(RuntimeError) as info:
        HidesDirty.apply(data(lib, 2).clone())
    assert str(info.value).startswith("Some elements marked as dirty during the forward method "
                                      "were not returned as output.")


def test_saved_tensors_freed_and_modified(lib):
    f = functions(lib)
    x = data(lib, 2, dtype=lib.float32)
    y = f.MyExp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
        _ = y.grad_fn.saved_tensors
    y = f.MyExp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == message(lib, (
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [2]], which is output 0 of MyExp, is at version 1; "
        "expected version 0 instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False)."))


# --- the record hook and the pictures see custom nodes like any other ---------------------

def test_recorded_and_drawn_like_any_node():
    f = functions(mg)
    x = data(mg, 3)
    with record() as passes:
        loss = (f.MyExp.apply(x) * 2).sum()
        loss.backward()
    visits = [s.node.name() for s in passes[0].steps if s.kind == "visit"]
    assert visits == ["SumBackward0", "MulBackward0", "MyExpBackward"]
    step = passes[0].steps[2]
    np.testing.assert_allclose(step.grads_out[0], 2 * np.exp(x.detach().numpy()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "MyExpBackward" in draw(loss).dot()
        assert "MyExpBackward" in draw(passes[0]).dot()


def _two_outputs(lib, materialize=True):
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.set_materialize_grads(materialize)
            return x * 2, x**2

        @staticmethod
        def backward(ctx, ga, gb):
            (x,) = ctx.saved_tensors
            Two.seen.append((None if ga is None else ga.tolist(),
                             None if gb is None else gb.tolist()))
            return (0 if ga is None else ga * 2) + (0 if gb is None else gb * 2 * x)

    Two.seen = []
    return Two


@pytest.mark.parametrize("materialize", [True, False])
def test_every_output_shares_one_node(lib, materialize):
    Two = _two_outputs(lib, materialize)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    assert a.grad_fn is b.grad_fn and (a.output_nr, b.output_nr) == (0, 1)
    y = b * 3
    (node, index), (nothing, _) = y.grad_fn.next_functions
    assert node is a.grad_fn and index == 1 and nothing is None
    hooked = []
    b.retain_grad()
    b.register_hook(lambda g: hooked.append(g.tolist()))
    y.sum().backward()
    # The unused output's gradient: zeros, or None without materialized gradients.
    assert Two.seen == [([0.0, 0.0] if materialize else None, [3.0, 3.0])]
    assert hooked == [[3.0, 3.0]] and b.grad.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [6.0, 12.0]
    a, b = Two.apply(x)
    (g,) = lib.autograd.grad(a.sum() + b.sum(), x, create_graph=True)
    assert g.tolist() == [4.0, 6.0]
    (gg,) = lib.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 2.0]
