"""A convolutional network: the blitz tutorial's LeNet, forward and backward.

Two 5x5 convolutions with ReLU and 2x2 max pooling, then three linear layers, on a
batch of (16, 1, 32, 32) float32 images; the same weights from the same seed on both
libraries. Time per forward + backward, the gradients checked against each other.
"""

import numpy as np
import peers
from timing import measure, stats_table

TITLE = "6. convolutional network (LeNet)"
BATCH = (16, 1, 32, 32)
TOLERANCE = 1e-3  # relative, float32


def lenet(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120),
                         nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def peer(lib):
    """A step (forward + backward, gradients cleared first) and its gradients."""
    net = lenet(lib)
    images = lib.tensor(np.random.default_rng(0).standard_normal(BATCH).astype(np.float32))

    def step():
        net.zero_grad()
        net(images).square().sum().backward()

    def gradients():
        return [p.grad.numpy().copy() for p in net.parameters()]

    return step, gradients


def run(repeat, target):
    """Returns (markdown text, list of failure messages)."""
    labels = {"micrograd_nb": "micrograd_nb Tensor", "torch": "torch (1 thread)"}
    makers = {"micrograd_nb": lambda: peer(peers.micrograd_nb_tensor()),
              "torch": lambda: peer(peers.torch())}
    results, cases, grads, failures = peers.set_up(makers, labels, TITLE)
    for key, result in measure(cases, repeat, target, warmup=1).items():
        results[key] = result
    lines = [f"## {TITLE}", "", __doc__.split("\n\n")[1].replace("\n", " "), "",
             stats_table(results, labels, baseline="torch"), ""]
    if len(grads) == 2:
        worst = max(float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))
                    for a, b in zip(grads["micrograd_nb"], grads["torch"]))
        if worst > TOLERANCE:
            failures.append(f"{TITLE}: gradients disagree (max relative diff {worst:.3g})")
            lines.append(f"- gradients DISAGREE (max relative diff {worst:.3g})")
        else:
            lines.append(f"- gradients agree (all {len(grads['torch'])} parameters within "
                         f"{TOLERANCE:g} of the largest, relative)")
    return "\n".join(lines), failures
