"""Benchmark 1: micrograd's demo network, scalar autograd.

The MLP 2-16-16-1 of karpathy's ``demo.ipynb`` on 100 two-moons samples; one timed
call is the notebook's ``loss()`` on the full batch, then ``zero_grad()`` and
``backward()`` (the training step without the SGD update). karpathy's micrograd and
micrograd_nb run the same code; only the ``Value``/``MLP`` classes differ.

The data reach both as Python floats and ints: the notebook feeds numpy scalars,
which would time numpy's scalar arithmetic rather than the engines.
"""

import math
import random

import peers
from timing import describe_error, goal_line, measure, stats_table
from twomoons import demo_data

TITLE = "1. micrograd demo network"
ALPHA = 1e-4
SIZES = [2, 16, 16, 1]
N_PARAMS = sum((nin + 1) * nout for nin, nout in zip(SIZES, SIZES[1:]))  # 337
GOAL = 0.4  # micrograd_nb / micrograd


def demo_loss(model, Value, X, y):
    """The demo notebook's ``loss()`` with ``batch_size=None``."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    # forward the model to get scores
    scores = list(map(model, inputs))
    # svm "max-margin" loss
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def make_step(Value, MLP, X, y):
    """The timed call on a model seeded like the notebook, and a function that reads
    (loss, weights, gradients) as floats out of the last call."""
    random.seed(1337)
    model = MLP(SIZES[0], SIZES[1:])
    last = []

    def step():
        loss = demo_loss(model, Value, X, y)
        model.zero_grad()
        loss.backward()
        last[:] = [loss]

    def outcome():
        params = model.parameters()
        return (float(last[0].data), [float(p.data) for p in params],
                [float(p.grad) for p in params])

    return step, outcome


def compare(first, second, labels):
    """Compare two peers' (loss, weights, gradients) after their last step: a note, and
    a failure message or None."""
    (loss_a, data_a, grads_a), (loss_b, data_b, grads_b) = first, second
    if len(data_a) != len(data_b):
        return None, f"parameter counts differ: {len(data_a)} vs {len(data_b)}"
    if data_a != data_b:
        return ("weights differ after random.seed(1337) (different initialisation), "
                "so losses and gradients are not compared"), None

    def close(a, b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

    if not close(loss_a, loss_b):
        return None, f"same weights but losses differ: {loss_a!r} vs {loss_b!r} ({labels})"
    bad = [i for i, (a, b) in enumerate(zip(grads_a, grads_b)) if not close(a, b)]
    if bad:
        i = bad[0]
        return None, (f"same weights but {len(bad)} of {len(grads_a)} gradients differ "
                      f"({labels}); first: parameter {i}: {grads_a[i]!r} vs {grads_b[i]!r}")
    return (f"same weights (random.seed(1337)); loss {loss_a:.6f} and all {len(grads_a)} "
            "gradients agree"), None


def run(repeat, target):
    """Returns (markdown text, list of failure messages)."""
    X, y = demo_data(100)
    X, y = X.tolist(), y.tolist()
    loaders = {"micrograd": peers.micrograd, "micrograd_nb": peers.micrograd_nb_mlp}
    labels = {"micrograd": "micrograd 0.1.0", "micrograd_nb": "micrograd_nb Value"}
    results, cases, readers, failures = {}, {}, {}, []
    for key, loader in loaders.items():
        try:
            Value, MLP = loader()
            cases[key], readers[key] = make_step(Value, MLP, X, y)
        except peers.Skip as skip:
            results[key] = f"skipped: {skip}"
        except Exception as error:
            results[key] = error
        else:
            results[key] = None

    results.update(measure(cases, repeat, target))
    outcomes = {}
    for key, result in results.items():
        if isinstance(result, BaseException):
            failures.append(f"{TITLE}: {labels[key]} failed: {describe_error(result)}")
        elif key in readers:
            try:
                outcomes[key] = readers[key]()  # the last timed call's loss and gradients
            except Exception as error:
                failures.append(f"{TITLE}: reading {labels[key]}'s results failed: "
                                f"{describe_error(error)}")

    lines = [
        f"## {TITLE}",
        "",
        f"MLP 2-16-16-1 ({N_PARAMS} parameters) on 100 two-moons samples: one forward + "
        "backward of the demo notebook's loss (SVM max-margin + 1e-4 L2), zero_grad "
        "included. Time per call.",
        "",
        stats_table(results, labels, baseline="micrograd"),
        "",
        goal_line(results, labels, "micrograd_nb", "micrograd", GOAL),
    ]
    if len(outcomes) == 2:
        note, failure = compare(outcomes["micrograd"], outcomes["micrograd_nb"],
                                "micrograd vs micrograd_nb")
        if failure:
            failures.append(f"{TITLE}: {failure}")
            lines.append(f"- check FAILED: {failure}")
        else:
            lines.append(f"- check: {note}")
    return "\n".join(lines), failures
