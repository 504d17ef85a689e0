"""``torch`` resolved to micrograd_nb: ``install()`` puts an alias module for each row
of aliases.MODULES into ``sys.modules`` and a finder for the PyTorch modules we lack;
``uninstall()`` removes exactly those."""

import importlib
import importlib.machinery
import sys
import types
from importlib.abc import MetaPathFinder

from . import missing
from .aliases import MODULES, OUT_OF_SCOPE_PACKAGES


class AliasModule(types.ModuleType):
    """``torch.nn`` as seen by user code: each attribute is read from our module
    (``micrograd_nb.nn``); a submodule is its alias; a missing name raises an error
    that names the feature."""

    def __init__(self, name, target):
        super().__init__(name)
        self.__dict__["_target"] = target
        self.__path__ = []  # a package, so ``import torch.x`` asks the finder for x

    def __getattr__(self, name):
        alias = f"{self.__name__}.{name}"
        if alias in MODULES:
            return importlib.import_module(alias)
        target = self._target
        if target is not None and (name == "__version__" or not name.startswith("__")):
            try:
                value = getattr(target, name)
            except AttributeError:
                pass
            else:
                if isinstance(value, types.ModuleType) and alias not in MODULES:
                    raise missing.missing_attribute(self.__name__, name)  # ours, not torch's
                self.__dict__[name] = value  # read once
                return value
        if name == "__all__" and target is not None:
            return [n for n in dir(target) if not n.startswith("_")]
        if name.startswith("__"):
            raise AttributeError(name)
        raise missing.missing_attribute(self.__name__, name)

    def __dir__(self):
        names = set(dir(self._target)) if self._target is not None else set()
        prefix = self.__name__ + "."
        names.update(a[len(prefix):] for a in MODULES if a.startswith(prefix)
                     and "." not in a[len(prefix):])
        return sorted(names)

    def __repr__(self):
        target = self._target.__name__ if self._target is not None else "nothing"
        return f"<module '{self.__name__}' (micrograd_nb's stand-in for PyTorch: {target})>"


class _AliasLoader:
    """Makes the alias of a row of MODULES when it is first imported."""

    @staticmethod
    def create_module(spec):
        target_name = MODULES[spec.name]
        target = None
        if target_name is not None:
            try:
                target = importlib.import_module(target_name)
            except ModuleNotFoundError as error:
                if error.name != target_name:
                    raise
                raise missing.missing_module(spec.name) from None
        module = AliasModule(spec.name, target)
        _state.made.append(spec.name)
        return module

    @staticmethod
    def exec_module(module):
        pass


class TorchFinder(MetaPathFinder):
    """Answers every ``import torch...`` (and torchvision and friends) while installed."""

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in OUT_OF_SCOPE_PACKAGES:
            raise missing.missing_module(fullname, OUT_OF_SCOPE_PACKAGES[top])
        if top != "torch":
            return None
        if fullname not in MODULES:
            raise missing.missing_module(fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader, is_package=True)


class _State:
    finder = None
    made = []  # alias names this installation put into sys.modules
    hidden = {}  # real torch modules set aside while the engine stands in
    tensor_module = None  # Tensor.__module__ before install()


_state = _State()


def is_installed():
    return _state.finder is not None


def install():
    """From now on ``import torch`` (and its submodules) give micrograd_nb."""
    if is_installed():
        return
    from micrograd_nb import Tensor

    for name in [n for n in sys.modules if _is_torch_module(n)]:
        _state.hidden[name] = sys.modules.pop(name)
    _state.finder = TorchFinder()
    sys.meta_path.insert(0, _state.finder)
    if "__getattr__" not in Tensor.__dict__:  # never replace one the engine has
        Tensor.__getattr__ = missing.tensor_getattr
    # PyTorch's class prints as <class 'torch.Tensor'>; ours then as micrograd_nb.Tensor.
    _state.tensor_module, Tensor.__module__ = Tensor.__module__, "micrograd_nb"


def uninstall():
    """Undo ``install()``: the aliases leave ``sys.modules`` and a real torch, if it was
    imported before, comes back."""
    if not is_installed():
        return
    from micrograd_nb import Tensor

    sys.meta_path.remove(_state.finder)
    _state.finder = None
    for name in _state.made:
        module = sys.modules.get(name)
        if isinstance(module, AliasModule):
            del sys.modules[name]
    _state.made.clear()
    sys.modules.update(_state.hidden)
    _state.hidden.clear()
    if Tensor.__dict__.get("__getattr__") is missing.tensor_getattr:
        del Tensor.__getattr__
    Tensor.__module__ = _state.tensor_module


def _is_torch_module(name):
    top = name.partition(".")[0]
    return top == "torch" or top in OUT_OF_SCOPE_PACKAGES
