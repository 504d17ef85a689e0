"""``torch.utils`` as far as lessons reach: ``micrograd_nb.utils.data`` is
micrograd_nb/data.py."""

from . import data

__all__ = ["data"]
