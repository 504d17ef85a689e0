"""``torch.utils.data``: the names of micrograd_nb/data.py, under PyTorch's path."""

from micrograd_nb.data import *  # noqa: F403
from micrograd_nb.data import __all__  # noqa: F401
