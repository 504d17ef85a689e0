"""The engine: a scalar ``Value`` (micrograd) and a numpy ``Tensor`` (PyTorch), one
graph core under both.

Read it in this order: graph.py (nodes, the backward pass, grad mode, listeners),
value.py (the scalar engine in one screen), ops.py (every tensor op with its backward
rule), function.py (tensor nodes), tensor.py (the PyTorch-shaped surface), api.py
(``backward``/``grad``).
"""

from . import errors, functional
from .api import backward, grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .record import record

__all__ = [
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "record", "errors",
    "functional", "gradcheck", "gradgradcheck", "GradcheckError",
]
