"""Neural-network building blocks, twice.

``Neuron``, ``Layer`` and ``MLP`` are karpathy's micrograd networks of scalar
``Value`` objects (micrograd.py). ``Module``, ``Parameter``, ``Linear`` and
``Sequential`` (modules.py), the containers (containers.py), the other layers and the
activations (layers.py) and the losses (loss.py) are ``torch.nn``'s, on ``Tensor``,
with ``torch.nn.functional`` as ``micrograd_nb.nn.functional`` and ``torch.nn.utils``
as ``micrograd_nb.nn.utils``.
"""

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d
from .layers import (
    ELU,
    GELU,
    Dropout,
    Embedding,
    Flatten,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    Unflatten,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .micrograd import MLP, Layer, Neuron, ValueModule
from .modules import Linear, Module, Parameter, Sequential

__all__ = [
    "functional", "init", "utils", "ValueModule", "Neuron", "Layer", "MLP", "Module", "Parameter",
    "Linear", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Identity", "Flatten", "Unflatten", "Dropout", "Embedding", "Tanh", "ReLU", "Sigmoid",
    "SiLU", "LeakyReLU", "ELU", "GELU", "Softplus", "Hardtanh", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "NLLLoss", "CrossEntropyLoss", "Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d",
    "AdaptiveAvgPool2d",
]
