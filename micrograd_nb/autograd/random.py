"""Random numbers as PyTorch's CPU makes them: same seed, same numbers.

PyTorch's CPU generator (``CPUGeneratorImpl``) is a Mersenne Twister, mt19937, seeded as
``std::mt19937`` is with the low 32 bits of the seed. numpy's ``MT19937`` bit generator runs
the same state machine, so we set its state from that seeding and let it draw whole arrays
of 32-bit words at once. On top of the words, each function below repeats what PyTorch's
kernel does with them (aten/src/ATen/core/DistributionsHelper.h, TransformationHelper.h,
native/cpu/DistributionTemplates.h), in the same order:

- ``uniform_`` (``rand``): float32 takes the low 24 bits of one word, float64 the low 53
  bits of a 64-bit draw (two words, the first one high): ``x * (to - from) + from``, one
  fused multiply-add in the AVX2 build of the kernel (which build runs:
  ``cpu_capability``).
- ``normal_`` (``randn``): a contiguous tensor of 16 or more elements is first filled with
  uniforms, then turned to normals by Box-Muller in blocks of 16 (the first 8 values give
  the radii, the next 8 the angles); when the size is not a multiple of 16, the last 16
  are drawn again and transformed again. For float32 on x86-64, PyTorch runs that
  transform with its AVX2 approximations of log/sin/cos, which we replay step by step.
  Smaller or non-contiguous tensors use the scalar Box-Muller in double, which keeps its
  second value in the generator for the next call.
- ``random_`` (``randint``): a word modulo the range, a 64-bit draw for ranges from 2**28.
  For a float tensor, bounds whose neighbours round out of the range in the dtype are
  moved in first, with PyTorch's warning beyond 2**24 (float32) or 2**53 (float64).
- ``randperm``: a swap per position, ``word % (n - i)`` chosen.
- ``bernoulli_``, ``exponential_``: a uniform per element (double for a scalar ``p``).
- ``multinomial``: cumulative sums searched with double uniforms (with replacement), or
  ``argmax``/``topk`` of ``p / Exp(1)`` (without).

Element-wise kernels fill a non-contiguous tensor in the order of its memory, as PyTorch's
TensorIterator does.
"""

import ctypes
import ctypes.util
import math
import secrets
import warnings

import numpy as np

from . import cpu_capability, devices, dtypes, errors, function, graph, inplace, tensor
from .function import apply
from .fused import fma
from .op import defop

# PyTorch's default generator starts from this seed, so a fresh process is reproducible.
DEFAULT_SEED = 67280421310721
_MT_N = 624
# The byte layout of torch.get_rng_state(): PyTorch's CPUGeneratorImplState.
_STATE_LAYOUT = np.dtype([
    ("the_initial_seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"),
    ("state", "<u8", (_MT_N,)), ("normal_x", "<f8"), ("normal_y", "<f8"),
    ("normal_rho", "<f8"), ("normal_is_valid", "<i4"), ("pad", "<i4"),
    ("next_float_normal_sample", "<f4"), ("is_next_float_normal_sample_valid", "u1"),
    ("pad2", "u1", (3,)),
])
STATE_SIZE = _STATE_LAYOUT.itemsize  # 5056


def _mt19937_key(seed32):
    """``std::mt19937``'s seeding of its 624 words (``init_genrand``)."""
    key = np.empty(_MT_N, dtype=np.uint32)
    x = seed32
    key[0] = x
    for i in range(1, _MT_N):
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF
        key[i] = x
    return key


class Generator:
    """``torch.Generator``: the state behind every random function here."""

    def __init__(self, device="cpu"):
        if devices.device(device).type != "cpu":
            raise RuntimeError(f"micrograd_nb has a CPU generator only, not {device!r}")
        self._bits = np.random.MT19937()
        self.manual_seed(DEFAULT_SEED)

    @property
    def device(self):
        return devices.CPU

    def manual_seed(self, seed):
        seed = _check_seed(seed)
        self._initial_seed = seed
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": _mt19937_key(seed & 0xFFFFFFFF), "pos": _MT_N}}
        self._unused = True  # no word drawn since seeding: PyTorch's "next" is 0, not 624
        self._next_normal = None  # Box-Muller's second value (PyTorch's next_double_normal_sample)
        self._next_float_normal = None  # kept only to round-trip a state (unused on CPU)
        return self

    def seed(self):
        """A new seed from the operating system, as ``Generator.seed()``."""
        seed = secrets.randbits(64)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        state = np.zeros((), dtype=_STATE_LAYOUT)
        numpy_state = self._bits.state["state"]
        pos = int(numpy_state["pos"])
        state["the_initial_seed"] = self._initial_seed
        # numpy counts the words used ("pos"); PyTorch counts down the words left.
        state["left"] = _MT_N + 1 - pos
        state["seeded"] = 1
        state["next"] = 0 if self._unused else pos
        state["state"] = numpy_state["key"].astype(np.uint64)
        if self._next_normal is not None:
            state["normal_is_valid"] = 1
            state["normal_y"] = self._next_normal
        if self._next_float_normal is not None:
            state["is_next_float_normal_sample_valid"] = 1
            state["next_float_normal_sample"] = self._next_float_normal
        return tensor.Tensor._make(np.frombuffer(state.tobytes(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        raw = _state_bytes(new_state)
        if raw.size != STATE_SIZE:
            raise RuntimeError(errors.RNG_STATE_SIZE.format(size=raw.size))
        state = np.frombuffer(raw.tobytes(), dtype=_STATE_LAYOUT)[0]
        left = int(state["left"])
        if left < 1 or left > _MT_N or not state["seeded"]:
            raise RuntimeError(errors.RNG_STATE_INVALID)
        self._initial_seed = int(state["the_initial_seed"])
        self._unused = left == 1 and int(state["next"]) == 0
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": state["state"].astype(np.uint32),
                                      "pos": _MT_N + 1 - left}}
        self._next_normal = float(state["normal_y"]) if state["normal_is_valid"] else None
        self._next_float_normal = (float(state["next_float_normal_sample"])
                                   if state["is_next_float_normal_sample_valid"] else None)
        return self

    # --- raw draws, in PyTorch's order -------------------------------------------------

    def _words(self, n):
        """``n`` calls of ``random()``: 32-bit words."""
        if function.tracer is not None:
            function.tracer.refuse("random")
        self._unused = self._unused and n == 0
        return self._bits.random_raw(n).astype(np.uint64)

    def _words64(self, n):
        """``n`` calls of ``random64()``: two words each, the first one high."""
        w = self._words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]


def _check_seed(seed):
    seed = int(seed)
    if seed < -(1 << 63) or seed >= (1 << 64):
        raise ValueError(errors.SEED_OVERFLOW)
    return seed & 0xFFFFFFFFFFFFFFFF


def _state_bytes(state):
    if not isinstance(state, tensor.Tensor):
        raise TypeError(errors.RNG_STATE_TYPE.format(type_name=type(state).__name__))
    if state._data.dtype != np.uint8:
        raise TypeError(errors.RNG_STATE_DTYPE)
    return np.ascontiguousarray(state._data).reshape(-1)


default_generator = Generator()


def _gen(generator):
    return default_generator if generator is None else generator


def manual_seed(seed):
    """Seed the default generator, as ``torch.manual_seed``; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# --- the kernels: numbers for an array, in PyTorch's order ------------------------------

def _uniform_unit(gen, n, np_dtype):
    """``uniform_real_distribution(0, 1)`` n times, in the precision of ``np_dtype``."""
    if np_dtype == np.float64:
        bits = gen._words64(n) & np.uint64((1 << 53) - 1)
        return bits.astype(np.float64) * (1.0 / (1 << 53))
    bits = gen._words(n) & np.uint64((1 << 24) - 1)
    return bits.astype(np.float32) * np.float32(1.0 / (1 << 24))


def _memory_order(array):
    """A view of ``array`` whose C order is its memory order (TensorIterator's order)."""
    if array.ndim < 2 or array.flags.c_contiguous:
        return array
    axes = sorted(range(array.ndim), key=lambda d: -abs(array.strides[d]))
    return array.transpose(axes)


def _fill_in_memory_order(array, values):
    target = _memory_order(array)
    target[...] = values.reshape(target.shape)


def uniform_array(array, low, high, gen):
    """``uniform_``: ``x * (to - from) + from`` in the array's precision."""
    np_dtype = array.dtype.type
    _check_floating(array, "check_uniform_bounds")
    if low > high:
        raise RuntimeError(errors.UNIFORM_BOUNDS.format(low=low, high=high))
    low, high = np_dtype(low), np_dtype(high)
    x = _uniform_unit(gen, array.size, np_dtype)
    if not _runs_avx2_kernel():  # the portable kernel rounds the product first
        _fill_in_memory_order(array, x * (high - low) + low)
        return
    _fill_in_memory_order(array, fma(x, high - low, low))


def _box_muller_blocks(data, mean, std, np_dtype):
    """``normal_fill_16`` on every full block of 16 of ``data`` (uniforms, in place)."""
    blocks = data[: data.size // 16 * 16].reshape(-1, 2, 8)
    if np_dtype == np.float32 and _runs_avx2_kernel():
        # PyTorch's AVX2 float kernel (run on AVX-512 machines too): the Cephes log and
        # sincos approximations of avx_mathfun.h.
        radius = np.sqrt(np.float32(-2) * _log256_ps(np.float32(1) - blocks[:, 0]))
        sin_part, cos_part = _sincos256_ps(np.float32(2.0 * math.pi) * blocks[:, 1])
        std, mean = np.float32(std), np.float32(mean)
        blocks[:, 0] = fma(radius * cos_part, std, mean)
        blocks[:, 1] = fma(radius * sin_part, std, mean)
    elif np_dtype == np.float32:
        # The portable kernel: libm's float functions.
        radius = np.sqrt(np.float32(-2) * _logf(np.float32(1) - blocks[:, 0]))
        theta = (2.0 * math.pi * blocks[:, 1].astype(np.float64)).astype(np.float32)
        std, mean = np.float32(std), np.float32(mean)
        blocks[:, 0] = fma(radius * _cosf(theta), std, mean)
        blocks[:, 1] = fma(radius * _sinf(theta), std, mean)
    else:
        radius = np.sqrt(-2 * _log(1 - blocks[:, 0]))
        theta = 2.0 * math.pi * blocks[:, 1]
        blocks[:, 0] = fma(radius * _cos(theta), std, mean)
        blocks[:, 1] = fma(radius * _sin(theta), std, mean)


def _runs_avx2_kernel():
    """Whether PyTorch runs its AVX2 float kernels here (``cpu_capability``)."""
    return cpu_capability.runs_vectorised_kernels()


def _normal_fill(array, mean, std, gen):
    np_dtype = array.dtype.type
    flat = array.reshape(-1)  # contiguous: a view
    flat[...] = _uniform_unit(gen, flat.size, np_dtype)
    _box_muller_blocks(flat, mean, std, np_dtype)
    if flat.size % 16:
        tail = flat[-16:]
        tail[...] = _uniform_unit(gen, 16, np_dtype)
        _box_muller_blocks(tail, mean, std, np_dtype)


def _scalar_normals(n, gen):
    """``normal_distribution<double>`` n times: Box-Muller pairs, the second value kept in
    the generator for the next call."""
    out = np.empty(n, dtype=np.float64)
    start = 0
    if n and gen._next_normal is not None:
        out[0] = gen._next_normal
        gen._next_normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = _uniform_unit(gen, 2 * pairs, np.float64)
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * _log1p(-u2))
        theta = 2.0 * math.pi * u1
        both = np.empty(2 * pairs, dtype=np.float64)
        both[0::2] = r * _cos(theta)
        both[1::2] = r * _sin(theta)
        out[start:] = both[: n - start]
        if (n - start) % 2:
            gen._next_normal = float(both[-1])
    return out


def normal_array(array, mean, std, gen):
    """``normal_``: the block Box-Muller for contiguous tensors of 16 or more, else the
    scalar one."""
    np_dtype = array.dtype.type
    _check_floating(array, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(errors.NORMAL_STD.format(std=std))
    if array.size >= 16 and array.flags.c_contiguous:
        _normal_fill(array, mean, std, gen)
    else:
        normals = _scalar_normals(array.size, gen)
        if _runs_avx2_kernel():
            values = fma(normals, float(std), float(mean))
        else:  # the portable kernel rounds the product first
            values = normals * float(std) + float(mean)
        _fill_in_memory_order(array, values.astype(np_dtype))


def _check_floating(array, kernel):
    if array.dtype.type not in (np.float32, np.float64):
        name = dtypes.from_numpy_dtype(array.dtype).tensor_type.removesuffix("Tensor")
        raise NotImplementedError(errors.RANDOM_NOT_IMPLEMENTED.format(kernel=kernel,
                                                                      dtype_name=name))


def random_array(array, low, high, gen):
    """``random_(from, to)``: a word modulo the range, or a 64-bit draw modulo the range
    from 2**28 on (PyTorch 2.13's limit, which keeps the modulo's bias small)."""
    span = high - low
    if span >= 1 << 28:
        words = gen._words64(array.size)
    else:
        words = gen._words(array.size)
    values = (words % np.uint64(span)).astype(np.int64) + np.int64(low)
    _fill_in_memory_order(array, values.astype(array.dtype))


def random_full_array(array, gen):
    """``random_()`` without bounds: [0, max] for integers, [0, 2**mantissa] for floats."""
    np_dtype = array.dtype.type
    if np_dtype == np.bool_:
        values = gen._words(array.size) & np.uint64(1)
    elif np_dtype in (np.float64, np.int64):
        limit = (1 << 53) + 1 if np_dtype == np.float64 else 1 << 63
        values = gen._words64(array.size) % np.uint64(limit)
    else:
        limit = (1 << 24) + 1 if np_dtype == np.float32 else int(np.iinfo(np_dtype).max) + 1
        values = gen._words(array.size) % np.uint64(limit)
    _fill_in_memory_order(array, values.astype(np_dtype))


def bernoulli_array(array, p, gen):
    """``bernoulli_(p)``: with a number ``p``, a double uniform each; with a tensor of
    probabilities, a uniform in the precision of ``p`` (double or float)."""
    if isinstance(p, np.ndarray):
        np_dtype = np.float64 if p.dtype == np.float64 else np.float32
        target = _memory_order(array)
        probabilities = np.broadcast_to(p, array.shape)
        if target is not array:
            axes = sorted(range(array.ndim), key=lambda d: -abs(array.strides[d]))
            probabilities = probabilities.transpose(axes)
        u = _uniform_unit(gen, array.size, np_dtype).reshape(target.shape)
        target[...] = u < probabilities.astype(np_dtype)
        return
    if not 0 <= p <= 1:
        raise RuntimeError(errors.BERNOULLI_P.format(p=p))
    u = _uniform_unit(gen, array.size, np.float64)
    _fill_in_memory_order(array, (u < p).astype(array.dtype))


def exponential_array(array, lambd, gen):
    """``exponential_``: ``-1 / lambda * log1p(-u)`` with a double uniform."""
    if not lambd > 0:
        raise RuntimeError(errors.EXPONENTIAL_LAMBDA.format(lambd=lambd))
    u = _uniform_unit(gen, array.size, np.float64)
    _fill_in_memory_order(array, ((-1.0 / lambd) * _log1p(-u)).astype(array.dtype))


def randperm_array(n, gen):
    """``randperm``: position i swaps with ``i + word % (n - i)``, for i below n - 1."""
    perm = list(range(n))
    if n > 1:
        if n < 0xFFFFFFFF // 20:
            i = np.arange(n - 1, dtype=np.uint64)
            partners = (gen._words(n - 1) % (np.uint64(n) - i) + i).tolist()
            for i, z in enumerate(partners):
                perm[i], perm[z] = perm[z], perm[i]
        else:  # PyTorch's "inside-out" shuffle for huge n
            draws = gen._words64(n).tolist()
            for i, word in enumerate(draws):
                z = word % (i + 1)
                perm[i] = perm[z]
                perm[z] = i
    return np.array(perm, dtype=np.int64)


def _libm(function):
    """The C library's ``function`` element by element: numpy's own ``log`` and ``log1p``
    round differently from the libm PyTorch calls in some cases, and float64 results must
    match to the bit. (numpy's ``cos`` and ``sin`` agree with libm.)"""
    elementwise = np.frompyfunc(function, 1, 1)
    return lambda x: elementwise(x).astype(np.float64)


_log = _libm(math.log)
_log1p = _libm(math.log1p)
_cos = np.cos
_sin = np.sin


def _libm_float(name, fallback):
    """libm's float function ``name`` (``logf``...) element by element; without a libm to
    call, the double function rounded to float (off by an ulp now and then)."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("m")), name)
    except (OSError, AttributeError, TypeError):
        return lambda x: fallback(x.astype(np.float64)).astype(np.float32)
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    elementwise = np.frompyfunc(function, 1, 1)
    return lambda x: elementwise(x).astype(np.float32)


_logf = _libm_float("logf", _log)
_cosf = _libm_float("cosf", np.cos)
_sinf = _libm_float("sinf", np.sin)


# --- the public functions: torch.rand, Tensor.uniform_ ... -------------------------------

def _filled_op(name):
    """The node an in-place fill records on a tensor that requires grad: the values were
    drawn already, and no gradient flows back through them."""
    return defop(name, lambda x, values: values, lambda F, g, ans, x, values: g * 0)


_UNIFORM = _filled_op("UniformBackward0")
_NORMAL = _filled_op("NormalBackward0")
_RANDOM = _filled_op("RandomBackward0")
_BERNOULLI_TENSOR = _filled_op("BernoulliBackward1")
_BERNOULLI_SCALAR = _filled_op("BernoulliBackward2")
_EXPONENTIAL = _filled_op("ExponentialBackward0")


def _fill(t, op, kernel, *args):
    """Run ``kernel(array, *args)`` on ``t``'s own memory, in place, as PyTorch does."""
    if function.tracer is not None:  # what the trace is told first is what it says
        function.tracer.refuse("random")
    inplace.check_inplace(t)
    recording = t._requires_grad and graph.is_grad_enabled()
    old = inplace.before_inplace(t) if recording else None
    kernel(t._data, *args)
    if not recording:
        t._version_counter.value += 1
        return t
    values = t._data.copy()
    np.copyto(t._data, old._data)
    return inplace.commit_inplace(t, apply(op, (old,), values=values))


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    return _fill(t, _UNIFORM, uniform_array, a, b, _gen(generator))


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    return _fill(t, _NORMAL, normal_array, mean, std, _gen(generator))


def random_(t, from_=0, to=None, *, generator=None):
    """``random_()``, ``random_(to)`` or ``random_(from, to)``."""
    gen = _gen(generator)
    if to is None and from_ == 0:
        return _fill(t, _RANDOM, random_full_array, gen)
    low, high = (0, from_) if to is None else (from_, to)
    if low >= high:
        raise RuntimeError(errors.RANDOM_BOUNDS.format(low=low, high=high))
    if t.dtype.is_floating_point:
        low, high = _representable_bounds(low, high, t._data.dtype)
    return _fill(t, _RANDOM, random_array, low, high, gen)


def _representable_bounds(low, high, np_dtype):
    """PyTorch's ``update_from``/``update_to`` for a float tensor: bounds whose neighbour
    inside the range rounds outside it in the dtype are moved in by one step of the
    dtype at that size, so every drawn integer rounds into [from, to). Beyond
    ``2**digits`` it warns (DistributionTemplates.h's ``check_from_to_in_range``)."""
    digits = np.finfo(np_dtype).nmant + 1  # 24 for float32, 53 for float64

    def rounded(n):
        return int(np.array(n, dtype=np.int64).astype(np_dtype))

    def step(n):  # 2**(floor(log2 |n|) - digits + 1), as the C++ counts the bits
        return 1 << (abs(n).bit_length() - 1 - digits + 1)

    if rounded(low + 1) < low:
        low = rounded(low + 1) + step(low + 1)
    if rounded(high - 1) >= high:
        high = rounded(high - 1) - step(high - 1)
    if low >= high:
        raise RuntimeError(errors.RANDOM_BOUNDS_CAST.format(low=low, high=high))
    c_name = "float" if np_dtype == np.float32 else "double"
    for name, bound in (("from", low), ("to - 1", high - 1)):
        if not -(1 << digits) <= bound <= 1 << digits:
            warnings.warn(errors.RANDOM_BOUND_PRECISION_WARNING.format(
                name=name, digits=digits, dtype=c_name), UserWarning, stacklevel=4)
    return low, high


def bernoulli_(t, p=0.5, *, generator=None):
    if isinstance(p, tensor.Tensor):
        return _fill(t, _BERNOULLI_TENSOR, bernoulli_array, p._data, _gen(generator))
    return _fill(t, _BERNOULLI_SCALAR, bernoulli_array, float(p), _gen(generator))


def exponential_(t, lambd=1.0, *, generator=None):
    return _fill(t, _EXPONENTIAL, exponential_array, lambd, _gen(generator))


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for dim in size:
        if dim < 0:
            raise RuntimeError(errors.NEGATIVE_DIMENSION.format(dim=dim, shape=list(size)))
    return tuple(int(dim) for dim in size)


def _new(shape, dtype, device=None):
    devices.resolve(device)
    dt = dtype or dtypes.get_default_dtype()
    return tensor.Tensor._make(np.empty(shape, dtype=dt.numpy))


def _made(t, requires_grad):
    """A new tensor filled, then made a leaf that requires grad if asked."""
    return t.requires_grad_(True) if requires_grad else t


def rand(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """U[0, 1) numbers (``torch.rand``); the size positionally or as ``size=``."""
    t = _new(_shape(shape if size is None else (size,)), dtype, device)
    _fill(t, None, uniform_array, 0.0, 1.0, _gen(generator))
    return _made(t, requires_grad)


def randn(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """N(0, 1) numbers (``torch.randn``); the size positionally or as ``size=``."""
    t = _new(_shape(shape if size is None else (size,)), dtype, device)
    _fill(t, None, normal_array, 0.0, 1.0, _gen(generator))
    return _made(t, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers in [low, high) (``torch.randint(high, size)`` or ``(low, high, size)``)."""
    if size is None:
        low, high, size = 0, low, high
    t = _new(_shape((size,)), dtype or dtypes.int64, device)
    random_(t, low, high, generator=generator)
    return _made(t, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (``torch.randperm``)."""
    devices.resolve(device)
    if n < 0:
        raise RuntimeError(errors.NEGATIVE_DIMENSION.format(dim=n, shape=[n]))
    values = randperm_array(int(n), _gen(generator))
    dt = dtype or dtypes.int64
    return _made(tensor.Tensor._make(values.astype(dt.numpy)), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """``torch.normal``: numbers ``mean``/``std`` with a ``size``, or tensors of means
    and/or standard deviations (standard normals scaled, then shifted, as PyTorch does)."""
    Tensor = tensor.Tensor
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_is_tensor or std_is_tensor):
        if size is None:
            raise TypeError(errors.NORMAL_ARGUMENTS.format(
                types=f"{type(mean).__name__}, {type(std).__name__}"))
        t = _new(_shape((size,)), dtype, device)
        _fill(t, None, normal_array, mean, std, _gen(generator))
        return _made(t, requires_grad)
    if std_is_tensor and bool((std._data < 0).any()):
        raise RuntimeError(errors.NORMAL_TENSOR_STD)
    like = mean if mean_is_tensor else std
    shape = np.broadcast_shapes(*(x.shape for x in (mean, std) if isinstance(x, Tensor)))
    out = _new(shape, like.dtype)
    gen = _gen(generator)
    if std_is_tensor:
        _fill(out, None, normal_array, 0.0, 1.0, gen)
        out._data *= std._data
    else:
        _fill(out, None, normal_array, 0.0, std, gen)
    out._data += mean._data if mean_is_tensor else out._data.dtype.type(mean)
    return out


def bernoulli(input, p=None, *, generator=None):
    """0/1 draws: with probabilities ``input`` or, given ``p``, with that probability."""
    out = tensor.Tensor._make(np.empty_like(input._data))
    return bernoulli_(out, input if p is None else p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn with the weights in each row of ``input`` (``torch.multinomial``)."""
    weights = input._data
    if weights.ndim not in (1, 2):
        raise RuntimeError(errors.MULTINOMIAL_DIM)
    categories = weights.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(errors.MULTINOMIAL_TOO_MANY)
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise RuntimeError(errors.MULTINOMIAL_INVALID)
    rows = weights.reshape(-1, categories)
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError(errors.MULTINOMIAL_SUM)
    gen = _gen(generator)
    if not replacement or num_samples == 1:
        # PyTorch's shortcut: argmax/top-k of p / q with q ~ Exp(1).
        q = np.empty_like(rows)
        exponential_array(q, 1.0, gen)
        keys = rows / q
        order = np.argsort(-keys, axis=1, kind="stable")
        picked = order[:, :num_samples]
    else:
        cumulative = np.cumsum(rows, axis=1, dtype=rows.dtype)
        cumulative /= cumulative[:, -1:]
        cumulative[:, -1] = 1
        u = _uniform_unit(gen, rows.shape[0] * num_samples, np.float64)
        u = u.reshape(rows.shape[0], num_samples)
        picked = np.stack([np.searchsorted(row.astype(np.float64), draws, side="left")
                           for row, draws in zip(cumulative, u)])
    return tensor.Tensor._make(picked.reshape(weights.shape[:-1] + (num_samples,))
                               .astype(np.int64))


def dropout_mask(input, p, *, generator=None):
    """The noise PyTorch's CPU dropout multiplies ``input`` by: ``empty_like(input)
    .bernoulli_(1 - p).div_(1 - p)``, so 0 or ``1 / (1 - p)`` in ``input``'s dtype, drawn
    in ``input``'s memory order. ``F.dropout`` (training, 0 < p < 1) is ``input * mask``,
    one MulBackward0 node, as in PyTorch."""
    noise = np.empty_like(input._data)
    if p == 1:
        noise[...] = 0
    else:
        bernoulli_array(noise, 1 - p, _gen(generator))
        noise /= noise.dtype.type(1 - p)
    return tensor.Tensor._make(noise)


# --- arithmetic as the compiled kernels do it ---------------------------------------------
# PyTorch's kernels are compiled with FMA contraction: ``a * b + c`` is one rounding.

def _f32(x):
    return np.float32(x)


_LOG_POLY = [_f32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                               -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                               2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_MIN_NORMAL = np.array([0x00800000], dtype=np.int32).view(np.float32)[0]
_EXPONENT_BITS = 0x7F800000
_HALF_BITS = 0x3F000000


def _log256_ps(x):
    """avx_mathfun.h's ``log256_ps`` (Cephes ``logf``), as GCC contracts it."""
    bits = np.maximum(x, _MIN_NORMAL).view(np.int32)
    e = ((bits >> 23) - 127).astype(np.float32) + _f32(1)
    x = ((bits & ~_EXPONENT_BITS) | _HALF_BITS).view(np.float32)  # mantissa in [0.5, 1)
    below = x < _f32(0.707106781186547524)
    x = (x - _f32(1)) + np.where(below, x, _f32(0))
    e = e - np.where(below, _f32(1), _f32(0))
    z = x * x
    y = np.full_like(x, _LOG_POLY[0])
    for coefficient in _LOG_POLY[1:]:
        y = fma(y, x, coefficient)
    y = fma(y * x, z, e * _f32(-2.12194440e-4))
    y = y - z * _f32(0.5)
    return (x + y) + e * _f32(0.693359375)


def _sincos256_ps(x):
    """avx_mathfun.h's ``sincos256_ps`` (Cephes ``sinf``/``cosf``) for x >= 0."""
    j = ((x * _f32(1.27323954473516)).astype(np.int32) + 1) & ~1
    y = j.astype(np.float32)
    for part in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = fma(y, _f32(part), x)
    z = x * x
    cos_poly = fma(fma(np.full_like(x, _f32(2.443315711809948e-5)), z,
                             _f32(-1.388731625493765e-3)), z, _f32(4.166664568298827e-2))
    cos_poly = fma(cos_poly * z, z, -(z * _f32(0.5))) + _f32(1)
    sin_poly = fma(fma(np.full_like(x, _f32(-1.9515295891e-4)), z,
                             _f32(8.3321608736e-3)), z, _f32(-1.6666654611e-1))
    sin_poly = fma(sin_poly * z, x, x)
    first = (j & 2) == 0
    sin = np.where(first, sin_poly, cos_poly)
    cos = np.where(first, cos_poly, sin_poly)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos
