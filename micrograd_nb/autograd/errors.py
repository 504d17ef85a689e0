"""Every error and warning text the engine emits, copied from PyTorch 2.13.

One catalog, so a test can check them all and the notebook explainer can match on
them. Templates take keyword arguments; PyTorch's ``torch.FloatTensor`` and
``torch.Size`` become our own type names (``micrograd_nb.FloatTensor``,
``micrograd_nb.Size``).
"""

NON_SCALAR_OUTPUT = "grad can be implicitly created only for scalar outputs"

BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)

NO_GRAD_FN = "element {index} of tensors does not require grad and does not have a grad_fn"

SHAPE_MISMATCH = (
    "Mismatch in shape: grad_output[{index}] has a shape of {grad_shape} and output[{index}] "
    "has a shape of {output_shape}."
)

COUNT_MISMATCH = "got {outputs} tensors and {grads} gradients"

MODIFIED_INPLACE = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [{type_name} [{shape}]]{which} is at version {version}; expected version "
    "{expected} instead. Hint: enable anomaly detection to find the operation that failed to "
    "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
MODIFIED_INPLACE_WHICH = ", which is output 0 of {op},"

UNUSED_INPUT = (
    "The differentiated Tensor at index {index} appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)

INPUT_NOT_REQUIRING_GRAD = "One of the differentiated Tensors does not require grad"

EMPTY_INPUTS = "`inputs` argument to `grad()` cannot be empty."

INPLACE_ON_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."

INPLACE_ON_LEAF_VIEW = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)

REQUIRES_GRAD_NON_LEAF = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)

CREATE_INT_REQUIRING_GRAD = "Only Tensors of floating point and complex dtype can require gradients"

SET_INT_REQUIRING_GRAD = "only Tensors of floating point dtype can require gradients"

NUMPY_REQUIRES_GRAD = (
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
)

RETAIN_GRAD_NO_GRAD = "can't retain_grad on Tensor that has requires_grad=False"

HOOK_NO_GRAD = "cannot register a hook on a tensor that doesn't require gradient"

HOOK_CHANGED_SIZE = "hook '{name}' has changed the size of value"

GRAD_ASSIGN_SIZE = (
    "attempting to assign a gradient of size '{grad_size}' to a tensor of size "
    "'{tensor_size}'. Please ensure that the gradient and the tensor are the same size"
)

OPTIMIZE_NON_LEAF = "can't optimize a non-leaf Tensor"

ANOMALY_NAN = "Function '{name}' returned nan values in its {index}th output."

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)

CREATE_GRAPH_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak."
)

BROADCAST_MISMATCH = (
    "The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
    "dimension {dim}"
)

INDEX_OUT_OF_BOUNDS = "index {index} is out of bounds for dimension {dim} with size {size}"
