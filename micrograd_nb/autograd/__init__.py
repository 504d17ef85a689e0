"""The engine: a scalar ``Value`` (micrograd) and a numpy ``Tensor`` (PyTorch), one
graph core under both.

Read it in this order: graph.py (nodes, the backward pass, grad mode, listeners),
value.py (the scalar engine in one screen), ops.py (every tensor op with its backward
rule: start here for tensors), function.py (how an op is recorded as a node and its
rule run), tensor.py (the PyTorch-shaped surface; math_methods.py, promotion.py,
indexing.py, inplace.py, shapes.py behind it), functions.py and factories.py (the ``torch.*``
functions), api.py (``backward``/``grad``).

This package exports the tensor API too: ``micrograd_nb`` (the ``torch`` namespace),
``nn`` and ``optim`` take their names from here.
"""

# tensor first: the modules it builds on (function, ops) import it back as a module.
from .tensor import Tensor  # isort: skip

from . import errors, functional
from .api import backward, grad
from .custom_function import Function, FunctionCtx, once_differentiable
from .dtypes import (
    Size,
    bool_,
    dtype,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .factories import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .functions import cat, concat, matmul, stack, where
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
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .record import record
from .value import Value

__all__ = [
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "record", "errors",
    "functional", "gradcheck", "gradgradcheck", "GradcheckError", "Function", "FunctionCtx",
    "once_differentiable",
]
