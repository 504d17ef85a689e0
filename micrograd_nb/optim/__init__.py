"""``torch.optim``: optimizers with PyTorch's update formulas, step for step, and
``lr_scheduler``.

An optimizer only reads ``p.grad`` and changes ``p`` in place under ``no_grad``: the
update is not part of any graph (unless ``differentiable=True``), and every tensor
that refers to ``p`` (a model's layers) sees the new values. Parameters whose ``.grad``
is ``None`` are skipped, so a parameter that took no part in the loss is left alone,
momentum included.
"""

from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
           "Adagrad", "Adadelta", "lr_scheduler"]
