"""Module hooks: the registries behind ``register_forward_hook`` and friends, and the
bookkeeping of a full backward hook.

A full backward hook needs the gradients at the module's boundary. As PyTorch does,
the module's tensor inputs and its output pass through an identity op
(``BackwardHookFunctionBackward``) whose tensors carry hooks: the output's records
``grad_output``, the inputs' gather ``grad_input`` and call the module's hooks. When no
input requires a gradient the hooks run with ``grad_input`` of Nones, as soon as
``grad_output`` is known. A hook's result replaces ``grad_input``: here that works for
the input whose gradient completes the set (all of them when only one input needs a
gradient, the usual case).
"""

import warnings
from itertools import count

from micrograd_nb.autograd import Tensor, errors, nn_ops
from micrograd_nb.autograd.function import apply
from micrograd_nb.autograd.tensor import RemovableHandle

_hook_ids = count()


def add(registry, hook, prepend=False):
    """Store ``hook`` under a fresh id, last (or first, with ``prepend``); the handle's
    ``remove()`` takes it out again."""
    key = next(_hook_ids)
    registry[key] = hook
    if prepend:
        registry.move_to_end(key, last=False)
    return RemovableHandle(lambda: registry.pop(key, None))


class BackwardHook:
    """One forward call of a module with full backward hooks."""

    def __init__(self, module, num_inputs):
        self.module = module
        self.grad_inputs = [None] * num_inputs
        self.waiting = set()
        self.grad_outputs = None

    @classmethod
    def before_forward(cls, module, args):
        state = cls(module, len(args))
        wrapped = list(args)
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor) and arg.requires_grad:
                wrapped[i] = apply(nn_ops.BACKWARD_HOOK, (arg,))
                wrapped[i].register_hook(lambda grad, i=i: state._input_grad(i, grad))
                state.waiting.add(i)
        return tuple(wrapped), state

    def after_forward(self, output):
        if not isinstance(output, Tensor) or not output.requires_grad:
            return output
        output = apply(nn_ops.BACKWARD_HOOK, (output,))
        output.register_hook(self._output_grad)
        return output

    def _output_grad(self, grad):
        self.grad_outputs = (grad,)
        if not self.waiting:
            warnings.warn(errors.BACKWARD_HOOK_AT_OUTPUTS_WARNING, stacklevel=2)
            self._run_hooks()

    def _input_grad(self, index, grad):
        self.grad_inputs[index] = grad
        self.waiting.discard(index)
        if self.waiting:
            return None
        replaced = self._run_hooks()
        return None if replaced is None else replaced[index]

    def _run_hooks(self):
        grad_input = tuple(self.grad_inputs)
        replaced = None
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None:
                replaced = grad_input = tuple(result)
        return replaced
