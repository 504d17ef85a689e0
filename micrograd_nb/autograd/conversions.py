"""The Tensor methods that convert: to numbers, lists, arrays, other dtypes and devices,
and the ``new_*`` factories that make tensors like this one. ``Tensor`` (tensor.py)
inherits them."""

import warnings

from . import devices, dtypes, errors, function, ops, tensor
from .dtypes import Size
from .function import apply
from .involved import attach, involving


def _factories():
    from . import factories  # it builds on Tensor, which builds on this module

    return factories


def _cast_to(dt):
    return lambda self: self._cast(dt)


def _made_like(name):
    """``t.new_zeros(*size)`` and the like: the factory, with ``t``'s dtype by default."""

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return getattr(_factories(), name)(*size, dtype=dtype or self.dtype, device=device,
                                        requires_grad=requires_grad)

    method.__name__ = f"new_{name}"
    return method


class TensorConversions:
    __slots__ = ()

    # --- conversions -------------------------------------------------------------------

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def device(self):
        return devices.CPU

    is_cuda = False
    is_mps = False

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def item(self):
        return self._scalar_item()

    def _scalar_item(self):
        if function.tracer is not None:
            function.tracer.refuse("read", what="item()")
        if self._data.size != 1:
            raise RuntimeError(errors.ITEM_NOT_ONE_ELEMENT.format(numel=self._data.size))
        return self._data.reshape(()).item()

    def tolist(self):
        if function.tracer is not None:
            function.tracer.refuse("read", what="tolist()")
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise attach(RuntimeError(errors.NUMPY_REQUIRES_GRAD), tensor=self)
        if function.tracer is not None:
            function.tracer.refuse("read", what="numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        with involving(via="__array__"):  # numpy itself converting the tensor
            array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, **options):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype
        and device): the tensor itself when nothing changes, unless ``copy=True``."""
        for arg in args:
            if isinstance(arg, dtypes.dtype):
                dtype = arg
            elif isinstance(arg, tensor.Tensor):
                dtype = arg.dtype
            else:
                device = arg
        if device is not None:
            devices.resolve(device)
        out = self if dtype is None else self._cast(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        return self.to(devices.device("cuda"))

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return f"torch.{self.dtype.tensor_type}"
        return self._cast(dtype)

    def type_as(self, other):
        return self._cast(other.dtype)

    # t.float(), t.long()...: a cast to that dtype (the tensor itself if it has it).
    (half, float, double, byte, char, short, int, long, bool) = (
        _cast_to(d) for d in (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.uint8,
                              dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64,
                              dtypes.bool_))

    def _cast(self, dt):
        if dt is self.dtype:
            return self
        out = apply(ops.TO_COPY, (self,), dtype=dt.numpy)
        if not dt.is_floating_point:
            out._grad_fn, out._requires_grad = None, False
        return out

    def clone(self):
        return apply(ops.CLONE, (self,))

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError(errors.LEN_0D)
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError(errors.ITER_0D)
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if function.tracer is not None:
            function.tracer.refuse("read", what="a condition on a tensor")
        if self._data.size != 1:
            raise RuntimeError(errors.BOOL_AMBIGUOUS if self._data.size
                               else errors.BOOL_AMBIGUOUS_EMPTY)
        return bool(self._data)

    def __float__(self):
        if self._data.size != 1:
            raise ValueError(errors.SCALAR_NOT_ONE_ELEMENT)
        if self._requires_grad:
            warnings.warn(errors.SCALAR_OF_REQUIRES_GRAD_WARNING, UserWarning, stacklevel=2)
        return float(self._scalar_item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError(errors.SCALAR_NOT_ONE_ELEMENT)
        return int(self._scalar_item())

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError(errors.INDEX_CONVERSION)
        return int(self.item())

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch; any other
        tensor takes no format spec."""
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        if spec:
            raise TypeError(errors.FORMAT_UNSUPPORTED)
        return repr(self)

    # --- making tensors like this one (dtype and device from self) ---------------------

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        if isinstance(data, tensor.Tensor):
            warnings.warn(errors.COPY_CONSTRUCT_WARNING.format(call="tensor.new_tensor"),
                          UserWarning, stacklevel=2)
            data = data._data
        return _factories().tensor(data, dtype=dtype or self.dtype, device=device,
                                requires_grad=requires_grad)

    new_zeros, new_ones, new_empty = _made_like("zeros"), _made_like("ones"), _made_like("empty")

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return _factories().full(size, fill_value, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def __repr__(self):
        from .formatting import format_tensor

        return format_tensor(self)

