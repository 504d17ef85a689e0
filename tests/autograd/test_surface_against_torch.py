"""The rest of what teaching code touches, against PyTorch: devices and dtypes, making
tensors, formatting, and the errors and warnings of the new ops. Each case is a function
of the library; both sides must give the same result (value, dtype, shape, repr), or the
same exception class and text, and the same warnings, apart from the library's name.
"""

import re
import warnings

import numpy as np
import pytest

import micrograd_nb as mg

CASES = {
    # devices
    "device repr": lambda lib: repr(lib.device("cpu")),
    "device index": lambda lib: repr(lib.device("cuda", 1)),
    "device string": lambda lib: str(lib.device("cuda:1")),
    "device equality": lambda lib: (lib.device("cpu") == lib.device("cpu"),
                                    lib.device("cpu") == "cpu"),
    "device unknown": lambda lib: lib.device("foo"),
    "device bad index": lambda lib: lib.device("cpu:x"),
    "device negative": lambda lib: lib.device("cpu", -1),
    "tensor.device": lambda lib: repr(lib.ones(2).device),
    "factory device": lambda lib: lib.zeros(2, device="cpu"),
    "factory torch.device": lambda lib: lib.ones(2, 2, device=lib.device("cpu")),
    "factory cuda": lambda lib: lib.ones(2, device="cuda"),
    "tensor cuda": lambda lib: lib.tensor([1.0], device="cuda"),
    "arange cpu": lambda lib: lib.arange(0, 1, 0.25, device="cpu"),
    "full cpu": lambda lib: lib.full((2,), 1.5, dtype=lib.float64, device="cpu"),
    "eye cpu": lambda lib: lib.eye(2, 3, device="cpu"),
    ".cuda()": lambda lib: lib.ones(2).cuda(),
    ".to(cuda)": lambda lib: lib.ones(2).to("cuda"),
    ".to(mps)": lambda lib: lib.ones(2).to("mps"),
    ".to(int)": lambda lib: lib.ones(2).to(5),
    ".to(cpu) is self": lambda lib: (lambda x: x.to("cpu") is x and x.cpu() is x)(lib.ones(2)),
    ".to(dtype)": lambda lib: lib.ones(2).to(lib.float64),
    ".to(device, dtype)": lambda lib: lib.ones(2).to("cpu", lib.int64),
    ".to(other)": lambda lib: lib.ones(2).to(lib.ones(1, dtype=lib.float64)),
    ".to(dtype=)": lambda lib: lib.ones(2).to(dtype=lib.int32),
    ".to(copy=True)": lambda lib: (lambda x: x.to(lib.float32, copy=True) is x)(lib.ones(2)),
    ".type()": lambda lib: lib.ones(2).type(),
    "is_cuda": lambda lib: lib.ones(2).is_cuda,
    "cuda probes": lambda lib: (lib.cuda.is_available(), lib.cuda.device_count()),
    "cuda.current_device": lambda lib: lib.cuda.current_device(),
    "cuda.manual_seed": lambda lib: lib.cuda.manual_seed(0),
    "mps probes": lambda lib: (lib.backends.mps.is_available(), lib.backends.mps.is_built()),
    "accelerator probes": lambda lib: (lib.accelerator.is_available(),
                                       lib.accelerator.current_accelerator()),
    "the usual device line": lambda lib: repr(lib.device(
        "cuda" if lib.cuda.is_available() else "mps" if lib.backends.mps.is_available()
        else "cpu")),
    "set_default_device": lambda lib: (lib.set_default_device("cpu"),
                                       repr(lib.get_default_device())),
    # dtypes
    "aliases": lambda lib: [str(d).split(".")[-1] for d in (
        lib.float, lib.double, lib.long, lib.int, lib.bool, lib.half, lib.short, lib.int8,
        lib.uint8, lib.int16, lib.float16)],
    "itemsize": lambda lib: (lib.float32.itemsize, lib.int64.itemsize, lib.float16.itemsize),
    "is_floating_point": lambda lib: (lib.float16.is_floating_point,
                                      lib.int8.is_floating_point),
    "get_default_dtype": lambda lib: str(lib.get_default_dtype()).split(".")[-1],
    "set_default_dtype int": lambda lib: lib.set_default_dtype(lib.int64),
    "half tensor": lambda lib: lib.ones(2, dtype=lib.half) + 1,
    "short cast": lambda lib: lib.ones(2).short(),
    # making tensors
    "new_ones": lambda lib: lib.ones(2, dtype=lib.float64).new_ones(3),
    "new_ones tuple dtype": lambda lib: lib.ones(2).new_ones((2, 3), dtype=lib.int64),
    "new_zeros requires_grad": lambda lib: lib.ones(2).new_zeros(2, 2, requires_grad=True),
    "new_full": lambda lib: lib.ones(2).new_full((2,), 7),
    "new_tensor": lambda lib: lib.ones(2, dtype=lib.float64).new_tensor([1, 2]),
    "new_tensor of a tensor": lambda lib: lib.ones(2).new_tensor(lib.ones(1)),
    "new_empty": lambda lib: lib.ones(2).new_empty(3).shape,
    "empty": lambda lib: lib.empty(2, 3).shape,
    "empty 0": lambda lib: lib.empty(0),
    "empty_like": lambda lib: lib.empty_like(lib.ones(2, dtype=lib.int64)).dtype,
    "full_like": lambda lib: lib.full_like(lib.ones(2, dtype=lib.int64), 2.5),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, 3), dtype=lib.float64),
    "ones_like requires_grad": lambda lib: lib.ones_like(lib.ones(2), requires_grad=True),
    "zeros size=": lambda lib: lib.zeros(size=(2,)),
    "linspace": lambda lib: lib.linspace(-1, 1, steps=5),
    "logspace": lambda lib: lib.logspace(0, 2, 3),
    "eye": lambda lib: lib.eye(3),
    "tensor of a tensor": lambda lib: lib.tensor(lib.ones(2, requires_grad=True)),
    "as_tensor list": lambda lib: lib.as_tensor([1, 2], dtype=lib.float32),
    "as_tensor shares": lambda lib: (lambda a: (lib.as_tensor(a).add_(1), a.tolist())[1])(
        np.zeros(2)),
    "as_tensor same": lambda lib: (lambda x: lib.as_tensor(x) is x)(lib.ones(2)),
    "from_numpy shares": lambda lib: (lambda a: (lib.from_numpy(a).mul_(3), a.tolist())[1])(
        np.ones(2, dtype=np.int32)),
    "from_numpy list": lambda lib: lib.from_numpy([1, 2]),
    # formatting
    "format 0-d": lambda lib: f"{lib.tensor(1.23456):.3f}",
    "format 0-d int": lambda lib: format(lib.tensor(3), "d"),
    "format requires grad": lambda lib: f"{lib.tensor(2.5, requires_grad=True):.2f}",
    "format plain 0-d": lambda lib: f"{lib.tensor(3.0)}",
    "format plain": lambda lib: f"{lib.tensor([1.5, 2])}",
    "format spec on 1-d": lambda lib: f"{lib.tensor([1.5]):.3f}",
    "loss line": lambda lib: f"loss {(lib.ones(3, requires_grad=True) * 2).sum():>8.4f}",
    # warnings PyTorch gives
    "float() of requires grad": lambda lib: float(lib.tensor(3.0, requires_grad=True)),
    "int() of requires grad": lambda lib: int(lib.tensor(3.0, requires_grad=True)),
    "item() of requires grad": lambda lib: lib.tensor(3.0, requires_grad=True).item(),
    ".T on 3-D": lambda lib: lib.ones(2, 3, 4).T.shape,
    ".T on 1-D": lambda lib: lib.ones(2).T.shape,
    ".T on 0-D": lambda lib: lib.tensor(1.0).T.shape,
    "std of one": lambda lib: lib.ones(1).std(),
    "var of one": lambda lib: lib.ones(1, 3).var(0),
    # errors of the new ops
    "var of int": lambda lib: lib.tensor([1, 2]).var(),
    "norm of int": lambda lib: lib.tensor([1, 2]).norm(),
    "amax of empty": lambda lib: lib.ones(0).amax(),
    "dot of a matrix": lambda lib: lib.dot(lib.ones(2, 3), lib.ones(3)),
    "dot dtypes": lambda lib: lib.dot(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    "mv of vectors": lambda lib: lib.mv(lib.ones(3), lib.ones(3)),
    "bmm of matrices": lambda lib: lib.bmm(lib.ones(2, 2), lib.ones(2, 2)),
    "bmm second": lambda lib: lib.bmm(lib.ones(1, 2, 2), lib.ones(2, 2)),
    "bmm sizes": lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 2, 3)),
    "bmm batch": lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 3)),
    "bmm dtypes": lambda lib: lib.bmm(lib.ones(1, 2, 2), lib.ones(1, 2, 2, dtype=lib.float64)),
    "outer of a matrix": lambda lib: lib.outer(lib.ones(2, 2), lib.ones(2)),
    "addmm dtypes": lambda lib: lib.addmm(lib.ones(2, dtype=lib.float64), lib.ones(2, 2),
                                          lib.ones(2, 2)),
    "mm of a vector": lambda lib: lib.mm(lib.ones(2), lib.ones(2, 2)),
    "einsum operands": lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 3)),
    "einsum subscripts": lambda lib: lib.einsum("ijk,jk->ik", lib.ones(2, 3), lib.ones(2, 3)),
    "einsum sizes": lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 3), lib.ones(2, 3)),
    "floor_divide": lambda lib: lib.tensor([5.0, 7.0], requires_grad=True) // 2,
    "floor_divide backward": lambda lib: (
        lib.tensor([5.0, 7.0], requires_grad=True) // 2).sum().backward(),
    # mixed float32 and float64 in a matrix product: refused, as PyTorch refuses it
    "mm f32 @ f64": lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64),
    "mm f64 @ f32": lambda lib: lib.ones(2, 2, dtype=lib.float64) @ lib.ones(2, 2),
    "mm int @ float": lambda lib: lib.ones(2, 2, dtype=lib.int64) @ lib.ones(2, 2),
    "mv f32 @ f64": lambda lib: lib.ones(2, 2) @ lib.ones(2, dtype=lib.float64),
    "vm f32 @ f64": lambda lib: lib.ones(2) @ lib.ones(2, 2, dtype=lib.float64),
    "dot f32 @ f64": lambda lib: lib.ones(2) @ lib.ones(2, dtype=lib.float64),
    "bmm f32 @ f64": lambda lib: lib.ones(1, 2, 2) @ lib.ones(1, 2, 2, dtype=lib.float64),
    "bmv f64 @ f32": lambda lib: lib.ones(1, 2, 2, dtype=lib.float64) @ lib.ones(2),
    "mm of ints": lambda lib: lib.ones(2, 2, dtype=lib.int64) @ lib.ones(2, 2, dtype=lib.int64),
}



def _select_then_inplace(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[1].mul_(10)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name()


def _row_then_inplace(lib):
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = x * 1
    b[1].add_(5)
    (b * b).sum().backward()
    return b, x.grad, b.grad_fn.name()


def _names_after_inplace_through_a_view(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z, w = y[0], y[:2]
    z.mul_(3)
    (w * w).sum().backward()
    return y, z, w, z.grad_fn.name(), w.grad_fn.name(), y.grad_fn.name(), int(z._version), x.grad


def _second_order_through_a_rebuilt_view(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    v = y[1:]
    y.mul_(2)
    (g,) = lib.autograd.grad((v ** 2).sum(), x, create_graph=True)
    return g, lib.autograd.grad(g.sum(), x)


def _copy_names(lib):
    x = lib.ones(3, requires_grad=True)
    y, z = lib.zeros(3), lib.zeros(3) * 1
    y.copy_(x)
    z.copy_(x * 2)
    return y.grad_fn.name(), z.grad_fn.name()


def _version_after(lib):
    x = lib.ones(2)
    x.add_(1)
    x[0] = 3
    return int(x._version), x._version == 2, repr(x._version), f"{x._version}"


CASES.update({
    # deviations PyTorch's own behaviour pins
    "select is a view": _select_then_inplace,
    "row is a view": _row_then_inplace,
    "names after an in-place op through a view": _names_after_inplace_through_a_view,
    "second order through a rebuilt view": _second_order_through_a_rebuilt_view,
    "copy_ names": _copy_names,
    "_version": _version_after,
    "requires_grad = True on a non-leaf": lambda lib: setattr(
        lib.ones(2, requires_grad=True) * 2, "requires_grad", True),
    "requires_grad = False on a non-leaf": lambda lib: setattr(
        lib.ones(2, requires_grad=True) * 2, "requires_grad", False),
    "requires_grad_() on a non-leaf": lambda lib: (
        lib.ones(2, requires_grad=True) * 2).requires_grad_(),
    "0-d [None]": lambda lib: lib.tensor(3.0)[None],
    "0-d [...]": lambda lib: lib.tensor(3.0)[...],
    "0-d [0]": lambda lib: lib.tensor(3.0)[0],
    "0-d [0, 0]": lambda lib: lib.tensor(3.0)[0, 0],
    "0-d [()]": lambda lib: lib.tensor(3.0)[()],
    "x[0, :, [1, 2]]": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[0, :, [1, 2]],
    "x[:, 0, [1, 2]]": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[:, 0, [1, 2]],
    "x[[0, 1], :, [1, 2]]": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[[0, 1], :, [1, 2]],
    "x[1, [0, 2]] gradient": lambda lib: (lambda x: (x[1, [0, 2]].sum().backward(), x.grad)[1])(
        lib.ones(2, 3, requires_grad=True)),
    "int /= 2": lambda lib: lib.tensor([1, 2]).__itruediv__(2),
    "int *= 1.5": lambda lib: lib.tensor([1, 2]).__imul__(1.5),
    "int += float tensor": lambda lib: lib.tensor([1, 2]).__iadd__(lib.tensor([1.5])),
    "int32 += int64": lambda lib: lib.tensor([1, 2], dtype=lib.int32).__iadd__(lib.tensor([1])),
    "bool += 1": lambda lib: lib.tensor([True]).__iadd__(1),
    "float32 *= float64": lambda lib: lib.tensor([1.0, 2.0]).__imul__(
        lib.tensor([1.0], dtype=lib.float64)),
    "x - True": lambda lib: lib.tensor([1.0, 2.0]) - True,
    "bool - 1": lambda lib: lib.tensor([True]) - 1,
    "1 - bool": lambda lib: 1 - lib.tensor([True]),
    "bool - bool": lambda lib: lib.tensor([True]) - lib.tensor([False]),
    "-bool": lambda lib: -lib.tensor([True]),
    "bool.abs()": lambda lib: lib.tensor([True]).abs(),
    "bool + bool": lambda lib: lib.tensor([True]) + lib.tensor([True]),
    "2 ** int": lambda lib: 2 ** lib.tensor([-1, 0, 3]),
    "2.5 ** int": lambda lib: 2.5 ** lib.tensor([1, 2]),
    "int ** int tensor": lambda lib: lib.tensor([2, -1, 1]) ** lib.tensor([-1, -3, -2]),
    "int ** -1": lambda lib: lib.tensor([1, 2]) ** -1,
    "int ** 2": lambda lib: lib.tensor([1, 2]) ** 2,
    "log(0) is silent": lambda lib: lib.tensor([0.0, -1.0]).log(),
    "asin(2) is silent": lambda lib: lib.tensor([2.0]).asin(),
    "sin(inf) is silent": lambda lib: lib.tensor([float("inf")]).sin(),
    "prod of inf and 0 is silent": lambda lib: lib.tensor([float("inf"), 0.0]).prod(),
    "frac(inf) is silent": lambda lib: lib.tensor([float("inf")]).frac(),
    "batched shapes": lambda lib: lib.ones(2, 2, 3) @ lib.ones(2, 4, 5),
    "batch dims": lambda lib: lib.ones(2, 2, 3) @ lib.ones(3, 3, 5),
    "matrix @ batch": lambda lib: lib.ones(2, 3) @ lib.ones(2, 4, 5),
    "batch @ vector": lambda lib: lib.ones(2, 2, 3) @ lib.ones(4),
    "vector @ batch": lambda lib: lib.ones(3) @ lib.ones(2, 4, 5),
})

# PyTorch gives these warnings once per process (TORCH_WARN_ONCE), so whether it warns in
# a case depends on the cases before: only the values are compared, and our warning is
# checked against the first PyTorch gave in a process of its own.
WARNED_ONCE_BY_TORCH = {".T on 3-D", ".T on 1-D", ".T on 0-D", "float() of requires grad"}

# PyTorch's text names the C++ source it warns from; the rest must match.
_TRIGGERED = re.compile(r" \(Triggered internally at .*\)$", re.S)


def outcome(lib, case):
    """What a case gives: ("value", a description) or ("error", class name, text), and
    the warnings, with the library's name taken out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("value", describe(case(lib)))
        except Exception as error:  # noqa: BLE001 - compared with torch's
            result = ("error", type(error).__name__, neutral(str(error)))
    said = [neutral(_TRIGGERED.sub("", str(w.message))) for w in caught
            if not issubclass(w.category, DeprecationWarning)]
    return result, said


def neutral(text):
    return text.replace("micrograd_nb", "LIB").replace("torch", "LIB")


def describe(value):
    if hasattr(value, "grad_fn"):  # a tensor
        return (neutral(repr(value)), tuple(value.shape), str(value.dtype).split(".")[-1],
                value.requires_grad)
    if isinstance(value, tuple | list):
        return type(value)(describe(v) for v in value)
    if hasattr(value, "__len__") and type(value).__name__ == "Size":
        return tuple(value)
    return neutral(repr(value)) if not isinstance(value, bool | int | float | str) else value


@pytest.fixture(autouse=True)
def default_dtype_and_device():
    yield
    mg.set_default_dtype(mg.float32)
    mg.set_default_device("cpu")


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_torch(torch, name):
    ours = outcome(mg, CASES[name])
    theirs = outcome(torch, CASES[name])
    # None, not "cpu": PyTorch keeps a default device as a TorchFunctionMode, which would
    # stay on for every later test (and look like one left behind by the recorder)
    torch.set_default_device(None)
    if name in WARNED_ONCE_BY_TORCH:
        assert ours[0] == theirs[0]
        return
    assert ours == theirs


@pytest.mark.parametrize("name", sorted(WARNED_ONCE_BY_TORCH))
def test_warnings_torch_gives_once(torch, name):
    import subprocess
    import sys

    code = (f"import warnings, torch\nwarnings.simplefilter('always')\n"
            f"from tests.autograd.test_surface_against_torch import CASES, outcome\n"
            f"print(repr(outcome(torch, CASES[{name!r}])[1]))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert repr(outcome(mg, CASES[name])[1]) == run.stdout.strip()
