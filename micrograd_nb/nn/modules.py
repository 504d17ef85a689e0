"""``torch.nn``'s ``Module``, ``Parameter`` and the layers and losses built on them.

A ``Module`` finds its parameters the way PyTorch's does: assigning a ``Parameter`` or
a ``Module`` to an attribute registers it (``__setattr__``), and ``parameters()``
walks the registrations in order, recursing into submodules. That registration is the
whole trick behind ``model.parameters()`` handing every weight to an optimizer.
"""

import math
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from itertools import islice

from micrograd_nb import autograd as mg
from micrograd_nb.autograd import Tensor, dtypes, errors, graph

from . import functional as F
from . import hooks, init


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


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not fill and those it did not
    use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class of every layer and model (``torch.nn.Module``)."""

    def __init__(self):
        # Set through object.__setattr__: our own __setattr__ needs them to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(errors.MODULE_NO_FORWARD.format(name=type(self).__name__))

    def __call__(self, *args, **kwargs):
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks:
            args, backward = hooks.BackwardHook.before_forward(self, args)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if self._backward_hooks:
            output = backward.after_forward(output)
        return output

    # --- registration -----------------------------------------------------------------

    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError(errors.PARAMETER_BEFORE_INIT)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(errors.REGISTER_NOT_PARAMETER.format(type_name=typename(param),
                                                                 name=name))
        self.__dict__.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that belongs to the module's state (saved in ``state_dict`` unless
        ``persistent=False``) but is not trained: running statistics, masks."""
        if "_buffers" not in self.__dict__:
            raise AttributeError(errors.BUFFER_BEFORE_INIT)
        if not isinstance(name, str):
            raise TypeError(errors.BUFFER_NAME_NOT_STRING.format(type_name=typename(name)))
        if "." in name:
            raise KeyError(errors.BUFFER_NAME_DOT)
        if name == "":
            raise KeyError(errors.BUFFER_NAME_EMPTY)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(errors.BUFFER_NAME_EXISTS.format(name=name))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(errors.BUFFER_NOT_TENSOR.format(type_name=typename(tensor),
                                                            name=name))
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(errors.NOT_A_MODULE.format(type_name=typename(module)))
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
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
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(errors.ASSIGN_NOT_BUFFER.format(type_name=typename(value),
                                                                name=name))
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: registered entries live in the dicts.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(errors.MODULE_NO_ATTRIBUTE.format(type_name=type(self).__name__,
                                                               name=name))

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
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

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        seen = set()  # by id: a tensor shared by two layers is yielded once
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first), then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- state ------------------------------------------------------------------------

    def zero_grad(self, set_to_none=True):
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(errors.TRAINING_MODE_NOT_BOOL)
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``: each floating parameter
        and buffer goes through ``Tensor.to`` (which checks devices: the CPU is the only
        one), in place; the module is returned."""
        return self._cast(lambda t: t.to(*args, **kwargs) if t.is_floating_point() else t)

    def cpu(self):
        return self

    def double(self):
        return self.to(dtypes.float64)

    def float(self):
        return self.to(dtypes.float32)

    def _cast(self, convert):
        with graph.no_grad():
            for module in self.modules():
                for name, param in module._parameters.items():
                    if param is not None:
                        module._parameters[name] = _recast_parameter(param, convert)
                for name, buffer in module._buffers.items():
                    if buffer is not None:
                        module._buffers[name] = convert(buffer)
        return self

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer by its dotted name, detached."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy the entries of ``state_dict`` into the parameters and buffers of the same
        names; with ``strict``, a missing or unexpected key is an error, as in PyTorch."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(errors.STATE_DICT_NOT_MAPPING.format(type=type(state_dict)))
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        error_msgs = []
        with graph.no_grad():
            for key, target in own.items():
                if key not in state_dict:
                    continue
                value = state_dict[key]
                if not isinstance(value, Tensor):
                    error_msgs.append(errors.STATE_DICT_NOT_TENSOR.format(
                        key=key, type=type(value)))
                elif tuple(value.shape) != tuple(target.shape):
                    error_msgs.append(errors.STATE_DICT_SIZE_MISMATCH.format(
                        key=key, checkpoint=value.shape, current=target.shape))
                else:
                    target.copy_(value)
        if strict:
            if unexpected:
                error_msgs.insert(0, errors.STATE_DICT_UNEXPECTED.format(
                    keys=", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                error_msgs.insert(0, errors.STATE_DICT_MISSING.format(
                    keys=", ".join(f'"{k}"' for k in missing)))
        if error_msgs:
            raise RuntimeError(errors.STATE_DICT_ERRORS.format(
                name=type(self).__name__, errors="\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing, unexpected)

    # --- hooks ------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before ``forward`` (``hook(module, args, kwargs)``
        returning ``(args, kwargs)`` with ``with_kwargs``); a result replaces them."""
        return hooks.add(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args, output)`` after ``forward`` (``hook(module, args, kwargs,
        output)`` with ``with_kwargs``); a result replaces the output."""
        return hooks.add(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to
        the module's tensor inputs are known; a result replaces ``grad_input``."""
        return hooks.add(self._backward_hooks, hook, prepend)

    # --- printing ---------------------------------------------------------------------

    def extra_repr(self):
        return ""

    def _child_lines(self):
        return [f"({name}): {_add_indent(repr(module), 2)}"
                for name, module in self._modules.items()]

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        main = type(self).__name__ + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _recast_parameter(param, convert):
    converted = convert(param.detach())
    if converted.dtype == param.dtype:
        return param
    fresh = Parameter(converted, requires_grad=param.requires_grad)
    if param.grad is not None:
        fresh.grad = convert(param.grad)
    return fresh


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features,
    in_features)``, initialised as PyTorch does (``reset_parameters``), so the same seed
    gives the same weights.
    ``dtype`` is keyword-only: PyTorch's fourth positional argument is ``device``."""

    def __init__(self, in_features, out_features, bias=True, *, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(mg.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(mg.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """U(-1/sqrt(in), 1/sqrt(in)) for both, drawn weight first: ``kaiming_uniform_``
        with ``a=sqrt(5)`` works out to that bound."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


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
