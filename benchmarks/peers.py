"""The implementations compared, loaded on demand.

Each loader returns what a benchmark needs or raises ``Skip`` with the reason, so a
missing or half-written peer becomes a "skipped: <reason>" row instead of a crash.
"""

import importlib.metadata
import os


class Skip(Exception):
    """A peer that cannot run here; the message says why."""


def set_up(makers, labels, title):
    """Each peer's timed call made, run once untimed, and what it computed read.

    ``makers`` maps a key to a function giving ``(step, read)``: the call to time, and a
    function reading its outcome (loss, gradients) after a call. Returns ``(results,
    cases, outcomes, failures)``: per key, None where it is set up (its timings come
    later), "skipped: ..." or the exception it raised; the steps to time; what each read;
    and a message per peer that failed."""
    from timing import describe_error

    results, cases, outcomes, failures = {}, {}, {}, []
    for key, make in makers.items():
        try:
            step, read = make()
            step()
            outcomes[key] = read()
        except Skip as skip:
            results[key] = f"skipped: {skip}"
        except Exception as error:
            results[key] = error
            failures.append(f"{title}: {labels[key]} failed: {describe_error(error)}")
        else:
            results[key] = None
            cases[key] = step
    return results, cases, outcomes, failures


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _skip(what, error):
    return Skip(f"{what} not importable ({type(error).__name__}: {error})")


def micrograd():
    """karpathy's micrograd from PyPI: ``(Value, MLP)``."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except Exception as error:
        raise _skip("micrograd", error) from error
    return Value, MLP


def micrograd_nb_value():
    """micrograd_nb's micrograd-compatible scalar ``Value``."""
    try:
        from micrograd_nb import Value
    except Exception as error:
        raise _skip("micrograd_nb Value", error) from error
    return Value


def micrograd_nb_mlp():
    """micrograd_nb's micrograd-compatible ``(Value, MLP)``."""
    Value = micrograd_nb_value()
    try:
        from micrograd_nb.nn import MLP
    except Exception as error:
        raise _skip("micrograd_nb.nn.MLP", error) from error
    return Value, MLP


def micrograd_nb_tensor():
    """micrograd_nb's PyTorch-like Tensor API: the ``micrograd_nb`` module."""
    try:
        import micrograd_nb as mg

        for name in ("tensor", "float64"):  # what the benchmarks use
            getattr(mg, name)
    except Exception as error:
        raise _skip("micrograd_nb Tensor", error) from error
    return mg


def torch():
    """PyTorch on the CPU, held to one thread like the pure-Python peers."""
    try:
        import torch
    except Exception as error:
        raise _skip("torch", error) from error
    torch.set_num_threads(1)
    return torch


def torch_required():
    """CI sets ``MICROGRAD_NB_REQUIRE_TORCH=1``: there a missing torch is a failure."""
    return os.environ.get("MICROGRAD_NB_REQUIRE_TORCH", "") not in ("", "0")


def versions():
    """One line naming what is installed, for the report's header."""
    parts = []
    for label, distribution in [
        ("micrograd_nb", "micrograd_nb"),
        ("micrograd", "micrograd"),
        ("torch", "torch"),
        ("numpy", "numpy"),
    ]:
        parts.append(f"{label} {_version(distribution)}")
    return ", ".join(parts)


def ipython_shell():
    """IPython's test shell, the same one on every call: ``start_ipython`` makes it once
    and returns None when called again, so the benchmarks that time the magic share it."""
    from IPython.testing.globalipapp import get_ipython

    return get_ipython()
