"""``torch.nn``'s ``Module``, ``Parameter`` and the layers and losses built on them.

A ``Module`` finds its parameters the way PyTorch's does: assigning a ``Parameter`` or
a ``Module`` to an attribute registers it (``__setattr__``), and ``parameters()``
walks the registrations in order, recursing into submodules. That registration is the
whole trick behind ``model.parameters()`` handing every weight to an optimizer.
"""

import math
from collections import OrderedDict
from itertools import islice

from micrograd_nb import autograd as mg
from micrograd_nb.autograd import Tensor, errors

from . import functional as F


class Parameter(Tensor):
    """A tensor that a ``Module`` registers as a parameter: a leaf that requires grad
    and shares storage with ``data``, as ``torch.nn.Parameter(data)`` does."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = mg.empty(0)
        # detach() gives a new leaf on the same storage; re-classing it keeps that.
        param = data.detach()
        param.__class__ = cls
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happened in __new__; Tensor.__init__ must not run again

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def typename(value):
    """``torch.typename``: tensors by their tensor type, other objects by class."""
    if isinstance(value, Tensor):
        return f"micrograd_nb.{value.dtype.tensor_type}"
    module = type(value).__module__
    name = type(value).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def _add_indent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def zero_grads(params, set_to_none):
    """Reset ``.grad`` as ``Module.zero_grad`` and ``Optimizer.zero_grad`` do."""
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        # A gradient that is part of a graph (create_graph=True) is cut loose from it
        # first, so zeroing it cannot change that graph.
        if grad.grad_fn is not None:
            grad = p.grad = grad.detach()
        else:
            grad.requires_grad_(False)
        grad.zero_()


class Module:
    """Base class of every layer and model (``torch.nn.Module``)."""

    def __init__(self):
        # Set through object.__setattr__: our own __setattr__ needs them to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(errors.MODULE_NO_FORWARD.format(name=type(self).__name__))

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- registration -----------------------------------------------------------------

    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError(errors.PARAMETER_BEFORE_INIT)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(errors.REGISTER_NOT_PARAMETER.format(type_name=typename(param),
                                                                 name=name))
        self.__dict__.pop(name, None)
        self._modules.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(errors.NOT_A_MODULE.format(type_name=typename(module)))
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(errors.PARAMETERS_BEFORE_INIT)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(errors.ASSIGN_NOT_PARAMETER.format(type_name=typename(value),
                                                                   name=name))
            params[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError(errors.MODULE_BEFORE_INIT)
            self.add_module(name, value)
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(errors.ASSIGN_NOT_MODULE.format(type_name=typename(value),
                                                                name=name))
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: registered entries live in the dicts.
        for registry in ("_parameters", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(errors.MODULE_NO_ATTRIBUTE.format(type_name=type(self).__name__,
                                                               name=name))

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    # --- traversal --------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                sub_prefix = prefix + ("." if prefix else "") + name
                yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        seen = set()  # by id: a parameter shared by two layers is yielded once
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(param))
                yield module_prefix + ("." if module_prefix else "") + name, param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # --- state ------------------------------------------------------------------------

    def zero_grad(self, set_to_none=True):
        zero_grads(self.parameters(), set_to_none)

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(errors.TRAINING_MODE_NOT_BOOL)
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    # --- printing ---------------------------------------------------------------------

    def extra_repr(self):
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): {_add_indent(repr(module), 2)}" for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        main = type(self).__name__ + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features,
    in_features)``, initialised as PyTorch does: U(-1/sqrt(in), 1/sqrt(in)) for both
    weight and bias (``kaiming_uniform_(a=sqrt(5))`` works out to that bound).
    ``dtype`` is keyword-only: PyTorch's fourth positional argument is ``device``."""

    def __init__(self, in_features, out_features, bias=True, *, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
        self.weight = Parameter(_uniform((out_features, in_features), bound, dtype))
        if bias:
            self.bias = Parameter(_uniform((out_features,), bound, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _uniform(shape, bound, dtype):
    """U(-bound, bound) from micrograd_nb's global generator (``manual_seed``)."""
    return (mg.rand(*shape, dtype=dtype) * 2 - 1) * bound


class Sequential(Module):
    """Modules called one after another; indexable, sliceable and iterable."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        size = len(self)
        if not -size <= idx < size:
            raise IndexError(errors.SEQUENTIAL_INDEX.format(index=idx))
        return next(islice(iter(self._modules.values()), idx % size, None))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class ReLU(Module):
    def forward(self, input):
        return F.relu(input)


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class _Loss(Module):
    def __init__(self, *, reduction="mean"):
        super().__init__()
        self.reduction = reduction  # checked at call time, as in PyTorch


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction)
