"""``torch.linalg``: the norms teaching code uses."""

from .autograd.functions import matmul, vector_norm
from .autograd.promotion import as_tensor

__all__ = ["matmul", "norm", "vector_norm"]


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """The 2-norm of a vector, the Frobenius norm of a matrix (``ord=None`` or
    ``"fro"``), or a vector norm of any order along ``dim``."""
    A = as_tensor(A)
    if ord in (None, "fro"):
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if A.ndim == 1 or (dim is not None and not isinstance(dim, (tuple, list))):
        return vector_norm(A, ord, dim, keepdim, dtype=dtype)
    raise NotImplementedError(
        f"micrograd_nb.linalg.norm: matrix norms of order {ord!r} are not implemented")
