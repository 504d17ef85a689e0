import pytest

import micrograd_nb as mg
from tests.conftest import _import_torch


@pytest.fixture(params=["micrograd_nb", "torch"])
def lib(request):
    """Run a test on micrograd_nb and on PyTorch itself: the reference behaviour holds
    for both, or one of them drifted."""
    if request.param == "torch":
        return _import_torch()
    return mg


def message(lib, text):
    """PyTorch's message with the library's own type names."""
    if lib is mg:
        return text.replace("torch.FloatTensor", "micrograd_nb.FloatTensor").replace(
            "torch.Size", "micrograd_nb.Size")
    return text
