"""Benchmark 3: a very deep graph.

``y = x; for _ in range(n): y = y * FACTOR``, then the backward pass: ``y.backward()``
for a scalar ``Value``, ``y.sum().backward()`` for a 1-element float64 tensor. Build
and backward are timed separately, with the garbage collector enabled; freeing the
graph afterwards is not timed.
karpathy's micrograd sorts the graph recursively, so it is tried at small depths only
and its RecursionError is reported as a result.
"""

import gc
import math
import statistics
import time

import peers
from timing import describe_error, fmt_ratio, fmt_time, markdown_table

FACTOR = 1.0000001
WARMUP_DEPTH = 10_000
MICROGRAD_DEPTHS = (1_000, 10_000)


def value_chain(Value, n):
    """(build seconds, backward seconds, x.grad)."""
    x = Value(1.0)
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * FACTOR
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built, float(x.grad)


def tensor_chain(lib, n):
    """The same on ``lib.tensor([1.0], dtype=lib.float64, requires_grad=True)``."""
    x = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * FACTOR
    built = time.perf_counter()
    y.sum().backward()
    done = time.perf_counter()
    return built - start, done - built, float(x.grad.numpy()[0])


def check_grad(grad, n):
    expected = FACTOR**n
    if not math.isclose(grad, expected, rel_tol=1e-6):
        raise AssertionError(f"x.grad is {grad!r}, expected {expected!r} (= {FACTOR}**{n})")


def run_case(fn, n):
    gc.collect()  # start clean: no one pays for an earlier case's garbage
    build, backward, grad = fn(n)
    check_grad(grad, n)
    return build, backward


def run(n, repeat):
    """Returns (markdown text, list of failure messages)."""
    title = f"3. {n:,}-node chain"
    loaders = {
        "micrograd_nb Value": (peers.micrograd_nb_value, value_chain),
        "micrograd_nb Tensor": (peers.micrograd_nb_tensor, tensor_chain),
        "torch (1 thread)": (peers.torch, tensor_chain),
    }
    rows, failures, cases = {}, [], {}
    for label, (loader, chain_fn) in loaders.items():
        try:
            lib = loader()
        except peers.Skip as skip:
            rows[label] = [label, f"{n:,}", f"skipped: {skip}"]
            continue
        cases[label] = lambda k, lib=lib, chain_fn=chain_fn: chain_fn(lib, k)

    # warm up, then time in rounds, the order rotating from round to round
    samples = {label: [] for label in cases}
    broken = {}
    for label, fn in cases.items():
        try:
            run_case(fn, min(n, WARMUP_DEPTH))
        except Exception as error:
            broken[label] = error
    live = [label for label in cases if label not in broken]
    for round_index in range(repeat):
        shift = round_index % len(live) if live else 0
        for label in live[shift:] + live[:shift]:
            if label in broken:
                continue
            try:
                samples[label].append(run_case(cases[label], n))
            except Exception as error:
                broken[label] = error

    totals = {label: sorted(b + f for b, f in runs) for label, runs in samples.items()
              if runs and label not in broken}
    torch_total = totals.get("torch (1 thread)")
    for label in cases:
        if label in broken:
            error = broken[label]
            rows[label] = [label, f"{n:,}", f"error: {describe_error(error)}"]
            failures.append(f"{title}: {label} failed: {describe_error(error)}")
            continue
        runs = samples[label]
        median = statistics.median(totals[label])
        rows[label] = [
            label,
            f"{n:,}",
            fmt_time(statistics.median([b for b, _ in runs])),
            fmt_time(statistics.median([f for _, f in runs])),
            fmt_time(median),
            fmt_time(totals[label][0]),
            fmt_time(totals[label][-1]),
            str(len(runs)),
            fmt_ratio(median / statistics.median(torch_total)) if torch_total else "n/a",
        ]

    micrograd_rows = []
    try:
        Value, _ = peers.micrograd()
    except peers.Skip as skip:
        micrograd_rows.append(["micrograd 0.1.0", "", f"skipped: {skip}"])
    else:
        for depth in MICROGRAD_DEPTHS:
            try:
                build, backward = run_case(lambda k: value_chain(Value, k), depth)
            except RecursionError:
                micrograd_rows.append(["micrograd 0.1.0", f"{depth:,}", "RecursionError"])
            except Exception as error:
                micrograd_rows.append(["micrograd 0.1.0", f"{depth:,}",
                                       f"error: {describe_error(error)}"])
            else:
                micrograd_rows.append(["micrograd 0.1.0", f"{depth:,}", fmt_time(build),
                                       fmt_time(backward), fmt_time(build + backward),
                                       "", "", "1", ""])

    headers = ["implementation", "depth", "build", "backward", "build + backward",
               "min", "max", "runs", "vs torch"]
    lines = [
        f"## {title}",
        "",
        f"`y = x; for _ in range(n): y = y * {FACTOR}`, then `y.backward()` (Value) or "
        "`y.sum().backward()` (1-element float64 tensor). Medians over the runs; x.grad is "
        "checked against the exact derivative.",
        "",
        markdown_table(headers, list(rows.values()) + micrograd_rows,
                       ["l"] + ["r"] * (len(headers) - 1)),
    ]
    return "\n".join(lines), failures

