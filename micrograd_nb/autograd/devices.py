"""Devices, as a CPU-only build of PyTorch has them: ``device("cpu")`` works everywhere a
device is taken (``device=`` on factories, ``.to()``); asking for an accelerator fails
with the error PyTorch's CPU build gives, and the probes (``cuda.is_available()``...)
say there is none."""

import re

from . import errors

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")


class device:
    """``micrograd_nb.device("cpu")``, ``device("cuda", 1)``, ``device("cuda:1")``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):  # a bare index means the current accelerator
            raise RuntimeError(errors.NO_ACCELERATOR)
        else:
            found = re.fullmatch(r"([a-z_]+)(?::(\d+))?", type)
            if found is None:
                if re.fullmatch(r"[a-z_]+:.*", type) and type.split(":")[0] in _TYPES:
                    raise RuntimeError(errors.DEVICE_STRING_INVALID.format(string=type))
                raise RuntimeError(errors.DEVICE_TYPE_UNKNOWN.format(
                    types=", ".join(_TYPES), string=type))
            type = found[1]
            if type not in _TYPES:
                raise RuntimeError(errors.DEVICE_TYPE_UNKNOWN.format(
                    types=", ".join(_TYPES), string=type))
            if found[2] is not None:
                index = int(found[2])
        if index is not None and index < 0:
            raise RuntimeError(errors.DEVICE_INDEX_NEGATIVE)
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return (isinstance(other, device) and self.type == other.type
                and self.index == other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")
_default = CPU


def resolve(where):
    """The device a tensor is made on: ``None`` is the default device; the CPU is the
    only one there is, any other is refused with PyTorch's error."""
    if where is None:
        where = _default
    elif where.__class__ is not device:
        if where == "cpu":
            return CPU
        where = device(where)
    if where.type == "cpu":
        return CPU
    if where.type in ("cuda", "xpu"):
        raise AssertionError(errors.NOT_COMPILED_WITH.format(
            backend="CUDA" if where.type == "cuda" else "XPU"))
    raise RuntimeError(errors.NOT_LINKED_WITH.format(type=where.type))


def set_default_device(where):
    """``set_default_device("cpu")``; another device is refused when a tensor is made on
    it, as in PyTorch."""
    global _default
    _default = CPU if where is None else device(where)


def get_default_device():
    return resolve(_default)
