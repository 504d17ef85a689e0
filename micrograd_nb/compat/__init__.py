"""Running PyTorch code on micrograd_nb: ``import torch`` (``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.autograd``, ``torch.utils.data``...)
resolved to micrograd_nb.

    from micrograd_nb import compat
    compat.install()      # import torch -> micrograd_nb, until compat.uninstall()
    with compat.running_on_micrograd_nb():  # or for a block
        import torch

``micrograd-nb run script.py`` runs a script this way; in a notebook
``%autograd_engine micrograd_nb`` does it for the session (``%autograd_engine torch``
undoes it). A PyTorch name micrograd_nb lacks raises an error that says so and names
the feature.
"""

from contextlib import contextmanager

from .engine import install, is_installed, uninstall
from .missing import MissingFeatureError, MissingModuleError


@contextmanager
def running_on_micrograd_nb():
    """``import torch`` gives micrograd_nb inside the block (if it did not already)."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()


__all__ = ["install", "uninstall", "is_installed", "running_on_micrograd_nb", "MissingFeatureError",
           "MissingModuleError"]
