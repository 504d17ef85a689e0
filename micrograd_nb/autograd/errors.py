"""Every error and warning text the engine, ``nn`` and ``optim`` emit, copied from
PyTorch 2.13.

One catalog, so a test can check them all (tests/autograd/test_catalog.py) and the
notebook explainer can match on them. Templates take keyword arguments
(``errors.DIM_OUT_OF_RANGE.format(low=-2, high=1, dim=5)``); PyTorch's
``torch.FloatTensor`` and ``torch.Size`` become our own type names
(``micrograd_nb.FloatTensor``, ``micrograd_nb.Size``). The few texts that are our own,
with no PyTorch counterpart, stay where they are raised.
"""

# --- autograd -----------------------------------------------------------------------------

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

GRADIENT_TYPE = "gradients can be either Tensors or None, but got {type_name}"

MODIFIED_INPLACE = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [{type_name} [{shape}]]{which} is at version {version}; expected version "
    "{expected} instead. Hint: enable anomaly detection to find the operation that failed to "
    "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
MODIFIED_INPLACE_WHICH = ", which is output 0 of {op},"

COMPILE_DOUBLE_BACKWARD = (
    "torch.compile with aot_autograd does not currently support double backward")

UNUSED_INPUT = (
    "The differentiated Tensor at index {index} appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)

INPUT_NOT_REQUIRING_GRAD = "One of the differentiated Tensors does not require grad"

EMPTY_INPUTS = "`inputs` argument to `grad()` cannot be empty."

EMPTY_BACKWARD_INPUTS = "`inputs` argument to `backward()` cannot be empty."

MATERIALIZE_GRADS_NOT_UNUSED = (
    "Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
    "allow_unused=False."
)

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

# ``x.requires_grad = True``: PyTorch's setter has a text of its own.
ASSIGN_INT_REQUIRING_GRAD = (
    "only Tensors of floating point and complex dtype can require gradients"
)

NUMPY_REQUIRES_GRAD = (
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
)

DETACH_VIEW_INPLACE = "Can't detach views in-place. Use detach() instead."

RETAIN_GRAD_NO_GRAD = "can't retain_grad on Tensor that has requires_grad=False"

HOOK_NO_GRAD = "cannot register a hook on a tensor that doesn't require gradient"

HOOK_CHANGED_SIZE = "hook '{name}' has changed the size of value"

GRAD_ASSIGN_TYPE = (
    "assigned grad expected to be a Tensor or None but got grad of type {type_name}"
)

GRAD_ASSIGN_SIZE = (
    "attempting to assign a gradient of size '{grad_size}' to a tensor of size "
    "'{tensor_size}'. Please ensure that the gradient and the tensor are the same size"
)

ANOMALY_NAN = "Function '{name}' returned nan values in its {index}th output."

REQUIRES_GRAD_NON_LEAF_SET = "you can only change requires_grad flags of leaf variables."

NO_DERIVATIVE = "derivative for {name} is not implemented"

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

# --- custom autograd.Function (custom_function.py) ---------------------------------------

FUNCTION_NO_FORWARD = "You must implement the forward function for custom autograd.Function."

FUNCTION_NO_BACKWARD = (
    "You must implement either the backward or vjp method for your custom autograd.Function "
    "to use it with backward mode AD."
)

SETUP_CONTEXT_NOT_IMPLEMENTED = "setup_context is not implemented."

FUNCTION_INSTANTIATED = (
    "{cls} should not be instantiated. Methods on autograd functions are all static, so you "
    "should invoke them on the class itself. Instantiating an autograd function will raise an "
    "error in a future version of PyTorch."
)

FUNCTION_LEGACY_CALL = (
    "Legacy autograd function with non-static forward method is deprecated. Please use "
    "new-style autograd function with static forward method. (Example: "
    "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
)

SAVE_FOR_BACKWARD_TYPE = (
    "save_for_backward can only save variables, but argument {index} is of type {type_name}"
)

DIRTY_LEAF = "a leaf Variable that requires grad has been used in an in-place operation."

DIRTY_NOT_RETURNED = (
    "Some elements marked as dirty during the forward method were not returned as output. "
    "The inputs that are modified inplace must all be outputs of the Function."
)

CUSTOM_GRAD_COUNT = (
    "function {name} returned an incorrect number of gradients (expected {expected}, got {got})"
)

CUSTOM_GRAD_FOR_NON_TENSOR = (
    "function {name} returned a gradient different than None at position {index}, but the "
    "corresponding forward input was not a Variable"
)

CUSTOM_GRAD_TYPE = "expected Variable or None (got {type_name})"

CUSTOM_GRAD_SHAPE = (
    "Function {name} returned an invalid gradient at index {index} - got {got} but expected "
    "shape compatible with {expected}"
)

ONCE_DIFFERENTIABLE = (
    "trying to differentiate twice a function that was marked with @once_differentiable"
)

# --- conversions and arguments ------------------------------------------------------------

SCALAR_OF_REQUIRES_GRAD_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first."
)

FLATTEN_DIMS = "flatten() has invalid args: start_dim cannot come after end_dim"

MT_NOT_MATRIX = (
    "tensor.mT is only supported on matrices or batches of matrices. Got {ndim}-D tensor."
)

T_0D_WARNING = (
    "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
)

T_NOT_2D_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor."
)

ITEM_NOT_ONE_ELEMENT = "a Tensor with {numel} elements cannot be converted to Scalar"

LEN_0D = "len() of a 0-d tensor"

ITER_0D = "iteration over a 0-d tensor"

BOOL_AMBIGUOUS = "Boolean value of Tensor with more than one value is ambiguous"

BOOL_AMBIGUOUS_EMPTY = "Boolean value of Tensor with no values is ambiguous"

SCALAR_NOT_ONE_ELEMENT = "only one element tensors can be converted to Python scalars"

INDEX_CONVERSION = "only integer tensors of a single element can be converted to an index"

CLAMP_NO_BOUNDS = "torch.clamp: At least one of 'min' or 'max' must not be None"

# --- integer and bool arithmetic PyTorch refuses -----------------------------------------

INPLACE_RESULT_TYPE = "result type {result} can't be cast to the desired output type {out}"

BOOL_SUBTRACTION = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
    "invert a mask, use the `~` or `logical_not()` operator instead."
)

BOOL_SUBTRACTION_BOTH = (
    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
    "`logical_xor()` operator instead."
)

BOOL_NEGATION = (
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
    "invert a mask, use the `~` or `logical_not()` operator instead."
)

KERNEL_NOT_FOR_DTYPE = "\"{kernel}\" not implemented for '{dtype}'"

INVERT_DTYPE = "~ (operator.invert) is only implemented on integer and Boolean-type tensors"

RELU_BOOL = "Boolean inputs not supported for relu"

ARG_BOOL = "{name}(): does not support bool input"

ARG_EMPTY = "{name}(): Expected reduction dim to be specified for input.numel() == 0."

ARG_EMPTY_DIM = "{name}(): Expected reduction dim {dim} to have non-zero size."

LERP_DTYPE = "expected dtype {dtype} for `end` but got dtype {end}"

INPLACE_BROADCAST = "output with shape {shape} doesn't match the broadcast shape {broadcast}"

INT_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."

# --- shapes and dims ----------------------------------------------------------------------

DIM_OUT_OF_RANGE = (
    "Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
)

DIM_REPEATED = "dim {dim} appears multiple times in the list of dims"

SHAPE_TWO_INFERRED = "only one dimension can be inferred"

SHAPE_INVALID_FOR_SIZE = "shape '{shape}' is invalid for input of size {size}"

VIEW_STRIDES = (
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead."
)

T_TOO_MANY_DIMS = "t() expects a tensor with <= 2 dimensions, but self is {ndim}D"

PERMUTE_DIMS_COUNT = (
    "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
    "of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to "
    "len(dims) = {count}"
)

PERMUTE_DUPLICATE_DIMS = "permute(): duplicate dims are not allowed."

EXPAND_TOO_FEW_SIZES = (
    "expand(micrograd_nb.{tensor_type}{{{shape}}}, size={size}): the number of sizes provided "
    "({count}) must be greater or equal to the number of dimensions in the tensor ({ndim})"
)

EXPAND_SIZE = (
    "The expanded size of the tensor ({target}) must match the existing size ({size}) at "
    "non-singleton dimension {dim}.  Target sizes: {target_sizes}.  Tensor sizes: "
    "{tensor_sizes}"
)

BROADCAST_MISMATCH = (
    "The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
    "dimension {dim}"
)

REDUCE_EMPTY = (
    "{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
    "reduction dim with the 'dim' argument."
)

MATMUL_0D = "both arguments to matmul need to be at least 1D, but they are {a_ndim}D and {b_ndim}D"

MM_NOT_MATRIX = "{name} must be a matrix"

DOT_SIZES = (
    "inconsistent tensor size, expected tensor [{a}] and src [{b}] to have the same number of "
    "elements, but got {a} and {b} elements respectively"
)

MV_SHAPES = "size mismatch, got input ({rows}), mat ({rows}x{cols}), vec ({size})"

MATMUL_SHAPES = "mat1 and mat2 shapes cannot be multiplied ({rows1}x{cols1} and {rows2}x{cols2})"

BMM_SHAPES = (
    "Expected size for first two dimensions of batch2 tensor to be: [{batch}, {expected}] but "
    "got: [{batch}, {got}]."
)

CAT_EMPTY = "torch.cat(): expected a non-empty list of Tensors"

CAT_ZERO_DIM = "zero-dimensional tensor (at position {index}) cannot be concatenated"

CAT_NDIM = "Tensors must have same number of dimensions: got {ndim} and {other_ndim}"

CAT_SIZES = (
    "Sizes of tensors must match except in dimension {dim}. Expected size {expected} but got "
    "size {got} for tensor number {index} in the list."
)

STACK_EMPTY = "stack expects a non-empty TensorList"

STACK_SIZES = (
    "stack expects each tensor to be equal size, but got {shape} at entry 0 and {other_shape} "
    "at entry {index}"
)

# --- indexing -----------------------------------------------------------------------------

INDEX_OUT_OF_BOUNDS = "index {index} is out of bounds for dimension {dim} with size {size}"

INDEX_0D = (
    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
    "C++ to convert a 0-dim tensor to a number"
)

INDEX_TYPE = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
    "indices (got {type_name})"
)

SLICE_STEP = "step must be greater than zero"

TOO_MANY_INDICES = "too many indices for tensor of dimension {ndim}"

MASK_SHAPE = (
    "The shape of the mask {mask_shape} at index {index} does not match the shape of the "
    "indexed tensor {shape} at index {dim}"
)

# --- devices (a CPU-only build) -----------------------------------------------------------

NOT_COMPILED_WITH = "Torch not compiled with {backend} enabled"

NOT_LINKED_WITH = "PyTorch is not linked with support for {type} devices"

NO_ACCELERATOR = "Cannot access accelerator device when none is available."

DEVICE_TYPE_UNKNOWN = "Expected one of {types} device type at start of device string: {string}"

DEVICE_STRING_INVALID = "Invalid device string: '{string}'"

DEVICE_INDEX_NEGATIVE = "Device index must not be negative"

# --- dtypes and creation ------------------------------------------------------------------

DEFAULT_DTYPE_NOT_FLOATING = "only floating-point types are supported as the default type"

# PyTorch's list of types, cut down to the ones micrograd_nb has.
NUMPY_DTYPE_UNSUPPORTED = (
    "can't convert np.ndarray of type {dtype}. The only supported types are: float64, "
    "float32, int64, int32, uint8, and bool."
)

INFER_DTYPE = "Could not infer dtype of {type_name}"

COPY_CONSTRUCT_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
    "or sourceTensor.detach().clone().requires_grad_(True), rather than {call}(sourceTensor)."
)

FROM_NUMPY_TYPE = "expected np.ndarray (got {type_name})"

FORMAT_UNSUPPORTED = "unsupported format string passed to Tensor.__format__"

MEAN_DTYPE = (
    "mean(): could not infer output dtype. Input dtype must be either a floating point or "
    "complex dtype. Got: {type_name}"
)

# --- reductions and linear algebra (std, var, norms, amax, dot, mv, bmm...) ------------------

VAR_DTYPE = "std and var only support floating point and complex dtypes"

VAR_NO_DEGREES_OF_FREEDOM = (
    "{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
    "reduction factor (input numel divided by output numel)."
)

AMAX_EMPTY = (
    "{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
    "reduction dim with the 'dim' argument."
)

VECTOR_NORM_DTYPE = (
    "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {dtype}"
)

DOT_NOT_VECTORS = "1D tensors expected, but got {a_ndim}D and {b_ndim}D tensors"

DOT_DTYPES = "dot : expected both vectors to have same dtype, but found {a} and {b}"

MV_NOT_MATRIX_VECTOR = "vector + matrix @ vector expected, got 1, {m_ndim}, {v_ndim}"

MV_DTYPES = "addmv input tensors must have the same dtype, but got {v}, {m}, and {v}"

MM_DTYPES = "expected m1 and m2 to have the same dtype, but got: {a} != {b}"

ADDMM_DTYPES = "self and mat2 must have the same dtype, but got {a} and {b}"

BMM_NOT_3D = "batch{index} must be a 3D tensor"

BMM_SIZES = (
    "Expected size for first two dimensions of batch2 tensor to be: [{batch}, {cols}] but "
    "got: [{got_batch}, {got_rows}]."
)

BMM_DTYPES = "expected scalar type {a} but found {b}"

EINSUM_OPERAND_COUNT = "einsum(): {which} operands were provided than specified in the equation"

EINSUM_SUBSCRIPTS = (
    "einsum(): the number of subscripts in the equation ({count}) does not match the number "
    "of dimensions ({ndim}) for operand {index} and no ellipsis was given"
)

EINSUM_SIZE = (
    "einsum(): subscript {letter} has size {size} for operand {index} which does not "
    "broadcast with previously seen size {seen}"
)

OUTER_NOT_VECTOR = "outer: Expected 1-D argument {name}, but got {ndim}-D"

WHERE_CONDITION_DTYPE = (
    "where expected condition to be a boolean tensor, but got a tensor with dtype {dtype}"
)

# --- functional (torch.autograd.functional) -----------------------------------------------

FUNCTIONAL_NOT_TENSOR = (
    "The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
    "given {arg_name} has type {type}."
)

FUNCTIONAL_NOT_TENSOR_AT_INDEX = (
    "The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
    "value at index {index} has type {type}."
)

V_TUPLE_LENGTH = "v is a tuple of invalid length: should be {expected} but got {got}."

V_NOT_SINGLE = "The given v should contain a single Tensor."

V_SIZE = "v has invalid size: should be {expected} but got {got}."

V_ENTRY_SIZE = "Entry {index} in v has invalid size: should be {expected} but got {got}."

V_NONE_FOR_OUTPUTS = (
    "The vector v can only be None if the user-provided function returns a single Tensor "
    "with a single element."
)

V_NONE_FOR_INPUTS = (
    "The vector v can only be None if the input to the user-provided function is a single "
    "Tensor with a single element."
)

STRICT_OUTPUT_INDEPENDENT = (
    "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode."
)

STRICT_OUTPUT_I_INDEPENDENT = (
    "Output {i} of the user-provided function is independent of input {j}. This is not "
    "allowed in strict mode."
)

STRICT_OUTPUT_NO_GRAD = (
    "Output {i} of the user-provided function does not require gradients. The outputs must be "
    "computed in a differentiable manner from the input when running in strict mode."
)

STRICT_GRAD_INPUTS_INDEPENDENT = (
    "The gradient with respect to input {i} is independent of the inputs of the user-provided "
    "function. This is not allowed in strict mode."
)

STRICT_JACOBIAN_INDEPENDENT = (
    "While computing the hessian, found that the jacobian of the user-provided function with "
    "respect to input {i} is independent of the input. This is not allowed in strict mode. "
    "You should ensure that your function is twice differentiable and that the jacobian "
    "depends on the inputs (this would be violated by a linear function for example)."
)

STRICT_HESSIAN_INDEPENDENT = (
    "The hessian of the user-provided function with respect to input {i} is independent of "
    "the input. This is not allowed in strict mode. You should ensure that your function is "
    "thrice differentiable and that the hessian depends on the inputs."
)

STRICT_BACK_TRICK = (
    "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. This is not "
    "allowed in strict mode."
)

STRICT_DOUBLE_BACK = (
    "The jacobian of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode."
)

STRICT_DOUBLE_BACK_TRICK = (
    "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
    "backward trick to replace forward mode AD."
)

# {what}: "jacobian" or "hessian"
STRICT_CREATE_GRAPH = (
    "The {what} of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode when create_graph=True."
)

JACOBIAN_STRATEGY = (
    'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
    'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
    'prefer to use "reverse-mode".'
)

HESSIAN_STRATEGY = 'Expected strategy to be either "forward-mode" or "reverse-mode".'

JACOBIAN_FORWARD_CREATE_GRAPH = (
    "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` "
    "are not supported together (yet). Please either set `create_graph=False` or "
    "`strategy=\"reverse-mode\"`."
)

JACOBIAN_FORWARD_STRICT = (
    "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are "
    "not supported together (yet). Please either set `strict=False` or "
    "`strategy=\"reverse-mode\"`."
)

# PyTorch's text, missing space included.
JACOBIAN_FORWARD_NOT_VECTORIZED = (
    "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
    "only implemented for `vectorize=True`."
)

JACOBIAN_STRICT_VECTORIZE = (
    "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
    "supported together. Please either set `strict=False` or `vectorize=False`."
)

SINGLE_TENSOR_OUTPUT = "The function given to {fn_name} should return a single Tensor"

SINGLE_ELEMENT_OUTPUT = (
    "The Tensor returned by the function given to {fn_name} should contain a single element"
)

# --- gradcheck ----------------------------------------------------------------------------

GRADCHECK_NOT_DOUBLE_WARNING = (
    "Input #{index} requires gradient and is not a double precision floating point or "
    "complex. This check will likely fail if all the inputs are not of double precision "
    "floating point or complex. "
)

GRADCHECK_STRIDE_0 = (
    "The {index}th input has a dimension with stride 0. gradcheck only supports inputs that "
    "are non-overlapping to be able to compute the numerical gradients correctly. You should "
    "call .contiguous on the input before passing it to gradcheck."
)

GRADCHECK_NO_INPUT_REQUIRES_GRAD = (
    "gradcheck expects at least one input tensor to require gradient, but none of them have "
    "requires_grad=True."
)

GRADCHECK_PERTURBED_SHAPE = (
    "Expected `func` to return outputs with the same shape when inputs are perturbed on index "
    "{index} by {eps}, but got: shapes {a} and {b}."
)

GRADCHECK_PERTURBED_DTYPE = (
    "Expected `func` to return outputs with the same dtype when inputs are perturbed on index "
    "{index} by {eps}, but got: dtypes {a} and {b}."
)

# PyTorch's text, missing space included.
GRADCHECK_NOT_REENTRANT = (
    "Backward is not reentrant, i.e., running backward with same input and grad_output "
    "multiple times gives different values, although analytical gradient matches numerical "
    "gradient.The tolerance for nondeterminism was {nondet_tol}."
)

GRADCHECK_JACOBIAN_MISMATCH = (
    "Jacobian mismatch for output {output:d} with respect to input {input:d},\n"
    "numerical:{numerical}\nanalytical:{analytical}\n"
)

GRADCHECK_NO_DIFF_INPUTS = "no Tensors requiring grad found in input"

GRADCHECK_NOT_MULTIPLIED = "backward not multiplied by grad_output"

GRADCHECK_GRAD_TYPE = "grad is incorrect type"

GRADCHECK_GRAD_SIZE = "grad is incorrect size"

GRADCHECK_NUMERICAL_NOT_ZERO = "Numerical gradient for function expected to be zero"

# --- nn -----------------------------------------------------------------------------------

INVALID_REDUCTION = "{reduction} is not a valid value for reduction"

IMPLICIT_DIM_WARNING = (
    "Implicit dimension choice for {name} has been deprecated. Change the call to include "
    "dim=X as an argument."
)

MSE_TARGET_SIZE_WARNING = (
    "Using a target size ({target_size}) that is different to the input size ({input_size}). "
    "This will likely lead to incorrect results due to broadcasting. Please ensure they have "
    "the same size."
)

NLL_INPUT_0D = "Expected 1 or more dimensions (got 0)"

NLL_BATCH_SIZE = (
    "Expected input batch_size ({input_batch}) to match target batch_size ({target_batch})."
)

NLL_MULTI_TARGET = "0D or 1D target tensor expected, multi-target not supported"

NLL_TARGET_SIZE = "Expected target size {expected}, got {got}"

NLL_TARGET_DTYPE = "expected target dtype to be Long or Byte, but got {type_name}"

NLL_TARGET_OUT_OF_BOUNDS = "Target {target} is out of bounds."

MODULE_NO_FORWARD = 'Module [{name}] is missing the required "forward" function'

PARAMETER_BEFORE_INIT = "cannot assign parameter before Module.__init__() call"

PARAMETERS_BEFORE_INIT = "cannot assign parameters before Module.__init__() call"

MODULE_BEFORE_INIT = "cannot assign module before Module.__init__() call"

REGISTER_NOT_PARAMETER = (
    "cannot assign '{type_name}' object to parameter '{name}' (torch.nn.Parameter or None "
    "required)"
)

NOT_A_MODULE = "{type_name} is not a Module subclass"

ASSIGN_NOT_PARAMETER = (
    "cannot assign '{type_name}' as parameter '{name}' (torch.nn.Parameter or None expected)"
)

ASSIGN_NOT_MODULE = (
    "cannot assign '{type_name}' as child module '{name}' (torch.nn.Module or None expected)"
)

MODULE_NO_ATTRIBUTE = "'{type_name}' object has no attribute '{name}'"

TRAINING_MODE_NOT_BOOL = "training mode is expected to be boolean"

SEQUENTIAL_INDEX = "index {index} is out of range"

# --- optim --------------------------------------------------------------------------------

PARAMS_NOT_ITERABLE = (
    "params argument given to the optimizer should be an iterable of Tensors or dicts, but "
    "got {type_name}"
)

EMPTY_PARAMETER_LIST = "optimizer got an empty parameter list"

PARAMS_IN_SET = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)

OPTIMIZE_NON_TENSOR = "optimizer can only optimize Tensors, but one of the params is {type_name}"

OPTIMIZE_NON_LEAF = "can't optimize a non-leaf Tensor"

DUPLICATE_PARAMETERS_WARNING = (
    "optimizer contains a parameter group with duplicate parameters; in future, this will "
    "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information"
)

PARAMETER_IN_TWO_GROUPS = "some parameters appear in more than one parameter group"

INVALID_LR = "Invalid learning rate: {lr}"
FUSED_NOT_DIFFERENTIABLE = "`fused` does not support `differentiable`"
ARGUMENT_NOT_NUMBER = "{function}(): argument '{argument}' must be Number, not Tensor"
FOREACH_NOT_DIFFERENTIABLE = "_foreach ops don't support autograd"
DIFFERENTIABLE_STEP_REQUIRES_GRAD = (
    "`requires_grad` is not supported for `step` in differentiable mode"
)
DIFFERENTIABLE_NOT_SUPPORTED = (
    "{name}(differentiable=True) is not supported in micrograd_nb: its step runs without "
    "grad; SGD, Adam, AdamW and RMSprop can be differentiated"
)

INVALID_MOMENTUM = "Invalid momentum value: {momentum}"

INVALID_WEIGHT_DECAY = "Invalid weight_decay value: {weight_decay}"

NESTEROV_NEEDS_MOMENTUM = "Nesterov momentum requires a momentum and zero dampening"

INVALID_EPS = "Invalid epsilon value: {eps}"

INVALID_BETA = "Invalid beta parameter at index {index}: {beta}"

BETAS_MIXED_TYPES = "betas must be either both floats or both Tensors"

INVALID_ALPHA = "Invalid alpha value: {alpha}"

INVALID_RHO = "Invalid rho value: {rho}"

INVALID_LR_DECAY = "Invalid lr_decay value: {lr_decay}"

INVALID_INITIAL_ACCUMULATOR = (
    "Invalid initial_accumulator_value value: {initial_accumulator_value}"
)

INVALID_MOMENTUM_DECAY = "Invalid momentum_decay value: {momentum_decay}"

PARAM_GROUP_NOT_DICT = "param_group must be a dict, but got {type}"

OPTIMIZER_GROUP_COUNT = "loaded state dict has a different number of parameter groups"

OPTIMIZER_GROUP_SIZE = (
    "loaded state dict contains a parameter group that doesn't match the size of optimizer's "
    "group"
)

# --- optim.lr_scheduler -------------------------------------------------------------------

NOT_AN_OPTIMIZER = "{type_name} is not an Optimizer"

SCHEDULER_NO_INITIAL_LR = (
    "param 'initial_lr' is not specified in param_groups[{index}] when resuming scheduler "
    "with last_epoch >= 0.\n"
    "This typically happens when:\n"
    "1. You're trying to resume training from a checkpoint but haven't properly loaded the "
    "optimizer state\n"
    "2. You're using last_epoch >= 0 for a fresh training run (not recommended)"
)

SCHEDULER_PARAM_LENGTH = (
    "{name} must have the same length as optimizer.param_groups. {name} has {count} values, "
    "param_groups has {groups}."
)

SCHEDULER_LAMBDA_COUNT = "Expected {expected} lr_lambdas, but got {got}"

OPTIMIZER_STEP_OVERRIDDEN_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before "
    "`lr_scheduler.step()`. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)

SCHEDULER_BEFORE_OPTIMIZER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
    "will result in PyTorch skipping the first value of the learning rate schedule. "
    "See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)

PLATEAU_FACTOR = "Factor should be < 1.0."

PLATEAU_MIN_LRS = "expected {expected} min_lrs, got {got}"

PLATEAU_GROUPS_CHANGED = (
    "The number of param groups in the `optimizer` ({groups}) differs from when "
    "`ReduceLROnPlateau` was initialized ({min_lrs}), usually due to a new param group being "
    "added to the optimizer. Please modify the `min_lrs` field to match the length of the "
    "`optimizer` param groups."
)

PLATEAU_MODE = "mode {mode} is unknown!"

PLATEAU_THRESHOLD_MODE = "threshold mode {threshold_mode} is unknown!"

ONECYCLE_TOTAL_STEPS = "Expected positive integer total_steps, but got {total_steps}"

ONECYCLE_EPOCHS = "Expected positive integer epochs, but got {epochs}"

ONECYCLE_STEPS_PER_EPOCH = "Expected positive integer steps_per_epoch, but got {steps_per_epoch}"

ONECYCLE_NO_LENGTH = "You must define either total_steps OR (epochs AND steps_per_epoch)"

ONECYCLE_PCT_START = "Expected float between 0 and 1 pct_start, but got {pct_start}"

ONECYCLE_ANNEAL = (
    "anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
)

ONECYCLE_NO_MOMENTUM = (
    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
)

ONECYCLE_TOO_MANY_STEPS = (
    "Tried to step {step_num} times. The specified number of total steps is {total_steps}"
)

GET_LR_OUTSIDE_STEP_WARNING = (
    "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."
)

# --- random numbers -----------------------------------------------------------------------

SEED_OVERFLOW = "Overflow when unpacking long long"
RNG_STATE_SIZE = (
    "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be "
    "{size}"
)
RNG_STATE_INVALID = "Invalid mt19937 state"
RNG_STATE_TYPE = "expected a micrograd_nb.ByteTensor, but got {type_name}"
RNG_STATE_DTYPE = "RNG state must be a micrograd_nb.ByteTensor"
RANDOM_NOT_IMPLEMENTED = "\"{kernel}\" not implemented for '{dtype_name}'"
NORMAL_STD = "normal expects std >= 0.0, but found std {std}"
BERNOULLI_P = "bernoulli_ expects p to be in [0, 1], but got p={p}"
EXPONENTIAL_LAMBDA = "exponential_ expects lambda > 0.0, but found lambda={lambd}"
UNIFORM_BOUNDS = "uniform_ expects to return a [from, to) range, but found from={low} > to={high}"
RANDOM_BOUNDS = "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
RANDOM_BOUNDS_CAST = (
    "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
    "from={low} >= to={high}"
)
RANDOM_BOUND_PRECISION_WARNING = (
    "{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {dtype} "
    "can support discrete uniform distribution only within this range. This warning will "
    "become an error in version 1.7 release, please fix the code in advance"
)
NEGATIVE_DIMENSION = "Trying to create tensor with negative dimension {dim}: {shape}"
NORMAL_ARGUMENTS = (
    "normal() received an invalid combination of arguments - got ({types}), but expected one "
    "of:\n * (Tensor mean, Tensor std, *, micrograd_nb.Generator generator = None)\n"
    " * (Tensor mean, float std = 1, *, micrograd_nb.Generator generator = None)\n"
    " * (float mean, Tensor std, *, micrograd_nb.Generator generator = None)\n"
    " * (float mean, float std, tuple of ints size, *, micrograd_nb.Generator generator = None)\n"
)
NORMAL_TENSOR_STD = "normal expects all elements of std >= 0.0"
MULTINOMIAL_DIM = "prob_dist must be 1 or 2 dim"
MULTINOMIAL_TOO_MANY = "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
MULTINOMIAL_INVALID = "probability tensor contains either `inf`, `nan` or element < 0"
MULTINOMIAL_SUM = "invalid multinomial distribution (sum of probabilities <= 0)"

# --- nn.init --------------------------------------------------------------------------------

INIT_NEGATIVE_SLOPE = "negative_slope {param} not a valid number"
INIT_NONLINEARITY = "Unsupported nonlinearity {nonlinearity}"
INIT_EYE_DIM = "Only tensors with 2 dimensions are supported"
INIT_FAN_DIM = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
INIT_MODE = "Mode {mode} not supported, please use one of {valid_modes}"
INIT_ZERO_ELEMENTS = "Initializing zero-element tensors is a no-op"
INIT_TRUNC_NORMAL_MEAN = (
    "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
    "may be incorrect."
)

# --- data (torch.utils.data) ----------------------------------------------------------------

DATASET_GETITEM = "Subclasses of Dataset should implement __getitem__."
TENSOR_DATASET_SIZES = "Size mismatch between tensors"
CONCAT_DATASET_EMPTY = "datasets should not be an empty iterable"
CONCAT_DATASET_INDEX = "absolute value of index should not exceed dataset length"
RANDOM_SPLIT_FRACTION = "Fraction at index {i} is not between 0 and 1"
RANDOM_SPLIT_EMPTY = "Length of split at index {i} is 0. This might result in an empty dataset."
RANDOM_SPLIT_SUM = "Sum of input lengths does not equal the length of the input dataset!"
SAMPLER_REPLACEMENT = "replacement should be a boolean value, but got replacement={replacement}"
SAMPLER_NUM_SAMPLES = (
    "num_samples should be a positive integer value, but got num_samples={num_samples}"
)
SAMPLER_BATCH_SIZE = (
    "batch_size should be a positive integer value, but got batch_size={batch_size}"
)
SAMPLER_DROP_LAST = "drop_last should be a boolean value, but got drop_last={drop_last}"
COLLATE_UNEQUAL = "each element in list of batch should be of equal size"
COLLATE_TYPE = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    "found {elem_type}"
)
LOADER_NEGATIVE_WORKERS = (
    "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
)
LOADER_TIMEOUT = "timeout option should be non-negative"
LOADER_PERSISTENT_WORKERS = "persistent_workers option needs num_workers > 0"
LOADER_ITERABLE_SHUFFLE = (
    "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
    "shuffle={shuffle}"
)
LOADER_ITERABLE_SAMPLER = (
    "DataLoader with IterableDataset: expected unspecified sampler option, but got "
    "sampler={sampler}"
)
LOADER_ITERABLE_BATCH_SAMPLER = (
    "DataLoader with IterableDataset: expected unspecified batch_sampler option, but got "
    "batch_sampler={batch_sampler}"
)
LOADER_SAMPLER_SHUFFLE = "sampler option is mutually exclusive with shuffle"
LOADER_BATCH_SAMPLER = (
    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
)
LOADER_NO_BATCH_DROP_LAST = (
    "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
)

GELU_APPROXIMATE = "approximate argument must be either none or tanh."

DROPOUT_PROBABILITY = "dropout probability has to be between 0 and 1, but got {p}"

SMOOTH_L1_NEGATIVE_BETA = "smooth_l1_loss does not support negative values for beta."

HUBER_DELTA_NOT_POSITIVE = "huber_loss does not support non-positive values for delta."

BCE_TARGET_SIZE = (
    "Using a target size ({target_size}) that is different to the input size ({input_size}) "
    "is deprecated. Please ensure they have the same size."
)

BCE_INPUT_RANGE = "all elements of input should be between 0 and 1"

BCE_LOGITS_TARGET_SIZE = "Target size ({target_size}) must be the same as input size ({input_size})"

NLL_WEIGHT_SIZE = (
    "weight tensor should be defined either for all {num_classes} classes or no classes but "
    "got weight tensor of shape: {shape}"
)

LABEL_SMOOTHING_RANGE = "label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"

BUFFER_BEFORE_INIT = "cannot assign buffer before Module.__init__() call"

BUFFER_NAME_NOT_STRING = "buffer name should be a string. Got {type_name}"

BUFFER_NAME_DOT = 'buffer name can\'t contain "."'

BUFFER_NAME_EMPTY = 'buffer name can\'t be empty string ""'

BUFFER_NAME_EXISTS = "attribute '{name}' already exists"

BUFFER_NOT_TENSOR = (
    "cannot assign '{type_name}' object to buffer '{name}' (torch Tensor or None required)"
)

ASSIGN_NOT_BUFFER = (
    "cannot assign '{type_name}' as buffer '{name}' (torch.nn.Buffer, torch.Tensor or None "
    "expected)"
)

STATE_DICT_NOT_MAPPING = "Expected state_dict to be dict-like, got {type}."

STATE_DICT_NOT_TENSOR = (
    'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like object '
    "from checkpoint but received {type}"
)

STATE_DICT_SIZE_MISMATCH = (
    "size mismatch for {key}: copying a param with shape {checkpoint} from checkpoint, the "
    "shape in current model is {current}."
)

STATE_DICT_MISSING = "Missing key(s) in state_dict: {keys}. "

STATE_DICT_UNEXPECTED = "Unexpected key(s) in state_dict: {keys}. "

STATE_DICT_ERRORS = "Error(s) in loading state_dict for {name}:\n\t{errors}"

LEGACY_REDUCTION_WARNING = (
    "size_average and reduce args will be deprecated, please use reduction='{reduction}' "
    "instead."
)

PARAMETER_LIST_CALLED = "ParameterList should not be called."

PARAMETER_DICT_CALLED = "ParameterDict should not be called."

CLIP_NORM_NONFINITE = (
    "The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
    "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
    "anyway, set `error_if_nonfinite=False`"
)

EXPECTED_TENSOR = "expected torch.Tensor, but got: {type_name}"

BACKWARD_HOOK_AT_OUTPUTS_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs "
    "since no inputs require gradients. See "
    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
    "#torch.nn.Module.register_full_backward_hook for more details."
)

NOT_DIFFERENTIABLE_ARGUMENT = (
    "The function '{function}' is not differentiable with respect to argument '{argument}'. "
    "This input cannot have requires_grad True."
)

# --- picking and placing: split, narrow, gather, scatter, masked_fill... --------------------

SPLIT_0D = "{name} expects at least a 1-dimensional tensor"
CHUNK_NOT_POSITIVE = "chunk expects `chunks` to be greater than 0, got: {chunks}"
SPLIT_SIZE_NEGATIVE = "split expects split_size be non-negative, but got split_size={size}"
SPLIT_SIZE_ZERO = (
    "split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
)
SPLIT_SIZES_NEGATIVE = (
    "split_with_sizes expects split_sizes have only non-negative entries, but got "
    "split_sizes={sizes}"
)
SPLIT_SIZES_SUM = (
    "split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
    "dimension {dim}), but got split_sizes={sizes}"
)
NARROW_0D = "narrow() cannot be applied to a 0-dim tensor."
NARROW_LENGTH_NEGATIVE = "narrow(): length must be non-negative."
NARROW_START = "start out of range (expected to be in range of [{low}, {high}], but got {start})"
NARROW_BEYOND = "start ({start}) + length ({length}) exceeds dimension size ({size})."
REPEAT_TOO_FEW = (
    "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
)
REPEATS_NEGATIVE = "Repeats must be non-negative"
REPEATS_SIZE = (
    "repeats must have the same size as input along dim, but got repeats.size(0) = {count} "
    "and input.size({dim}) = {size}"
)
MASK_NOT_BOOL = "masked_fill_ only supports boolean masks, but got mask with dtype {dtype}"
MASK_VALUE_NOT_0D = (
    "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {ndim} "
    "dimension(s)."
)
INDEX_DTYPE = "{name}(): Expected dtype int32/int64 for index"
INDEX_NDIM = "Index tensor must have the same number of dimensions as {what} tensor"
GATHER_INDEX_SIZE = (
    "Size does not match at dimension {at} expected index {index} to be no larger than "
    "self {shape} apart from dimension {dim}"
)
SCATTER_INDEX_SIZE = (
    "Expected index {index} to be no larger than self {shape} apart from dimension {dim}"
)
SCATTER_INDEX_SRC_SIZE = (
    "Expected index {index} to be no larger than self {shape} apart from dimension {dim} and "
    "to be no larger size than src {src}"
)
SCATTER_SRC_DTYPE = "scatter(): Expected self.dtype to be equal to src.dtype"
SCATTER_ADD_SRC_TYPE = (
    "scatter_add(): argument 'src' (position 3) must be Tensor, not {type_name}"
)
INDEX_SELECT_NOT_VECTOR = "index_select(): Index is supposed to be a vector"
INDEX_SELECT_DTYPE = "index_select(): Expected dtype int32 or int64 for index"
INDEX_OUT_OF_RANGE = "index out of range in self"
INPLACE_ON_MULTIPLE_VIEWS = (
    "Output {output_nr} of {op} is a view and is being modified inplace. This view is the "
    "output of a function that returns multiple views. Such functions do not allow the "
    "output views to be modified inplace. You should replace the inplace operation by an "
    "out-of-place one."
)
NO_INPLACE_DERIVATIVE = "the derivative for 'inplace version of {name}' is not implemented."
INDEX_SELECT_EMPTY_DIM = "index_select(): self indexing axis dim should be positive"
DIM_OF_0D = "Dimension specified as {dim} but tensor has no dimensions"
INDEX_SELECT_OUT_OF_BOUNDS = "INDICES element is out of DATA bounds, id={index} axis_dim={size}"
ROLL_ALIGN = "shifts and dimensions must align. shifts: {shifts}, dims:{dims}"
TRI_NDIM = "{name}: input tensor must have at least 2 dimensions"
DIAGONAL_SAME_DIMS = "diagonal dimensions cannot be identical {dim1}, {dim2}"

# --- out= ----------------------------------------------------------------------------------

OUT_NO_AUTOGRAD = (
    "{name}(): functions with out=... arguments don't support automatic differentiation, but "
    "one of the arguments requires grad."
)
OUT_DTYPE = "Expected out tensor to have dtype {expected}, but got {got} instead"
CAT_OUT_DTYPE = "torch.cat(): input types can't be cast to the desired output type {out}"
OUT_RESIZED = (
    "An output with one or more elements was resized since it had shape {shape}, which does "
    "not match the required output shape {required}. This behavior is deprecated, and in a "
    "future PyTorch release outputs will not be resized unless they have zero elements. You "
    "can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
    "t.resize_(0)."
)

# --- convolution and pooling (nn/conv_functional.py) -------------------------------------

CONV_PADDING_STRING = "Invalid padding string: '{padding}'"
CONV_SAME_STRIDED = "padding='same' is not supported for strided convolutions"
CONV_INPUT_DIMS = (
    "Expected {unbatched}D (unbatched) or {batched}D (batched) input to {name}, but got input "
    "of size: {size}"
)
CONV_ARGUMENT_LENGTH = (
    "expected {name} to be a single integer value or a list of {count} values to match the "
    "convolution dimensions, but got {name}={value}"
)
CONV_CHANNELS = (
    "Given groups={groups}, weight of size {weight}, expected input{input} to have {expected} "
    "channels, but got {got} channels instead"
)
CONV_BIAS = (
    "Given weight of size {weight}, expected bias to be 1-dimensional with {out} elements, but "
    "got bias of size {bias} instead"
)
CONV_KERNEL_TOO_BIG = (
    "Calculated padded input size per channel: ({padded}). Kernel size: ({kernel}). Kernel size "
    "can't be greater than actual input size"
)
CONV_GROUPS_DIVIDE = (
    "Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
    "weight of size [{weight}] instead"
)
CONV_GROUPS_POSITIVE = "non-positive groups is not supported"
CONV_STRIDE_POSITIVE = "non-positive stride is not supported"
CONV_PADDING_NEGATIVE = "negative padding is not supported"
CONV_DILATION_POSITIVE = "dilation should be greater than zero, but got {dilation}"
CONV_BIAS_DTYPE = "Input type ({input}) and bias type ({bias}) should be the same"
CONV_WEIGHT_DTYPE = "expected scalar type {input} but found {weight}"
POOL_PAD = (
    "pad should be at most half of effective kernel size, but got pad={pad}, "
    "kernel_size={kernel} and dilation={dilation}"
)
POOL_STRIDE_ZERO = "stride should not be zero"
POOL_OUTPUT_TOO_SMALL = (
    "Given input size: ({input}). Calculated output size: ({output}). Output size is too small"
)
MAX_POOL_INPUT_DIMS = "non-empty 3D or 4D (batch mode) tensor expected for input"
AVG_POOL_DIVISOR = "divisor must be not zero"
ADAPTIVE_POOL_INPUT_DIMS = "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {size}"
CONV_SAME_UNEVEN_WARNING = (
    "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
    "copy of the input be created"
)
CONV_LAYER_GROUPS = "groups must be a positive integer"
CONV_LAYER_IN_GROUPS = "in_channels must be divisible by groups"
CONV_LAYER_OUT_GROUPS = "out_channels must be divisible by groups"
CONV_LAYER_PADDING_STRING = (
    "Invalid padding string '{padding}', should be one of {{'same', 'valid'}}"
)
CONV_LAYER_PADDING_MODE = (
    "padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, but got "
    "padding_mode='{padding_mode}'"
)
CONV_LAYER_PADDING_MODE_MISSING = (
    "padding_mode='{padding_mode}': micrograd_nb's convolutions pad with zeros only"
)
MAX_POOL_EMPTY_DIMS = (
    "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
    "got:{size}"
)
