"""Neural-network building blocks, twice.

``Neuron``, ``Layer`` and ``MLP`` are karpathy's micrograd networks of scalar
``Value`` objects (micrograd.py). ``Module``, ``Linear``, ``Sequential``, the
activations and the losses are ``torch.nn``'s, on ``Tensor`` (modules.py), with
``torch.nn.functional`` as ``micrograd_nb.nn.functional``.
"""

from . import functional, init
from .micrograd import MLP, Layer, Neuron, ValueModule
from .modules import (
    CrossEntropyLoss,
    Linear,
    Module,
    MSELoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

__all__ = [
    "functional", "init", "ValueModule", "Neuron", "Layer", "MLP", "Module", "Parameter", "Linear",
    "Sequential", "Tanh", "ReLU", "Sigmoid", "MSELoss", "CrossEntropyLoss",
]
