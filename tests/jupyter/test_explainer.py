"""The error explainer: a card under the traceback of the classic autograd errors, through
a real IPython shell, for micrograd_nb and for PyTorch; and ``explain()`` on each message."""

import html

import pytest
from IPython.utils.capture import capture_output

from micrograd_nb.autograd import errors
from micrograd_nb.jupyter import explainer
from micrograd_nb.jupyter.explainer import Explanation, explain
from micrograd_nb.viz import render


@pytest.fixture
def shell(ip):
    """The shell with the explainer installed, and ``mg`` imported; uninstalled after."""
    before = (ip.CustomTB, ip.custom_exceptions)
    explainer.install(ip)
    ip.run_cell("import micrograd_nb as mg")
    yield ip
    explainer.uninstall(ip)
    assert (ip.CustomTB, ip.custom_exceptions) == before


@pytest.fixture
def torch_shell(shell, torch):
    shell.run_cell("import torch")
    return shell


def run(ip, cell):
    with capture_output() as captured:
        result = ip.run_cell(cell)
    return result, captured


def cards(captured):
    return [o.data for o in captured.outputs if "text/html" in o.data
            and "micrograd-nb-explainer" in o.data["text/html"]]


def the_card(captured):
    found = cards(captured)
    assert len(found) == 1, [o.data for o in captured.outputs]
    return found[0]["text/plain"], found[0]["text/html"]


def check_failed(result, captured, message):
    """The cell failed with the original exception, and its traceback was printed."""
    assert not result.success
    assert isinstance(result.error_in_exec, RuntimeError)
    assert str(result.error_in_exec) == message
    printed = captured.stdout + captured.stderr
    assert "RuntimeError" in printed
    assert message[:60] in printed


def flat(text):
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------
# Each error, raised by micrograd_nb and by torch ("L" is the library in the cell).

CASES = {
    "non_scalar": (
        "x = L.ones(3, requires_grad=True)\ny = x * 2\ny.backward()",
        errors.NON_SCALAR_OUTPUT,
        "backward() needs a scalar output, or a gradient",
        ["`y` has shape (3,): 3 elements, so there is no single number to differentiate",
         "y.sum().backward()", "y.mean().backward()", "gradient 1/3",
         "y.backward(gradient=L.ones_like(y))"],
    ),
    "non_scalar_grad": (
        "x = L.ones(2, 2, requires_grad=True)\ny = x * 2\nL.autograd.grad(y, x)",
        errors.NON_SCALAR_OUTPUT,
        "backward() needs a scalar output, or a gradient",
        ["autograd.grad() was given `y`, which has shape (2, 2): 4 elements",
         "L.autograd.grad(y.sum(), x)", "L.autograd.grad(y, x, grad_outputs=L.ones_like(y))"],
    ),
    "non_scalar_temporary": (
        "x = L.ones(3, requires_grad=True)\n(x * 2).backward()",
        errors.NON_SCALAR_OUTPUT,
        "backward() needs a scalar output, or a gradient",
        ["The output `(x * 2)` has shape (3,)", "(x * 2).sum().backward()",
         "(x * 2).backward(gradient=L.ones_like(x * 2))"],
    ),
    "shape_mismatch": (
        "x = L.ones(3, requires_grad=True)\ny = x * 2\ng = L.ones(4)\ny.backward(g)",
        "Mismatch in shape: grad_output[0] has a shape of S([4]) and output[0] has a shape of "
        "S([3]).",
        "The gradient must have the output's shape",
        ["The gradient `g` has shape (4,), but `y` has shape (3,)",
         "y.backward(gradient=L.ones_like(y))", "y.sum().backward()"],
    ),
    "shape_mismatch_reshape": (
        "x = L.ones(2, 3, requires_grad=True)\ny = x * 2\ny.backward(gradient=L.ones(6))",
        "Mismatch in shape: grad_output[0] has a shape of S([6]) and output[0] has a shape of "
        "S([2, 3]).",
        "The gradient must have the output's shape",
        ["The gradient you passed has shape (6,), but `y` has shape (2, 3)",
         "y.backward(gradient=g.reshape(y.shape))"],
    ),
    "backward_twice": (
        "x = L.ones(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()\ny.backward()",
        errors.BACKWARD_TWICE,
        "This graph was already freed by an earlier backward()",
        ["the graph of `y` again", "y.backward(retain_graph=True)\n      y.backward()",
         "h = h.detach()"],
    ),
    "no_grad_fn": (
        "x = L.ones(3)\ny = (x * 2).sum()\ny.backward()",
        errors.NO_GRAD_FN.format(index=0),
        "The output does not require grad: there is no graph",
        ["`y` has requires_grad=False and no grad_fn",
         "x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)", "x.requires_grad_()",
         "not under L.no_grad()"],
    ),
    "no_grad_fn_second": (
        "x = L.ones(3, requires_grad=True)\na = (x * 2).sum()\nb = a.detach()\n"
        "L.autograd.backward([a, b])",
        errors.NO_GRAD_FN.format(index=1),
        "The output does not require grad: there is no graph",
        ["Output 1 (`b`) has requires_grad=False"],
    ),
    "modified_inplace": (
        "x = L.ones(3, requires_grad=True)\nc = (x * 2).sigmoid()\nc.add_(1)\n"
        "c.sum().backward()",
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [T.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; "
        "expected version 0 instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).",
        "A value saved for backward was changed in place",
        ["A T.FloatTensor of shape (3,) (`c`), the output 0 of Sigmoid, was saved for the "
         "backward pass at version 0 and is now at version 1: 1 in-place change",
         "c = c + 1  # instead of c += 1 or c.add_(1)", "c = c.clone()\n      c.add_(1)"],
    ),
    "inplace_on_leaf": (
        "x = L.ones(3, requires_grad=True)\nx += 1",
        errors.INPLACE_ON_LEAF,
        "In-place change of a leaf that requires grad",
        ["`x += 1` changes `x` in place, and `x` is a leaf tensor with requires_grad=True "
         "(shape (3,))", "with L.no_grad():\n          x += 1",
         "x2 = x + 1  # instead of x += 1", "x2 = x.clone()"],
    ),
    "inplace_on_leaf_method": (
        "w = L.ones(2, requires_grad=True)\nw.mul_(0.5)",
        errors.INPLACE_ON_LEAF,
        "In-place change of a leaf that requires grad",
        ["`w.mul_(0.5)` changes `w` in place", "with L.no_grad():\n          w.mul_(0.5)",
         "w2 = w.mul(0.5)  # instead of w.mul_(0.5)"],
    ),
    "inplace_on_leaf_view": (
        "x = L.ones(3, requires_grad=True)\nx[0] = 5.0",
        errors.INPLACE_ON_LEAF_VIEW,
        "In-place change of a view of a leaf that requires grad",
        ["`x[0] = 5.0` writes into part of `x`, a leaf tensor that requires grad",
         "with L.no_grad():\n          x[0] = 5.0", "x2 = x.clone()\n      x2[0] = 5.0"],
    ),
    "unused_input": (
        "x = L.ones(3, requires_grad=True)\nz = L.ones(2, requires_grad=True)\n"
        "y = (x * 2).sum()\nL.autograd.grad(y, [x, z])",
        errors.UNUSED_INPUT.format(index=1),
        "An input was not used to compute the output",
        ["Input 1 (`z`) of autograd.grad() is not in the graph of `y`",
         "L.autograd.grad(y, [x, z], allow_unused=True)",
         "L.autograd.grad(y, [x, z], materialize_grads=True)"],
    ),
    "int_create": (
        "x = L.tensor([1, 2], requires_grad=True)",
        errors.CREATE_INT_REQUIRING_GRAD,
        "Only floating-point tensors can require gradients",
        ["`x = L.tensor([1, 2], requires_grad=True)` makes a tensor with",
         "x = L.tensor([1, 2], dtype=L.float32, requires_grad=True)",
         "x = L.tensor([1.0, 2.0], requires_grad=True)"],
    ),
    "int_requires_grad_": (
        "n = L.tensor([1, 2])\nn.requires_grad_()",
        errors.SET_INT_REQUIRING_GRAD,
        "Only floating-point tensors can require gradients",
        ["`n` has dtype int64, and requires_grad_() was called on it",
         "n = n.float().requires_grad_()"],
    ),
    "numpy": (
        "x = L.ones(3, requires_grad=True)\nx.numpy()",
        errors.NUMPY_REQUIRES_GRAD,
        "numpy() on a tensor that requires grad",
        ["`x` (shape (3,)) requires grad, and numpy() was called on it",
         "x.detach().numpy()", "x.tolist()"],
    ),
    "numpy_array": (
        "import numpy as np\nx = L.ones(3, requires_grad=True)\nnp.array(x)",
        errors.NUMPY_REQUIRES_GRAD,
        "numpy() on a tensor that requires grad",
        ["by numpy itself", "plt.plot(x.detach())"],
    ),
}

NAMES = {"mg": ("micrograd_nb", "micrograd_nb.Size"), "torch": ("torch", "torch.Size")}


def check_case(ip, lib, case):
    cell, message, title, facts = CASES[case]
    type_prefix, size = NAMES[lib]
    fill = lambda s: s.replace("L.", f"{lib}.").replace("S(", f"{size}(").replace(  # noqa: E731
        "T.", f"{type_prefix}.")
    result, captured = run(ip, fill(cell))
    check_failed(result, captured, fill(message))
    text, markup = the_card(captured)
    assert text.startswith(f"autograd: {title}\n")
    assert html.escape(title) in markup
    for fact in facts:
        fact = fill(fact)
        if "\n" in fact:
            assert fact in text, (fact, text)
        else:
            assert flat(fact) in flat(text), (fact, text)
            assert flat(html.escape(fact)) in flat(markup.replace("<code>", "`").replace(
                "</code>", "`"))
    return text, markup


@pytest.mark.parametrize("case", sorted(CASES))
def test_card_for_micrograd_nb(shell, case):
    check_case(shell, "mg", case)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("case", sorted(CASES))
def test_card_for_torch(torch_shell, case):
    check_case(torch_shell, "torch", case)


def test_graph_of_the_output_for_micrograd_nb_and_for_torch(torch_shell):
    if not render.available_renderers():
        pytest.skip("no Graphviz renderer here")
    for library in ("mg", "torch"):
        _, markup = check_case(torch_shell, library, "non_scalar")
        assert "<svg" in markup and "the graph of y" in markup
        assert "<?xml" not in markup  # inline, without the XML prolog
    assert "MulBackward0" in markup  # torch's own node, drawn from its grad_fn


def test_backward_twice_on_a_value(shell):
    result, captured = run(shell, "a = mg.Value(2.0)\nb = a * a\nb.backward()\nb.backward()")
    check_failed(result, captured, errors.BACKWARD_TWICE)
    text, markup = the_card(captured)
    assert "This graph was already freed" in text
    assert "the graph of `b` again" in flat(text)
    assert "the '*' node" in flat(text)
    assert "b.backward(retain_graph=True)" in text
    if render.available_renderers():
        assert "<svg" in markup


def test_backward_twice_names_the_node_for_micrograd_nb(shell):
    result, captured = run(shell, CASES["backward_twice"][0].replace("L.", "mg."))
    text, _ = the_card(captured)
    assert "The first node that found them gone: MulBackward0." in flat(text)


def test_error_inside_a_function_reads_its_locals(shell):
    cell = ("def step(x):\n    out = x * 3\n    out.backward()\n\n"
            "step(mg.ones(2, 2, requires_grad=True))")
    result, captured = run(shell, cell)
    check_failed(result, captured, errors.NON_SCALAR_OUTPUT)
    text, _ = the_card(captured)
    assert "`out` has shape (2, 2): 4 elements" in flat(text)
    assert "out.sum().backward()" in text


def test_float64_saved_value(torch_shell):
    cell = ("x = L.ones(2, dtype=L.float64, requires_grad=True)\ne = x.exp()\ne.mul_(2)\n"
            "e.sum().backward()")
    for lib, type_name in (("mg", "micrograd_nb.DoubleTensor"), ("torch", "torch.DoubleTensor")):
        result, captured = run(torch_shell, cell.replace("L.", f"{lib}."))
        assert not result.success
        text, _ = the_card(captured)
        assert f"A {type_name} of shape (2,) (`e`), the output 0 of Exp" in flat(text)


def test_user_text_is_escaped_in_html(shell):
    result, captured = run(shell, "x = mg.ones(3, requires_grad=True)\nx[x < 2] = 0.0")
    assert not result.success
    text, markup = the_card(captured)
    assert "x[x < 2] = 0.0" in text
    assert "x[x &lt; 2] = 0.0" in markup
    assert "x < 2" not in markup


def test_cards_are_deterministic(shell):
    cell = "x = mg.ones(3, requires_grad=True)\ny = (x * 2).tanh()\ny.backward()"
    first = cards(run(shell, cell)[1])
    second = cards(run(shell, cell)[1])
    assert first == second and len(first) == 1
    assert "0x" not in first[0]["text/html"]


def test_other_errors_get_no_card(shell):
    result, captured = run(shell, "raise ValueError('x')")
    assert not result.success
    assert isinstance(result.error_in_exec, ValueError)
    assert "ValueError" in captured.stdout + captured.stderr
    assert cards(captured) == []
    result, captured = run(shell, "mg.ones(3) @ mg.ones(4)")
    assert not result.success and cards(captured) == []


def test_a_cell_that_works_is_untouched(shell):
    result, captured = run(shell, "x = mg.ones(3, requires_grad=True)\n(x * 2).sum().backward()"
                                  "\nx.grad.tolist()")
    assert result.success
    assert result.result == [2.0, 2.0, 2.0]
    assert cards(captured) == []


def test_syntax_errors_show_as_without_the_explainer(ip):
    cells = ["x = (", "exec('x = (')"]
    plain = [run(ip, c) for c in cells]
    explainer.install(ip)
    try:
        installed = [run(ip, c) for c in cells]
    finally:
        explainer.uninstall(ip)
    for (r1, c1), (r2, c2) in zip(plain, installed):
        assert not r1.success and not r2.success
        assert type(r1.error_before_exec or r1.error_in_exec) is \
            type(r2.error_before_exec or r2.error_in_exec)
        assert c1.stdout.replace("In[", "").split("\n")[-4:] == \
            c2.stdout.replace("In[", "").split("\n")[-4:]
        assert cards(c2) == []


# ---------------------------------------------------------------------------------------
# install / uninstall

def test_load_ext_shows_the_card_and_unload_ext_removes_it(ip):
    before = (ip.CustomTB, ip.custom_exceptions)
    ip.run_line_magic("load_ext", "micrograd_nb")
    try:
        result, captured = run(ip, "import micrograd_nb as mg\n"
                                   "y = mg.ones(3, requires_grad=True) * 2\ny.backward()")
        check_failed(result, captured, errors.NON_SCALAR_OUTPUT)
        text, _ = the_card(captured)
        assert "`y` has shape (3,): 3 elements" in flat(text)
    finally:
        ip.run_line_magic("unload_ext", "micrograd_nb")
    assert (ip.CustomTB, ip.custom_exceptions) == before


def test_uninstall_restores_the_previous_state(ip):
    before = (ip.CustomTB, ip.custom_exceptions)
    explainer.install(ip)
    assert ip.custom_exceptions == (BaseException,)
    explainer.uninstall(ip)
    assert ip.CustomTB is before[0]
    assert ip.custom_exceptions == before[1] == ()
    result, captured = run(ip, "import micrograd_nb as mg\nmg.ones(3, requires_grad=True)"
                               ".mul(2).backward()")
    check_failed(result, captured, errors.NON_SCALAR_OUTPUT)
    assert cards(captured) == []
    explainer.uninstall(ip)  # twice: nothing to do
    assert ip.CustomTB is before[0]


def test_install_twice_shows_one_card(ip):
    explainer.install(ip)
    explainer.install(ip)
    try:
        result, captured = run(ip, "import micrograd_nb as mg\n"
                                   "mg.ones(3, requires_grad=True).mul(2).backward()")
        assert len(cards(captured)) == 1
    finally:
        explainer.uninstall(ip)
    assert ip.custom_exceptions == ()


def test_a_previous_custom_handler_is_kept_and_restored(ip):
    seen = []

    def previous(self, etype, value, tb, tb_offset=None):
        seen.append(etype)
        return ["handled by the previous handler\n"]

    original = (ip.CustomTB, ip.custom_exceptions)
    ip.set_custom_exc((KeyError,), previous)
    theirs = ip.CustomTB
    try:
        explainer.install(ip)
        result, captured = run(ip, "{}['missing']")
        assert seen == [KeyError] and isinstance(result.error_in_exec, KeyError)
        assert cards(captured) == []
        result, captured = run(ip, "import micrograd_nb as mg\n"
                                   "mg.ones(3, requires_grad=True).mul(2).backward()")
        assert len(cards(captured)) == 1 and seen == [KeyError]
        explainer.uninstall(ip)
        assert ip.CustomTB is theirs and ip.custom_exceptions == (KeyError,)
    finally:
        explainer.uninstall(ip)
        ip.CustomTB, ip.custom_exceptions = original


def test_a_failing_explainer_keeps_the_handler_and_the_traceback(ip, monkeypatch):
    def broken(exc):
        raise AssertionError("bug in the explainer")

    monkeypatch.setattr(explainer, "explain", broken)
    explainer.install(ip)
    try:
        result, captured = run(ip, "import micrograd_nb as mg\n"
                                   "mg.ones(3, requires_grad=True).mul(2).backward()")
        check_failed(result, captured, errors.NON_SCALAR_OUTPUT)
        assert ip.custom_exceptions == (BaseException,)
        assert "Custom TB Handler failed" not in captured.stdout + captured.stderr
    finally:
        explainer.uninstall(ip)


# ---------------------------------------------------------------------------------------
# explain() on each message, without a traceback

def synthetic(message):
    return explain(RuntimeError(message))


@pytest.mark.parametrize("message, kind", [
    (errors.NON_SCALAR_OUTPUT, "non_scalar_output"),
    (errors.SHAPE_MISMATCH.format(index=0, grad_shape="torch.Size([4])",
                                  output_shape="torch.Size([3])"), "shape_mismatch"),
    (errors.SHAPE_MISMATCH.format(index=0, grad_shape="micrograd_nb.Size([4, 1])",
                                  output_shape="micrograd_nb.Size([4])"), "shape_mismatch"),
    (errors.SHAPE_MISMATCH.format(index=1, grad_shape="torch.Size([1])",
                                  output_shape="torch.Size([])"), "shape_mismatch"),
    (errors.BACKWARD_TWICE, "backward_twice"),
    (errors.NO_GRAD_FN.format(index=0), "no_grad_fn"),
    (errors.NO_GRAD_FN.format(index=3), "no_grad_fn"),
    (errors.MODIFIED_INPLACE.format(type_name="torch.FloatTensor", shape="3",
                                    which=errors.MODIFIED_INPLACE_WHICH.format(op="Sigmoid"),
                                    version=1, expected=0), "modified_inplace"),
    (errors.MODIFIED_INPLACE.format(type_name="torch.DoubleTensor", shape="2, 3", which="",
                                    version=3, expected=1), "modified_inplace"),
    (errors.MODIFIED_INPLACE.format(type_name="micrograd_nb.FloatTensor", shape="",
                                    which=errors.MODIFIED_INPLACE_WHICH.format(op="Mul"),
                                    version=2, expected=0), "modified_inplace"),
    (errors.INPLACE_ON_LEAF, "inplace_on_leaf"),
    (errors.INPLACE_ON_LEAF_VIEW, "inplace_on_leaf_view"),
    (errors.UNUSED_INPUT.format(index=1), "unused_input"),
    (errors.CREATE_INT_REQUIRING_GRAD, "int_requires_grad"),
    (errors.SET_INT_REQUIRING_GRAD, "int_requires_grad"),
    (errors.NUMPY_REQUIRES_GRAD, "numpy_requires_grad"),
])
def test_explain_each_message(message, kind):
    card = synthetic(message)
    assert isinstance(card, Explanation) and card.kind == kind
    assert card.message == message or message.startswith(card.message)
    bundle = card._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"].startswith(f"autograd: {card.title}\n")
    assert card.fixes and all(code for _, code in card.fixes)
    assert all(html.escape(code) in bundle["text/html"] for _, code in card.fixes)
    assert bundle == card._repr_mimebundle_()  # deterministic


def test_explain_reads_numbers_from_the_message():
    card = synthetic(errors.SHAPE_MISMATCH.format(index=1, grad_shape="torch.Size([1])",
                                                  output_shape="torch.Size([])"))
    assert "has shape (1,), but output 1 has shape ()" in card.happened
    card = synthetic(errors.SHAPE_MISMATCH.format(index=0, grad_shape="micrograd_nb.Size([6])",
                                                  output_shape="micrograd_nb.Size([2, 3])"))
    assert "(6,)" in card.happened and "(2, 3)" in card.happened
    assert any("reshape" in code for _, code in card.fixes)
    assert "y.backward(gradient=mg.ones_like(y))" in card.text()
    card = synthetic(errors.MODIFIED_INPLACE.format(
        type_name="torch.DoubleTensor", shape="2, 3", which="", version=3, expected=1))
    assert "A torch.DoubleTensor of shape (2, 3) was saved" in card.happened
    assert "version 1 and is now at version 3: 2 in-place changes" in card.happened
    assert any("set_detect_anomaly" in code for _, code in card.fixes)
    card = synthetic(errors.MODIFIED_INPLACE.format(
        type_name="micrograd_nb.FloatTensor", shape="",
        which=errors.MODIFIED_INPLACE_WHICH.format(op="Mul"), version=2, expected=0))
    assert "shape (), the output 0 of Mul," in card.happened
    assert not any("set_detect_anomaly" in code for _, code in card.fixes)
    card = synthetic(errors.NO_GRAD_FN.format(index=0))
    assert "requires_grad=False" in card.happened


@pytest.mark.parametrize("message", [
    "x",
    "grad can be implicitly created only for real scalar outputs but got torch.complex64",
    errors.COUNT_MISMATCH.format(outputs=2, grads=1),
    errors.RETAIN_GRAD_NO_GRAD,
    "Mismatch in shape: something else entirely",
])
def test_explain_other_messages_gives_none(message):
    assert synthetic(message) is None


def test_explain_non_exceptions_and_value_errors():
    assert explain(ValueError("x")) is None
    assert explain("grad can be implicitly created only for scalar outputs") is None
    assert explain(None) is None


def test_plain_text_of_the_non_scalar_card():
    card = synthetic(errors.NON_SCALAR_OUTPUT)
    text = card.text()
    assert text.splitlines()[0] == "autograd: backward() needs a scalar output, or a gradient"
    assert "In this cell: The output has more than one element" in text
    assert "      y.sum().backward()" in text
    assert str(card) == text and "Explanation" in repr(card)
    assert all(len(line) <= 88 for line in text.splitlines())
