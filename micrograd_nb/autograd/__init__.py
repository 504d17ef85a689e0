"""The engine: a scalar ``Value`` (micrograd) and a numpy ``Tensor`` (PyTorch), one
graph core under both.

Read it in this order: graph.py (nodes, the backward pass, grad mode, listeners),
value.py (the scalar engine in one screen), ops.py (every tensor op with its backward
rule: start here for tensors), function.py (how an op is recorded as a node and its
rule run), tensor.py (the PyTorch-shaped surface; its mixins math_methods.py,
conversions.py, compare_methods.py, shape_methods.py, and promotion.py, indexing.py,
inplace.py, shapes.py behind it), functions.py and factories.py (the ``torch.*``
functions; namespace.py lists them), api.py (``backward``/``grad``). Convolution and
pooling: conv_ops.py (the rows), windows.py (their numpy).

This package exports the tensor API too: ``micrograd_nb`` (the ``torch`` namespace),
``nn`` and ``optim`` take their names from here.
"""

# tensor first: the modules it builds on (function, ops) import it back as a module.
from .tensor import Tensor  # isort: skip

from . import errors, functional
from .api import backward, grad
from .custom_function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .namespace import TORCH_NAMES, export
from .record import record

export(globals())  # Tensor, tensor, zeros, float32, no_grad...: namespace.py's table

__all__ = [
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "record", "errors",
    "functional", "gradcheck", "gradgradcheck", "GradcheckError", "Function", "FunctionCtx",
    "once_differentiable",
] + [name for names in TORCH_NAMES.values() for name in names]
