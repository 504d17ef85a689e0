"""``%autograd_engine micrograd_nb`` / ``%autograd_engine torch``: which library
``import torch`` gives in this session. Switching also rebinds the user's names for
torch modules (``torch``, ``nn``, ``F``...), so cells run before and after agree."""

import importlib
import types

from IPython.core.magic import Magics, line_magic, magics_class

from .. import compat

ENGINES = ("micrograd_nb", "torch")


@magics_class
class EngineMagics(Magics):
    @line_magic
    def autograd_engine(self, line):
        """%autograd_engine [micrograd_nb|torch]: run PyTorch code on micrograd_nb, or on
        PyTorch again; with no argument, say which one is in use."""
        choice = line.strip()
        if not choice:
            print("micrograd_nb" if compat.is_installed() else "torch")
            return
        if choice not in ENGINES:
            raise ValueError(f"%autograd_engine takes one of {', '.join(ENGINES)}, "
                             f"not {choice!r}")
        if choice == "micrograd_nb":
            compat.install()
        else:
            compat.uninstall()
        _rebind_torch_names(self.shell.user_ns)


def _rebind_torch_names(namespace):
    """Names bound to a torch module (the real one or our alias) now name the module of
    the engine in use; a name whose module the new engine lacks is left alone."""
    for name, value in list(namespace.items()):
        if not isinstance(value, types.ModuleType) or name.startswith("_"):
            continue
        module_name = value.__name__
        if module_name.partition(".")[0] != "torch":
            continue
        try:
            namespace[name] = importlib.import_module(module_name)
        except ImportError:
            pass


def load(ip):
    ip.register_magics(EngineMagics)


def unload(ip):
    compat.uninstall()
    _rebind_torch_names(ip.user_ns)
    manager = ip.magics_manager
    for kind, names in EngineMagics.magics.items():
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop(EngineMagics.__name__, None)
