"""The errors for PyTorch names micrograd_nb lacks: they say so and name the feature,
instead of a bare AttributeError deep in the user's code."""

from .aliases import feature_of

SCOPE = ("micrograd_nb covers the CPU, autograd-level part of PyTorch that teaching code "
         "uses; see the README, 'Running PyTorch code'")


class MissingFeatureError(AttributeError):
    """A PyTorch attribute micrograd_nb does not have (an AttributeError, so ``hasattr``
    and ``getattr(x, name, default)`` still work)."""


class MissingModuleError(ModuleNotFoundError):
    """A PyTorch module micrograd_nb does not have."""


def missing_text(qualified_name, feature=None):
    feature = feature or feature_of(qualified_name)
    what = f"{qualified_name} ({feature})" if feature else qualified_name
    return f"micrograd_nb does not implement {what}: {SCOPE}"


def missing_attribute(owner, name):
    return MissingFeatureError(missing_text(f"{owner}.{name}"), name=name)


def missing_module(name, feature=None):
    # Without ``name=``: importlib would take the error for "no such submodule" in
    # ``from torch import jit`` and swallow it into a bare "cannot import name".
    return MissingModuleError(missing_text(name, feature))


def tensor_getattr(tensor, name):
    """``Tensor.__getattr__`` while the engine stands in for torch: only called for a
    name the class lacks."""
    __tracebackhide__ = True  # IPython and pytest show the user's line instead
    if name.startswith("_"):
        raise AttributeError(f"'Tensor' object has no attribute '{name}'", name=name,
                             obj=tensor)
    raise missing_attribute("Tensor", name)
