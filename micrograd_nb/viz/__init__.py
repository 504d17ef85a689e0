"""Pictures of autograd graphs and backward passes.

    from micrograd_nb.viz import draw
    draw(loss)                      # the graph behind a Value or Tensor
    with record() as passes:
        loss.backward()
    draw(passes[0])                 # what that backward pass did
    draw(torch_loss, names=torch_names(globals()))   # PyTorch's own graph, named

``draw`` returns an ``AutogradGraph``: it displays itself in Jupyter (SVG) and exports
``.svg()``, ``.dot()`` and ``.save(path)``.
"""

from .graph import AutogradGraph, draw
from .torch_adapter import torch_names

__all__ = ["draw", "AutogradGraph", "torch_names"]
