"""karpathy's micrograd ``nn``: neurons, layers and MLPs of scalar ``Value`` objects.

The same classes, initialisation and ``repr`` strings as micrograd 0.1.0, so that with
the same ``random.seed`` a network here has exactly micrograd's weights and outputs.
micrograd called the base class ``Module``; here it is ``ValueModule``, because
``micrograd_nb.nn.Module`` is PyTorch's tensor ``Module`` (see ``modules.py``).
"""

import random

from micrograd_nb.autograd.value import Value


class ValueModule:
    """micrograd's ``Module``: something with parameters whose grads can be reset."""

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        return []


class Neuron(ValueModule):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        # Starting the sum at the bias saves the extra node a trailing "+ b" would add.
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(ValueModule):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(ValueModule):
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        # The last layer is linear so the network can output negative scores.
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
