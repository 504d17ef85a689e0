"""Same seed, same numbers: every random function against PyTorch 2.13's CPU generator.

Each case seeds both libraries, draws twice (the second draw starts where the first left
the generator, Box-Muller's cached value included) and compares: bit for bit, except
float32 normals from the block kernel, allowed 1 ulp (PyTorch computes those with float
approximations of log/sin/cos, which we replay in float32 arithmetic)."""

import numpy as np
import pytest
import torch

import micrograd_nb as mg
from micrograd_nb.autograd import cpu_capability
from micrograd_nb.autograd.random import dropout_mask

SEEDS = [0, 1, 1234, 2**40 + 3]
SIZES = [1, 7, 15, 16, 17, 100, 1000]
DTYPES = [(mg.float32, torch.float32), (mg.float64, torch.float64)]


def _assert_same(ours, theirs, ulps=0):
    ours = ours._data if isinstance(ours, mg.Tensor) else np.asarray(ours)
    theirs = theirs.numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if ulps == 0 or ours.dtype.kind != "f":
        np.testing.assert_array_equal(ours, theirs)
        return
    spacing = np.spacing(np.abs(theirs).astype(theirs.dtype)).astype(np.float64)
    off = np.abs(ours.astype(np.float64) - theirs.astype(np.float64)) / spacing
    assert off.max() <= ulps, f"{int((off > ulps).sum())} values off by up to {off.max()} ulp"


def _both(seed, ours, theirs, ulps=0, draws=2):
    mg.manual_seed(seed)
    torch.manual_seed(seed)
    for _ in range(draws):
        _assert_same(ours(), theirs(), ulps)
    # and the generators end in the same state
    np.testing.assert_array_equal(mg.get_rng_state()._data, torch.get_rng_state().numpy())


# name -> (ours(n, mg dtype), theirs(n, torch dtype), ulps for float32)
FLOAT_CASES = {
    "rand": (lambda n, d: mg.rand(n, dtype=d), lambda n, d: torch.rand(n, dtype=d), 0),
    "randn": (lambda n, d: mg.randn(n, dtype=d), lambda n, d: torch.randn(n, dtype=d), 1),
    "uniform_": (lambda n, d: mg.empty(n, dtype=d).uniform_(-0.2236, 0.2236),
                 lambda n, d: torch.empty(n, dtype=d).uniform_(-0.2236, 0.2236), 0),
    "normal_": (lambda n, d: mg.empty(n, dtype=d).normal_(0.3, 2.5),
                lambda n, d: torch.empty(n, dtype=d).normal_(0.3, 2.5), 1),
    "normal": (lambda n, d: mg.normal(-1.0, 0.1, (n,), dtype=d),
               lambda n, d: torch.normal(-1.0, 0.1, (n,), dtype=d), 1),
    "exponential_": (lambda n, d: mg.empty(n, dtype=d).exponential_(2.5),
                     lambda n, d: torch.empty(n, dtype=d).exponential_(2.5), 0),
    "bernoulli_": (lambda n, d: mg.empty(n, dtype=d).bernoulli_(0.3),
                   lambda n, d: torch.empty(n, dtype=d).bernoulli_(0.3), 0),
    "bernoulli": (lambda n, d: mg.bernoulli(mg.linspace(0, 1, n, dtype=d)),
                  lambda n, d: torch.bernoulli(torch.linspace(0, 1, n, dtype=d)), 0),
    "random_": (lambda n, d: mg.empty(n, dtype=d).random_(),
                lambda n, d: torch.empty(n, dtype=d).random_(), 0),
    "random_(from, to)": (lambda n, d: mg.empty(n, dtype=d).random_(-3, 10),
                          lambda n, d: torch.empty(n, dtype=d).random_(-3, 10), 0),
    "random_(float's whole range)": (
        lambda n, d: mg.empty(n, dtype=d).random_(-2**24, 2**24),
        lambda n, d: torch.empty(n, dtype=d).random_(-2**24, 2**24), 0),
    "rand_like": (lambda n, d: mg.rand_like(mg.zeros(n, dtype=d)),
                  lambda n, d: torch.rand_like(torch.zeros(n, dtype=d)), 0),
    "randn_like": (lambda n, d: mg.randn_like(mg.zeros(n, dtype=d)),
                   lambda n, d: torch.randn_like(torch.zeros(n, dtype=d)), 1),
}


@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(FLOAT_CASES))
def test_floating_streams_equal_torch(name, seed, size, dtypes):
    ours, theirs, ulps = FLOAT_CASES[name]
    ours_dtype, torch_dtype = dtypes
    _both(seed, lambda: ours(size, ours_dtype), lambda: theirs(size, torch_dtype),
          ulps if torch_dtype is torch.float32 else 0)


INTEGER_CASES = {
    "randint(high)": (lambda n: mg.randint(10, (n,)), lambda n: torch.randint(10, (n,))),
    "randint(low, high)": (lambda n: mg.randint(-5, 7, (n,)),
                           lambda n: torch.randint(-5, 7, (n,))),
    "randint(wide range)": (lambda n: mg.randint(-5, 2**40, (n,)),
                            lambda n: torch.randint(-5, 2**40, (n,))),
    "randint(range 2**28 - 1)": (lambda n: mg.randint(2**28 - 1, (n,)),
                                 lambda n: torch.randint(2**28 - 1, (n,))),
    "randint(range 2**28)": (lambda n: mg.randint(2**28, (n,)),
                             lambda n: torch.randint(2**28, (n,))),
    "randint int32": (lambda n: mg.randint(-2**31, 2**31 - 1, (n,), dtype=mg.int32),
                      lambda n: torch.randint(-2**31, 2**31 - 1, (n,), dtype=torch.int32)),
    "random_ int64": (lambda n: mg.empty(n, dtype=mg.int64).random_(),
                      lambda n: torch.empty(n, dtype=torch.int64).random_()),
    "random_ int32": (lambda n: mg.empty(n, dtype=mg.int32).random_(),
                      lambda n: torch.empty(n, dtype=torch.int32).random_()),
    "random_ bool": (lambda n: mg.empty(n, dtype=mg.bool).random_(),
                     lambda n: torch.empty(n, dtype=torch.bool).random_()),
    "random_(to)": (lambda n: mg.empty(n, dtype=mg.int64).random_(5),
                    lambda n: torch.empty(n, dtype=torch.int64).random_(5)),
    # PyTorch warns beyond float32's 2**24; only float64 is matched there.
    "random_ float64 wide range": (
        lambda n: mg.empty(n, dtype=mg.float64).random_(-2**40, 2**40),
        lambda n: torch.empty(n, dtype=torch.float64).random_(-2**40, 2**40)),
    "randint_like": (lambda n: mg.randint_like(mg.zeros(n), 3, 9),
                     lambda n: torch.randint_like(torch.zeros(n), 3, 9)),
    "randperm": (lambda n: mg.randperm(n), lambda n: torch.randperm(n)),
    "multinomial with replacement": (
        lambda n: mg.multinomial(mg.arange(1.0, 6.0), n, replacement=True),
        lambda n: torch.multinomial(torch.arange(1.0, 6.0), n, replacement=True)),
    "multinomial without replacement": (
        lambda n: mg.multinomial(mg.arange(1.0, n + 1.0, dtype=mg.float64), max(n // 2, 1)),
        lambda n: torch.multinomial(torch.arange(1.0, n + 1.0, dtype=torch.float64),
                                    max(n // 2, 1))),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(INTEGER_CASES))
def test_integer_streams_equal_torch(name, seed, size):
    ours, theirs = INTEGER_CASES[name]
    _both(seed, lambda: ours(size), lambda: theirs(size))


def test_a_huge_randperm_still_matches():
    _both(5, lambda: mg.randperm(60_000), lambda: torch.randperm(60_000), draws=1)


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_of_rows(replacement):
    weights = np.random.default_rng(0).random((4, 6)).astype(np.float32)
    _both(3, lambda: mg.multinomial(mg.tensor(weights), 4, replacement),
          lambda: torch.multinomial(torch.tensor(weights), 4, replacement))


# Views that are not contiguous: element-wise kernels fill them in memory order, and
# normal_ takes its scalar path whatever their size.
VIEWS = {
    "transposed": lambda t: t.t(),
    "every other column": lambda t: t[:, ::2],
    "a column": lambda t: t[:, 1],
    "rows (contiguous)": lambda t: t[2:7],
}
FILLS = {
    "uniform_": lambda t: t.uniform_(-1, 3),
    "normal_": lambda t: t.normal_(),
    "bernoulli_": lambda t: t.bernoulli_(0.6),
    "bernoulli_ with a tensor": lambda t: t.bernoulli_(t * 0 + 0.25),
    "exponential_": lambda t: t.exponential_(),
    "random_": lambda t: t.random_(0, 100),
}


@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("rows", [4, 40])
@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("fill", sorted(FILLS))
def test_fills_of_views_equal_torch(fill, view, rows, dtypes):
    ours_dtype, torch_dtype = dtypes

    def ours():
        base = mg.zeros(rows, 6, dtype=ours_dtype)
        FILLS[fill](VIEWS[view](base))
        return base

    def theirs():
        base = torch.zeros(rows, 6, dtype=torch_dtype)
        FILLS[fill](VIEWS[view](base))
        return base

    _both(11, ours, theirs, ulps=1 if torch_dtype is torch.float32 else 0)


@pytest.mark.parametrize("mean_std", ["tensor, tensor", "tensor, number", "number, tensor"])
def test_normal_with_tensors_of_means_and_deviations(mean_std):
    means = np.linspace(-2, 2, 20, dtype=np.float32)
    stds = np.linspace(0.5, 3, 20, dtype=np.float32)
    forms = {"tensor, tensor": lambda lib: (lib.tensor(means), lib.tensor(stds)),
             "tensor, number": lambda lib: (lib.tensor(means), 0.7),
             "number, tensor": lambda lib: (0.7, lib.tensor(stds))}
    _both(2, lambda: mg.normal(*forms[mean_std](mg)),
          lambda: torch.normal(*forms[mean_std](torch)), ulps=1)


def test_box_muller_cache_carries_from_call_to_call():
    def ours():
        return mg.cat([mg.randn(3, dtype=mg.float64), mg.randn(1, dtype=mg.float64),
                       mg.randn(5, dtype=mg.float64)])

    def theirs():
        return torch.cat([torch.randn(3, dtype=torch.float64),
                          torch.randn(1, dtype=torch.float64),
                          torch.randn(5, dtype=torch.float64)])

    _both(0, ours, theirs, draws=3)


def test_the_numbers_the_issue_quotes():
    mg.manual_seed(0)
    np.testing.assert_allclose(mg.randn(3)._data, [1.5410, -0.2934, -2.1788], atol=1e-4)


# --- generators and states ---------------------------------------------------------------

def test_a_new_generator_starts_where_torchs_does():
    ours, theirs = mg.Generator(), torch.Generator()
    assert ours.initial_seed() == theirs.initial_seed() == 67280421310721
    _assert_same(mg.rand(5, generator=ours), torch.rand(5, generator=theirs))
    np.testing.assert_array_equal(ours.get_state()._data, theirs.get_state().numpy())


@pytest.mark.parametrize("seed", [0, 7, 2**32 + 5, 2**63 + 1, -1])
def test_generator_objects_and_seeds(seed):
    ours, theirs = mg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    assert ours.initial_seed() == theirs.initial_seed()
    _assert_same(mg.randn(20, generator=ours), torch.randn(20, generator=theirs), ulps=1)
    _assert_same(mg.randperm(9, generator=ours), torch.randperm(9, generator=theirs))
    _assert_same(mg.randint(4, (6,), generator=ours), torch.randint(4, (6,), generator=theirs))


def test_a_generator_argument_leaves_the_default_one_alone():
    mg.manual_seed(4)
    before = mg.get_rng_state()._data.copy()
    mg.rand(10, generator=mg.Generator())
    np.testing.assert_array_equal(mg.get_rng_state()._data, before)


@pytest.mark.parametrize("draw", ["nothing", "a few", "many", "a cached normal"])
def test_rng_states_round_trip_between_the_libraries(draw):
    draws = {"nothing": lambda lib: None, "a few": lambda lib: lib.rand(3),
             "many": lambda lib: lib.rand(1500), "a cached normal": lambda lib: lib.randn(3)}
    torch.manual_seed(8)
    draws[draw](torch)
    state = torch.get_rng_state()
    assert state.shape == (5056,) and state.dtype == torch.uint8
    mg.set_rng_state(mg.tensor(state.numpy()))
    np.testing.assert_array_equal(mg.get_rng_state()._data, state.numpy())
    _assert_same(mg.randn(5, dtype=mg.float64), torch.randn(5, dtype=torch.float64))
    torch.set_rng_state(torch.from_numpy(mg.get_rng_state()._data.copy()))
    _assert_same(mg.rand(700), torch.rand(700))


def test_seed_picks_a_fresh_seed_and_reports_it():
    g = mg.Generator()
    seed = g.seed()
    assert g.initial_seed() == seed
    theirs = torch.Generator().manual_seed(seed)
    _assert_same(mg.rand(4, generator=g), torch.rand(4, generator=theirs))


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value)


@pytest.mark.parametrize("call", [
    lambda lib: lib.empty(3, dtype=lib.int64).uniform_(),
    lambda lib: lib.empty(3, dtype=lib.int64).normal_(),
    lambda lib: lib.empty(3).normal_(0, -1),
    lambda lib: lib.empty(3).bernoulli_(1.5),
    lambda lib: lib.empty(3).exponential_(0),
    lambda lib: lib.empty(3).uniform_(2, 1),
    lambda lib: lib.randint(5, 3, (2,)),
    lambda lib: lib.randperm(-1),
    lambda lib: lib.normal(lib.zeros(3), -lib.ones(3)),
    lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
    lambda lib: lib.multinomial(lib.ones(3), 4),
    lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 1),
    lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1),
    lambda lib: lib.set_rng_state(lib.zeros(10, dtype=lib.uint8)),
    lambda lib: lib.set_rng_state(lib.zeros(5048, dtype=lib.uint8)),
    lambda lib: lib.set_rng_state(lib.zeros(5056, dtype=lib.uint8)),
    lambda lib: lib.manual_seed(2**64),
], ids=lambda call: "")
def test_errors_are_torchs(call):
    assert _error(lambda: call(mg)) == _error(lambda: call(torch))


@pytest.mark.parametrize("fill", sorted(FILLS))
def test_fills_record_torchs_node_on_a_tensor_that_requires_grad(fill):
    ours = mg.zeros(3, requires_grad=True).clone()
    theirs = torch.zeros(3, requires_grad=True).clone()
    FILLS[fill](ours)
    FILLS[fill](theirs)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    with pytest.raises(RuntimeError, match="leaf Variable"):
        FILLS[fill](mg.zeros(3, requires_grad=True))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("shape", [(7,), (20, 30), (3, 4, 5)])
def test_dropout_mask_is_torchs_cpu_dropout(p, shape):
    def ours():
        x = mg.randn(*shape)
        return x * dropout_mask(x, p)

    _both(6, ours, lambda: torch.nn.functional.dropout(torch.randn(*shape), p))


KERNEL_CHECK = """
import numpy as np, torch, micrograd_nb as mg
from micrograd_nb.autograd import cpu_capability
assert cpu_capability.cpu_capability() == torch.backends.cpu.get_cpu_capability().lower()
for seed in (0, 5):
    for n in (7, 16, 100):
        for draw in (lambda lib, d: lib.empty(n, dtype=d).normal_(1, 3),
                     lambda lib, d: lib.empty(n, dtype=d).uniform_(-0.2236, 0.2236)):
            for ours_dtype, torch_dtype in ((mg.float32, torch.float32),
                                            (mg.float64, torch.float64)):
                mg.manual_seed(seed)
                torch.manual_seed(seed)
                np.testing.assert_array_equal(draw(mg, ours_dtype)._data,
                                              draw(torch, torch_dtype).numpy())
print(cpu_capability.cpu_capability())
"""


@pytest.mark.parametrize("requested", ["default", "avx2", "AVX2", "bogus"])
def test_the_kernels_pytorch_runs_under_aten_cpu_capability(torch, requested):
    # ATEN_CPU_CAPABILITY=default makes PyTorch run its portable kernels (as on machines
    # without AVX2), avx2 its AVX2 build; other values (case counts) are ignored.
    # micrograd_nb reads the same variable, so both libraries pick the same kernels.
    import os
    import subprocess
    import sys

    env = dict(os.environ, ATEN_CPU_CAPABILITY=requested)
    run = subprocess.run([sys.executable, "-c", KERNEL_CHECK], env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    picked = run.stdout.strip()
    if requested in ("default", "avx2"):
        assert picked == requested
    else:
        assert picked == cpu_capability.cpu_capability()


def test_the_capability_is_torchs_in_this_process(torch, monkeypatch):
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    assert cpu_capability.cpu_capability() == torch.backends.cpu.get_cpu_capability().lower()


AVX512_CPU = {"AVX512VL": True, "AVX512BW": True, "AVX512DQ": True, "AVX2": True,
              "FMA3": True}


@pytest.mark.parametrize(("env", "machine", "features", "expected"), [
    (None, "x86_64", AVX512_CPU, "avx512"),
    (None, "AMD64", AVX512_CPU, "avx512"),  # Windows' name for x86-64
    (None, "x86_64", {**AVX512_CPU, "AVX512DQ": False}, "avx2"),
    (None, "x86_64", {"AVX2": True, "FMA3": True}, "avx2"),
    (None, "x86_64", {"AVX2": True, "FMA3": False}, "default"),
    (None, "x86_64", {"AVX": True}, "default"),
    ("default", "x86_64", AVX512_CPU, "default"),
    ("avx2", "x86_64", AVX512_CPU, "avx2"),
    ("avx512", "x86_64", {"AVX2": True, "FMA3": True}, "avx512"),  # PyTorch trusts it
    ("Default", "x86_64", {"AVX2": True, "FMA3": True}, "avx2"),  # not a name: ignored
    (None, "arm64", AVX512_CPU, "default"),  # Apple silicon: no x86 builds
    ("avx2", "aarch64", {}, "default"),
])
def test_the_capability_rule(env, machine, features, expected):
    assert cpu_capability.capability_for(env, machine, features) == expected


def test_the_kernels_follow_the_capability_not_the_operating_system(monkeypatch):
    # Off Linux there is no /proc/cpuinfo; the features come from numpy's detection.
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.setattr(cpu_capability, "_cpu_features", lambda: {"AVX2": True, "FMA3": True})
    monkeypatch.setattr(cpu_capability.platform, "machine", lambda: "AMD64")
    assert cpu_capability.runs_vectorised_kernels()
    monkeypatch.setattr(cpu_capability, "_cpu_features", lambda: {"AVX": True})
    assert not cpu_capability.runs_vectorised_kernels()


WIDE_FLOAT_BOUNDS = [
    (-2**30, 2**30), (0, 2**25 + 3), (-2**24 - 5, 2**24), (3, 2**40), (-2**40, -2**26),
    (2**24 + 1, 2**24 + 9), (-2**31, 2**31), (2**25 + 1, 2**25 + 3), (2**26 + 1, 2**26 + 2),
    (-2**60, 2**62), (None, 2**30), (-2**54, 2**54), (2**25 + 1, 2**25 + 2),
]


def _draw_with_warnings(lib, dtype, bounds):
    import warnings

    lib.manual_seed(11)
    low, high = bounds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = lib.empty(300, dtype=getattr(lib, dtype))
            values = (t.random_(high) if low is None else t.random_(low, high)).numpy()
        except RuntimeError as error:
            values = str(error)
        after = lib.rand(4, dtype=lib.float64).numpy()  # the generator left where torch's is
    # PyTorch adds where in its C++ the warning was raised: not part of the message.
    messages = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    return values, after, messages


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bounds", WIDE_FLOAT_BOUNDS, ids=str)
def test_random_over_ranges_floats_cannot_hold(torch, dtype, bounds):
    ours, theirs = _draw_with_warnings(mg, dtype, bounds), _draw_with_warnings(torch, dtype,
                                                                               bounds)
    if isinstance(theirs[0], str):
        assert ours[0] == theirs[0]
    else:
        np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]
