"""``torch.backends``: the probes teaching code makes before choosing a device."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
