"""Benchmark: lesson 04's Value training, karpathy's demo loop.

The MLP 2-16-16-1 on 100 two-moons samples, trained for ``steps`` of karpathy's
``demo.ipynb`` steps: the loss on the full batch, ``zero_grad()``, ``backward()`` and
the SGD update with his learning-rate schedule. One timed call is the whole run. Only
micrograd_nb runs all the steps (karpathy's micrograd takes minutes); micrograd runs the
first ``CHECKED_STEPS`` to check that both engines give the same losses.
"""

import math
import statistics
import time

import peers
from demo_net import SIZES, demo_loss
from timing import describe_error, fmt_time, markdown_table
from twomoons import demo_data

CHECKED_STEPS = 2


def train(Value, MLP, X, y, steps):
    """The losses of ``steps`` training steps, from the demo's initialisation."""
    import random

    random.seed(1337)
    model = MLP(SIZES[0], SIZES[1:])
    losses = []
    for k in range(steps):
        loss = demo_loss(model, Value, X, y)
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(loss.data)
    return losses


def run(steps, repeat):
    """Returns (markdown text, list of failure messages)."""
    title = f"Value training: {steps} of karpathy's steps"
    X, y = demo_data(100)
    X, y = X.tolist(), y.tolist()
    failures, rows = [], []
    try:
        Value, MLP = peers.micrograd_nb_mlp()
    except peers.Skip as skip:
        return f"## {title}\n\nskipped: {skip}", []
    times, losses = [], None
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            losses = train(Value, MLP, X, y, steps)
            times.append(time.perf_counter() - start)
    except Exception as error:
        failures.append(f"{title}: micrograd_nb Value failed: {describe_error(error)}")
        return f"## {title}\n\nerror: {describe_error(error)}", failures
    median = statistics.median(times)
    rows.append(["micrograd_nb Value", str(steps), fmt_time(median), fmt_time(min(times)),
                 fmt_time(max(times)), fmt_time(median / steps), str(len(times))])
    lines = [
        f"## {title}",
        "",
        "Lesson 04's loop on the demo MLP 2-16-16-1 and 100 two-moons samples: loss, "
        "zero_grad, backward and the SGD update, per step. Time of the whole run.",
        "",
        markdown_table(["implementation", "steps", "median", "min", "max", "per step", "runs"],
                       rows, ["l", "r", "r", "r", "r", "r", "r"]),
        "",
        f"- loss after step 1: {losses[0]:.6f}, after step {steps}: {losses[-1]:.6f}",
    ]
    try:
        reference = train(*peers.micrograd(), X, y, min(CHECKED_STEPS, steps))
    except peers.Skip as skip:
        lines.append(f"- check against micrograd skipped: {skip}")
    else:
        if all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
               for a, b in zip(reference, losses)):
            lines.append(f"- check: the first {len(reference)} losses agree with micrograd 0.1.0")
        else:
            failure = (f"{title}: losses differ from micrograd 0.1.0: "
                       f"{losses[:len(reference)]!r} vs {reference!r}")
            failures.append(failure)
            lines.append(f"- check FAILED: {failure}")
    return "\n".join(lines), failures
