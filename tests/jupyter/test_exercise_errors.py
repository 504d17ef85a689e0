"""The errors students meet in the exercises, made with the typical wrong answers of each
question: every one gets a card, and the card points at the real cause."""

import pytest

from .conftest import run

SETUP = "import numpy as np\nimport micrograd_nb as mg\n"

# (exercise question, the wrong answer as it runs, the card's kind, a phrase it must say)
WRONG_ANSWERS = [
    ("ex1 q2: no reduction before backward()",
     "x = mg.tensor([1.0, 2.0], requires_grad=True)\ny = x ** 2\ny.backward()",
     "non_scalar_output", "y.mean().backward()"),
    ("ex1 q4: numpy() on the weights",
     "w = mg.tensor([0.5, -0.5], requires_grad=True)\nloss = (w * w).sum()\nloss.backward()\n"
     "w.numpy()", "numpy_requires_grad", "w.detach().numpy()"),
    ("ex1 q4: weights made without requires_grad",
     "w = mg.tensor([0.5, -0.5])\nloss = (w * w).sum()\nw.grad.numpy()",
     "grad_is_none", "`w` does not require grad"),
    ("ex2 q2: the seed passed as a numpy array",
     "W = mg.tensor([[1.0, 2.0], [0.0, 1.0]])\nx = mg.tensor([1.0, 1.0], requires_grad=True)\n"
     "y = W @ x\nv = np.array([1.0, 0.0])\ny.backward(v)",
     "gradient_type", "y.backward(gradient=mg.as_tensor(v, dtype=y.dtype))"),
    ("ex2 q2: a seed of the wrong shape",
     "x = mg.tensor([1.0, 1.0, 1.0], requires_grad=True)\ny = x * 2\n"
     "y.backward(gradient=mg.tensor([1.0, 0.0]))", "shape_mismatch", "ones_like(y)"),
    ("ex2 q4: one graph, several backward passes",
     "x = mg.tensor([1.0, 2.0], requires_grad=True)\ny = x.exp()\n"
     "y.backward(gradient=mg.tensor([1.0, 0.0]))\ny.backward(gradient=mg.tensor([0.0, 1.0]))",
     "backward_twice", "retain_graph=True"),
    ("ex3 q2: the first grad() without create_graph",
     "x = mg.tensor(1.5, requires_grad=True)\n(g,) = mg.autograd.grad(x ** 3, x)\n"
     "(h,) = mg.autograd.grad(g, x)", "no_grad_fn", "create_graph=True"),
    ("ex3 q2: grad()'s tuple not unpacked",
     "x = mg.tensor(1.5, requires_grad=True)\ng = mg.autograd.grad(x ** 3, x, create_graph=True)\n"
     "g.backward()", "grad_returned_a_tuple", "(g,) = mg.autograd.grad(x ** 3, x, create_graph"),
    ("ex3 q2: grad()'s tuple, and no create_graph",
     "x = mg.tensor(1.5, requires_grad=True)\ng = mg.autograd.grad(x ** 3, x)\n"
     "mg.autograd.grad(g, x)", "no_grad_fn", "without create_graph=True"),
    ("ex3 q3: a Hessian-vector product from a plain gradient",
     "x = mg.tensor([1.0, 2.0], requires_grad=True)\nv = mg.tensor([1.0, 0.0])\n"
     "(g,) = mg.autograd.grad((x ** 3).sum(), x)\nhv = (g * v).sum()\n"
     "mg.autograd.grad(hv, x)", "no_grad_fn", "`hv` was computed from `g`"),
    ("ex3 q4: a gradient penalty from a plain gradient",
     "w = mg.ones(2, requires_grad=True)\nx = mg.ones(2, requires_grad=True)\n"
     "f = (w * x).sum().tanh()\n(df_dx,) = mg.autograd.grad(f, x)\n"
     "penalty = (df_dx ** 2).sum()\npenalty.backward()", "no_grad_fn", "create_graph=True"),
]


@pytest.mark.parametrize("what, cell, kind, phrase", WRONG_ANSWERS,
                         ids=[case[0] for case in WRONG_ANSWERS])
def test_a_typical_wrong_answer_gets_its_card(loaded, what, cell, kind, phrase):
    from micrograd_nb.jupyter import explainer

    result, captured = run(loaded, SETUP + cell)
    error = result.error_in_exec
    assert error is not None, f"{what}: the wrong answer should fail"
    card = explainer.explain(error)
    assert card is not None, f"{what}: no card for {type(error).__name__}: {error}"
    assert card.kind == kind
    shown = [o.data["text/plain"] for o in captured.outputs if "text/html" in o.data
             and "micrograd-nb-explainer" in o.data["text/html"]]
    assert len(shown) == 1 and " ".join(phrase.split()) in " ".join(shown[0].split()), shown
