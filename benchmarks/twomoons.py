"""The two-moons data set of micrograd's demo notebook, without scikit-learn.

``make_moons(n_samples=100, noise=0.1, seed=1)`` returns the same arrays as
``sklearn.datasets.make_moons(n_samples=100, noise=0.1, random_state=1)``: the same
half circles, the same shuffle and the same noise, drawn in the same order from a
``numpy.random.RandomState``.
"""

import numpy as np


def make_moons(n_samples=100, noise=0.1, seed=1):
    """Two interleaving half circles: ``X`` (n_samples, 2) float64, ``y`` (n_samples,) in {0, 1}."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    rng = np.random.RandomState(seed)

    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    x0 = np.append(np.cos(outer), 1 - np.cos(inner))
    x1 = np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)
    X = np.vstack([x0, x1]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])

    order = np.arange(n_samples)  # sklearn.utils.shuffle
    rng.shuffle(order)
    X, y = X[order], y[order]

    X += rng.normal(scale=noise, size=X.shape)
    return X, y


def demo_data(n_samples=100):
    """The demo notebook's data: labels mapped to -1/+1 (``y = y*2 - 1``)."""
    X, y = make_moons(n_samples=n_samples, noise=0.1, seed=1)
    return X, y * 2 - 1
