"""The ``torch.*`` functions that are not Tensor methods: ``matmul``, ``cat``,
``stack``, ``where``..."""

import numpy as np

from . import dtypes, errors, ops, tensor
from .function import apply, apply_view, broadcast_mismatch
from .promotion import as_tensor, dtype_of, rank
from .shapes import check_dim, check_dims


def matmul(input, other):
    """``a @ b`` recorded as PyTorch 2.13's ``_matmul_impl`` records it: DotBackward0
    (vector . vector), MvBackward0 (matrix @ vector), MmBackward0 (matrix @ matrix); an
    N-D operand against a matrix or vector is folded to one matrix product (``_fold``);
    everything else is a BmmBackward0 over the broadcast batch (``_batched``). Operands
    of different dtypes are refused, as PyTorch refuses them: no promotion."""
    a, b = as_tensor(input), as_tensor(other)
    if not a.ndim or not b.ndim:
        raise RuntimeError(errors.MATMUL_0D.format(a_ndim=a.ndim, b_ndim=b.ndim))
    return _matmul(a, b)


def _matmul(a, b):
    if a.ndim == 2 and b.ndim == 2:
        return _kernel(ops.MM, a, b)
    if a.ndim == 1 and b.ndim == 1:
        return _kernel(ops.DOT, a, b)
    if a.ndim == 2 and b.ndim == 1:
        return _kernel(ops.MV, a, b)
    if a.ndim == 1 and b.ndim == 2:
        row = _kernel(ops.MM, a.unsqueeze(0), b)
        return apply_view(ops.SQUEEZE_DIMS, row, dim=0, in_shape=row._data.shape)
    if _should_fold(a, b):
        return _fold(a, b)
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0]:
        # A batch of one that requires grad is dropped, so its gradient is not summed
        # from a broadcast copy.
        if a.shape[0] == 1 and a.requires_grad:
            return _matmul(a.squeeze(0), b)
        if b.shape[0] == 1 and b.requires_grad:
            return _matmul(a, b.squeeze(0))
    return _batched(a, b)


def _kernel(op, a, b):
    """One of the four products, refused as its PyTorch kernel refuses the operands: the
    sizes first, then the dtypes (no promotion), each in that kernel's words."""
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise RuntimeError(_kernel_shape_error(op, a, b))
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(_matmul_dtype_error(a, b))
    return apply(op, (a, b))


def _kernel_shape_error(op, a, b):
    if op is ops.DOT:
        return errors.DOT_SIZES.format(a=a.shape[0], b=b.shape[0])
    if op is ops.MV:
        return errors.MV_SHAPES.format(rows=a.shape[0], cols=a.shape[1], size=b.shape[0])
    if op is ops.MM:
        return errors.MATMUL_SHAPES.format(rows1=a.shape[0], cols1=a.shape[1],
                                           rows2=b.shape[0], cols2=b.shape[1])
    return errors.BMM_SHAPES.format(batch=b.shape[0], expected=a.shape[-1], got=b.shape[-2])


def _should_fold(a, b):
    """PyTorch's ``should_fold``: an operand of 3 or more dims against one of at most 2
    is folded to a matrix when the small one requires grad (a bmm would make its
    gradient as large as the batch), or when the large one folds without a copy."""
    a_larger = a.ndim >= b.ndim
    big, small = (a, b) if a_larger else (b, a)
    if not (big.ndim >= 3 and small.ndim <= 2):
        return False
    if small.requires_grad:
        return True
    if a.ndim == 2:  # folding b would need a transposed copy of the result
        return False
    data = big._data if a_larger else np.swapaxes(b._data, -1, -2)  # b.mT's layout
    if data.size == 0:
        return True
    strides, shape = data.strides, data.shape
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(data.ndim - 2))


def _fold(a, b):
    """``(*, n, k) @ (k, m)`` as one ``mm`` of ``(prod(*) * n, k)``; an N-D right operand
    is transposed to be the left one, and the result transposed back (a copy)."""
    transpose = b.ndim > a.ndim
    big = b.mT if transpose else a
    small = (a.t() if a.ndim == 2 else a) if transpose else b
    out_shape = big.shape[:-1]
    rows = big.reshape(int(np.prod(out_shape)), big.shape[-1])
    if small.ndim == 1:
        return _unsafe_view(_kernel(ops.MV, rows, small), out_shape)
    out = _unsafe_view(_kernel(ops.MM, rows, small), (*out_shape, small.shape[1]))
    if not transpose:
        return out
    out = out.mT
    return apply(ops.CONTIGUOUS_CLONE, (out,)) if not out._data.flags.c_contiguous else out


def _batched(a, b):
    """Both operands expanded to the broadcast batch, flattened to one batch dim, one
    ``bmm``, and viewed back (``_unsafe_view``)."""
    mismatch = broadcast_mismatch([a._data.shape[:-2], b._data.shape[:-2]])
    if mismatch:
        raise RuntimeError(mismatch)
    n = a.shape[-2] if a.ndim > 1 else 1
    k, p = a.shape[-1], (b.shape[-1] if b.ndim > 1 else 1)
    batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    count = int(np.prod(batch))
    k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]  # checked against k by the bmm
    left = a.expand(*batch, n, k).reshape(count, n, k)
    if b.ndim == 1:
        right = b.expand(*batch, k2).reshape(count, k2).unsqueeze(2)
    else:
        right = b.expand(*batch, k2, p).reshape(count, k2, p)
    out = _kernel(ops.BMM, left, right)
    if b.ndim == 1:
        out = out.squeeze(-1)
    return _unsafe_view(out, batch + ((n,) if a.ndim > 1 else ()) + ((p,) if b.ndim > 1 else ()))


def _unsafe_view(t, shape):
    return apply(ops.UNSAFE_VIEW, (t,), shape=tuple(shape), in_shape=t._data.shape)


def _scalar_type(t):
    return t.dtype.tensor_type[:-len("Tensor")]  # Float, Double, Long...


_C_TYPE = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
           "bool": "bool", "float16": "c10::Half"}


def c_type(t):
    """The C++ name PyTorch gives the dtype in some messages: float, long int..."""
    return _C_TYPE[t.dtype.name]


def _matmul_dtype_error(a, b):
    """PyTorch's message depends on the kernel matmul chose for these shapes."""
    if a.ndim == 1 and b.ndim == 1:
        return errors.DOT_DTYPES.format(a=_scalar_type(a), b=_scalar_type(b))
    if b.ndim == 1:
        return errors.MV_DTYPES.format(v=_scalar_type(b), m=_scalar_type(a))
    if a.ndim <= 2 and b.ndim == 2:
        return errors.MM_DTYPES.format(a=_C_TYPE[a.dtype.name], b=_C_TYPE[b.dtype.name])
    return errors.BMM_DTYPES.format(a=_scalar_type(a), b=_scalar_type(b))


def dot(input, tensor):
    a, b = as_tensor(input), as_tensor(tensor)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(errors.DOT_NOT_VECTORS.format(a_ndim=a.ndim, b_ndim=b.ndim))
    return matmul(a, b)


inner = dot


def mv(input, vec):
    m, v = as_tensor(input), as_tensor(vec)
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(errors.MV_NOT_MATRIX_VECTOR.format(m_ndim=m.ndim, v_ndim=v.ndim))
    return matmul(m, v)


def mm(input, mat2):
    return as_tensor(input).mm(mat2)


def bmm(input, mat2):
    a, b = as_tensor(input), as_tensor(mat2)
    for index, t in ((1, a), (2, b)):
        if t.ndim != 3:
            raise RuntimeError(errors.BMM_NOT_3D.format(index=index))
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(errors.BMM_SIZES.format(batch=a.shape[0], cols=a.shape[2],
                                                   got_batch=b.shape[0], got_rows=b.shape[1]))
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(errors.BMM_DTYPES.format(a=_scalar_type(a), b=_scalar_type(b)))
    return apply(ops.BMM, (a, b))


def outer(input, vec2):
    """The outer product, as PyTorch computes it: a column times a row (MulBackward0)."""
    a, b = as_tensor(input), as_tensor(vec2)
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise RuntimeError(errors.OUTER_NOT_VECTOR.format(name=name, ndim=t.ndim))
    return a.reshape(-1, 1) * b


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``, one AddmmBackward0 node."""
    c, a, b = as_tensor(input), as_tensor(mat1), as_tensor(mat2)
    for name, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(errors.MM_NOT_MATRIX.format(name=name))
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(matmul_shape_error(a, b))
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(_matmul_dtype_error(a, b))
    if c._data.dtype != a._data.dtype:
        raise RuntimeError(errors.ADDMM_DTYPES.format(a=_scalar_type(c), b=_scalar_type(a)))
    shape = (a.shape[0], b.shape[1])
    mismatch = broadcast_mismatch([c._data.shape, shape])
    if mismatch:
        raise RuntimeError(mismatch)
    return apply(ops.ADDMM, (c, a, b), beta=beta, alpha=alpha)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.vector_norm``: one LinalgVectorNormBackward0 node."""
    x = as_tensor(x)
    if dtype is not None:
        x = x._cast(dtype)
    if not x.dtype.is_floating_point:
        raise RuntimeError(errors.VECTOR_NORM_DTYPE.format(dtype=_scalar_type(x)))
    dims = tuple(range(x.ndim)) if dim is None else check_dims(dim, x.ndim)
    return apply(ops.VECTOR_NORM, (x,), ord=ord, dim=dims, keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    return as_tensor(input).norm(p, dim, keepdim, dtype)


def matmul_shape_error(a, b):
    if a.ndim == 1 and b.ndim == 1:
        return errors.DOT_SIZES.format(a=a.shape[0], b=b.shape[0])
    if a.ndim >= 2 and b.ndim == 1:  # a batch is folded into the rows
        rows = int(np.prod(a.shape[:-1]))
        return errors.MV_SHAPES.format(rows=rows, cols=a.shape[-1], size=b.shape[0])
    if a.ndim <= 2 and b.ndim == 2:
        rows = a.shape[0] if a.ndim == 2 else 1
        return errors.MATMUL_SHAPES.format(rows1=rows, cols1=a.shape[-1], rows2=b.shape[0],
                                           cols2=b.shape[1])
    return errors.BMM_SHAPES.format(batch=b.shape[0] if b.ndim > 2 else 1,
                                    expected=a.shape[-1], got=b.shape[-2])


def cat(tensors, dim=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(errors.CAT_EMPTY)
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, 2, t.dtype, 2)
    tensors = [t._cast(dt) for t in tensors]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(errors.CAT_ZERO_DIM.format(index=i))
    dim = check_dim(dim, tensors[0].ndim)
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim:
            raise RuntimeError(errors.CAT_NDIM.format(ndim=first.ndim, other_ndim=t.ndim))
        for d, (m, n) in enumerate(zip(first.shape, t.shape)):
            if d != dim and m != n:
                raise RuntimeError(errors.CAT_SIZES.format(dim=dim, expected=m, got=n, index=i))
    bounds, start = [], 0
    for t in tensors:
        bounds.append((start, start + t._data.shape[dim]))
        start += t._data.shape[dim]
    return apply(ops.CAT, tuple(tensors), dim=dim, bounds=tuple(bounds))


concat = cat


def stack(tensors, dim=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError(errors.STACK_EMPTY)
    shape = tensors[0].shape
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != shape:
            raise RuntimeError(errors.STACK_SIZES.format(shape=list(shape),
                                                         other_shape=list(t.shape), index=i))
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, 2, t.dtype, 2)
    tensors = [t._cast(dt) for t in tensors]
    return apply(ops.STACK, tuple(tensors), dim=check_dim(dim, tensors[0].ndim + 1))


def where(condition, input, other):
    """``torch.where(condition, input, other)``: elementwise choice; the gradient goes to
    ``input`` where the condition holds and to ``other`` elsewhere."""
    cond = condition._data if isinstance(condition, tensor.Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        name = dtypes.from_numpy_dtype(cond.dtype).name.capitalize()
        raise RuntimeError(errors.WHERE_CONDITION_DTYPE.format(dtype=name))
    a_dt, b_dt = dtype_of(input), dtype_of(other)
    dt = a_dt if a_dt is b_dt else dtypes.promote(a_dt, rank(input), b_dt, rank(other))
    a, b = as_tensor(input, dt), as_tensor(other, dt)
    shapes = [cond.shape, a._data.shape, b._data.shape]
    mismatch = broadcast_mismatch(shapes)
    if mismatch:
        raise RuntimeError(mismatch)
    shape = np.broadcast_shapes(*shapes)
    return apply(ops.WHERE, (a, b), compute_dtype=dt.numpy,
                     condition=np.broadcast_to(cond, shape))


# --- activations (torch.nn.functional's; nn.functional takes them from here) ------------

def _floating(x):
    x = as_tensor(x)
    return x if x.dtype.is_floating_point else x._floating()


def softplus(input, beta=1.0, threshold=20.0):
    return apply(ops.SOFTPLUS, (as_tensor(input),), beta=beta, threshold=threshold)


def gelu(input, approximate="none"):
    op = ops.GELU_TANH if approximate == "tanh" else ops.GELU
    return apply(op, (as_tensor(input),))


def silu(input, inplace=False):
    return apply(ops.SILU, (as_tensor(input),))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return apply(ops.LEAKY_RELU, (as_tensor(input),), negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return apply(ops.ELU, (as_tensor(input),), alpha=alpha)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return apply(ops.HARDTANH, (as_tensor(input),), min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0)


# --- einsum: decomposed as PyTorch decomposes it, so the nodes are the same -------------

def einsum(equation, *operands):
    """``einsum("ij,jk->ik", a, b)``, as PyTorch decomposes it, so the nodes are the same:
    a letter repeated within an operand takes a diagonal (``ii->i``, trace ``ii->``),
    ``...`` stands for the dimensions no letter names; then sums, permutes, a product for
    outer products and a batched matmul for contractions. (The dimensions under ``...``
    must agree in size: they are not broadcast against each other.)"""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = [as_tensor(t) for t in operands]
    equation = equation.replace(" ", "")
    inputs, output = equation.split("->") if "->" in equation else (equation, None)
    subscripts = inputs.split(",")
    if len(subscripts) != len(operands):
        raise RuntimeError(errors.EINSUM_OPERAND_COUNT.format(
            which="fewer" if len(operands) < len(subscripts) else "more"))
    subscripts, output = _name_ellipsis(subscripts, operands, output, equation)
    seen = {}
    for index, (sub, t) in enumerate(zip(subscripts, operands)):
        if len(sub) != t.ndim:
            raise RuntimeError(errors.EINSUM_SUBSCRIPTS.format(
                count=len(sub), ndim=t.ndim, index=index))
        for letter, n in zip(sub, t.shape):
            if seen.setdefault(letter, n) != n:
                raise RuntimeError(errors.EINSUM_SIZE.format(
                    letter=letter, size=n, index=index, seen=seen[letter]))
    for index, (sub, t) in enumerate(zip(subscripts, operands)):
        operands[index], subscripts[index] = _diagonals(t, sub)
    result, letters = operands[0], subscripts[0]
    for i in range(1, len(operands)):
        later = set("".join(subscripts[i + 1:])) | set(output)
        result, letters = _einsum_pair(result, letters, operands[i], subscripts[i], later)
    result, letters = _sum_letters(result, letters, set(output))
    if letters != output or result is operands[0]:  # PyTorch permutes even to the same order
        result = result.permute(*[letters.index(c) for c in output])
    return result


def _name_ellipsis(subscripts, operands, output, equation):
    """The subscripts with each ``...`` spelled out in letters of its own (the last
    dimensions of the longest ``...`` for a shorter one), and the output's: as given, or
    (implicit) the ``...`` first, then the letters used once, in order."""
    spare = iter(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 if c not in equation)
    widths = [t.ndim - (len(sub) - 3) if "..." in sub else 0
              for sub, t in zip(subscripts, operands)]
    width = max(widths, default=0)
    names = "".join(next(spare) for _ in range(max(width, 0)))
    subscripts = [sub.replace("...", names[len(names) - w:] if w > 0 else "")
                  for sub, w in zip(subscripts, widths)]
    if output is None:
        letters = "".join(subscripts)
        output = names + "".join(sorted(c for c in set(letters)
                                        if letters.count(c) == 1 and c not in names))
    else:
        output = output.replace("...", names)
    return subscripts, output


def _diagonals(t, letters):
    """A letter twice in one operand: the diagonal over its two dimensions (last, as
    PyTorch's ``diagonal`` puts it), until every letter is there once."""
    for c in letters:
        if letters.count(c) > 1:
            first = letters.index(c)
            second = letters.index(c, first + 1)
            t = t.diagonal(0, first, second)
            rest = "".join(x for i, x in enumerate(letters) if i not in (first, second))
            return _diagonals(t, rest + c)
    return t, letters


def _sum_letters(t, letters, keep):
    """Sum away the dimensions whose letter is not in ``keep``."""
    gone = [i for i, c in enumerate(letters) if c not in keep]
    if not gone:
        return t, letters
    return t.sum(dim=tuple(gone)), "".join(c for c in letters if c in keep)


def _einsum_pair(a, a_letters, b, b_letters, later):
    a, a_letters = _sum_letters(a, a_letters, set(b_letters) | later)
    b, b_letters = _sum_letters(b, b_letters, set(a_letters) | later)
    batch = [c for c in a_letters if c in b_letters and c in later]
    summed = [c for c in a_letters if c in b_letters and c not in later]
    a_free = [c for c in a_letters if c not in b_letters]
    b_free = [c for c in b_letters if c not in a_letters]
    size = dict(zip(a_letters, a.shape)) | dict(zip(b_letters, b.shape))

    def arranged(t, letters, order):
        if list(letters) == order:
            return t
        return t.permute(*[letters.index(c) for c in order])

    if not summed:  # an outer product over the free letters, batched
        a = arranged(a, a_letters, batch + a_free).reshape(
            [size[c] for c in batch + a_free] + [1] * len(b_free))
        b = arranged(b, b_letters, batch + b_free).reshape(
            [size[c] for c in batch] + [1] * len(a_free) + [size[c] for c in b_free])
        return a * b, "".join(batch + a_free + b_free)

    def count(letters):
        n = 1
        for c in letters:
            n *= size[c]
        return n

    a3 = arranged(a, a_letters, batch + a_free + summed).reshape(
        count(batch), count(a_free), count(summed))
    b3 = arranged(b, b_letters, batch + summed + b_free).reshape(
        count(batch), count(summed), count(b_free))
    if a3._data.dtype != b3._data.dtype:
        raise RuntimeError(errors.BMM_DTYPES.format(a=_scalar_type(a3), b=_scalar_type(b3)))
    out = apply(ops.BMM, (a3, b3)).reshape([size[c] for c in batch + a_free + b_free])
    return out, "".join(batch + a_free + b_free)
