"""Benchmark 2: the demo network batched over the 100 samples, float32.

X (100, 2) -> W1 (2, 16), b1 -> relu -> W2 (16, 16), b2 -> relu -> W3 (16, 1), b3, the
same loss as the demo (mean of relu(1 - y * score) + 1e-4 * sum of squares of every
parameter). One timed call zeroes the gradients (``p.grad = None``), runs the forward
pass and the backward pass.

micrograd_nb's Tensor and PyTorch run the very same ``tensor_loss`` code; numpy runs a
hand-written forward and backward (the chain rule written out, no autograd). micrograd_nb
also runs it compiled (``mg.compile(tensor_loss)``: traced once, then replayed), as
PyTorch code would write ``torch.compile(tensor_loss)``.
"""

import numpy as np
import peers
from timing import describe_error, goal_line, measure, stats_table
from twomoons import demo_data

TITLE = "2. batched Tensor network"
ALPHA = 1e-4
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]
SHAPES = [(2, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
TOLERANCE = 1e-4
GOALS = {"torch": 1.0, "numpy": 2.0}  # micrograd_nb / peer, eager and compiled


def init_params(seed=1337):
    """micrograd's initialisation: weights uniform in [-1, 1], biases zero."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, shape).astype(np.float32) if len(shape) == 2
            else np.zeros(shape, np.float32) for shape in SHAPES]


def batch():
    X, y = demo_data(100)
    return X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)


# --- autograd peers: micrograd_nb Tensor and torch --------------------------------------

def tensor_loss(X, y, params):
    W1, b1, W2, b2, W3, b3 = params
    h1 = (X @ W1 + b1).relu()
    h2 = (h1 @ W2 + b2).relu()
    scores = h2 @ W3 + b3
    data_loss = (1 - y * scores).relu().mean()
    reg_loss = ALPHA * sum((p * p).sum() for p in params)
    return data_loss + reg_loss


def autograd_peer(lib, X, y, params, loss_fn=tensor_loss):
    """The timed call for a torch-like module ``lib``, and a function that reads the loss
    and gradients (as numpy arrays) out of the last call."""
    X, y = lib.tensor(X), lib.tensor(y)
    params = [lib.tensor(p.copy(), requires_grad=True) for p in params]
    last = []

    def step():
        for p in params:
            p.grad = None
        loss = loss_fn(X, y, params)
        loss.backward()
        last[:] = [loss]

    def outcome():
        grads = [None if p.grad is None else np.array(p.grad.numpy()) for p in params]
        return float(last[0].item()), grads

    return step, outcome


def compiled_peer(mg, X, y, params):
    """The same step with ``mg.compile(tensor_loss)``; its first call traces."""
    return autograd_peer(mg, X, y, params, loss_fn=mg.compile(tensor_loss, fullgraph=True))


# --- numpy: backprop by hand --------------------------------------------------------------

def numpy_forward_backward(X, y, params):
    """Loss and gradients, the backward pass written out."""
    W1, b1, W2, b2, W3, b3 = params
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0)
    scores = h2 @ W3 + b3
    margin = 1 - y * scores
    loss = np.maximum(margin, 0).mean() + ALPHA * sum((p * p).sum() for p in params)

    d_margin = (margin > 0).astype(np.float32) * (1 / margin.size)  # d mean(relu(m)) / dm
    d_scores = -y * d_margin
    dW3 = h2.T @ d_scores
    db3 = d_scores.sum(axis=0)
    dz2 = (d_scores @ W3.T) * (z2 > 0)
    dW2 = h1.T @ dz2
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    grads = [dW1, db1, dW2, db2, dW3, db3]
    return loss, [g + (2 * ALPHA) * p for g, p in zip(grads, params)]


def numpy_peer(X, y, params):
    params = [p.copy() for p in params]
    last = []

    def step():
        last[:] = [numpy_forward_backward(X, y, params)]

    def outcome():
        loss, grads = last[0]
        return float(loss), grads

    return step, outcome


# --- checking and reporting ---------------------------------------------------------------

def disagreements(label, outcome, reference_label, reference):
    """Messages for every way ``outcome`` differs from ``reference`` (loss and gradients
    within TOLERANCE, same shapes, float32)."""
    (loss, grads), (ref_loss, ref_grads) = outcome, reference
    found = []
    if not np.isclose(loss, ref_loss, rtol=TOLERANCE, atol=TOLERANCE):
        found.append(f"{label} loss {loss!r} vs {reference_label} loss {ref_loss!r}")
    for name, grad, ref in zip(NAMES, grads, ref_grads):
        if grad is None:
            found.append(f"{label}: {name}.grad is None after backward()")
        elif grad.shape != ref.shape:
            found.append(f"{label}: {name}.grad has shape {grad.shape}, "
                         f"{reference_label} {ref.shape}")
        elif grad.dtype != np.float32:
            found.append(f"{label}: {name}.grad has dtype {grad.dtype}, expected float32")
        elif not np.allclose(grad, ref, rtol=TOLERANCE, atol=TOLERANCE):
            worst = float(np.max(np.abs(grad.astype(np.float64) - ref)))
            found.append(f"{label}: {name}.grad differs from {reference_label} "
                         f"(max |diff| {worst:.3g}, tolerance {TOLERANCE:g})")
    return found


def run(repeat, target):
    """Returns (markdown text, list of failure messages)."""
    X, y = batch()
    params = init_params()
    labels = {"micrograd_nb": "micrograd_nb Tensor", "compiled": "micrograd_nb Tensor, compiled",
              "torch": "torch (1 thread)", "numpy": "numpy by hand"}
    makers = {
        "micrograd_nb": lambda: autograd_peer(peers.micrograd_nb_tensor(), X, y, params),
        "compiled": lambda: compiled_peer(peers.micrograd_nb_tensor(), X, y, params),
        "torch": lambda: autograd_peer(peers.torch(), X, y, params),
        "numpy": lambda: numpy_peer(X, y, params),
    }
    # each peer run once untimed first, to check its loss and gradients
    results, cases, outcomes, failures = peers.set_up(makers, labels, TITLE)

    problems = []
    for key in ("micrograd_nb", "compiled", "torch"):
        if key in outcomes and "numpy" in outcomes:
            problems += disagreements(labels[key], outcomes[key], labels["numpy"],
                                      outcomes["numpy"])

    for key, result in measure(cases, repeat, target).items():
        results[key] = result
        if isinstance(result, BaseException):
            failures.append(f"{TITLE}: {labels[key]} failed: {describe_error(result)}")

    lines = [
        f"## {TITLE}",
        "",
        "The same network batched: X (100, 2) float32, parameters as tensors; one forward + "
        "backward of the same loss, gradients zeroed in between. Time per call.",
        "",
        stats_table(results, labels, baseline="torch"),
        "",
    ]
    for ours in ("micrograd_nb", "compiled"):
        for peer, goal in GOALS.items():
            lines.append(goal_line(results, labels, ours, peer, goal))
    checked = [labels[key] for key in outcomes]
    if problems:
        failures.append(f"{TITLE}: gradients disagree: " + "; ".join(problems))
        lines.append("- gradients DISAGREE:")
        lines += [f"  - {problem}" for problem in problems]
    elif len(checked) > 1:
        lines.append(f"- gradients agree ({', '.join(checked)}: loss and all {len(NAMES)} "
                     f"gradients within {TOLERANCE:g})")
    return "\n".join(lines), failures
