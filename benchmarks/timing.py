"""Timing and markdown tables.

Every case is warmed up, then timed in rounds: each round takes one sample of every
case, in an order that rotates from round to round, so slow drifts of a noisy machine
(another process, frequency scaling) spread over all cases instead of landing on one.
A sample is ``number`` back-to-back calls timed with ``time.perf_counter``, divided by
``number``; ``number`` is picked per case so a sample lasts about ``target`` seconds.

The garbage collector stays enabled for everyone, and its work is billed to whoever
made the garbage: before a sample, ``gc.collect()`` clears what earlier cases left and
one untimed call of the case itself brings the heap to the steady state of a training
loop, where each call also pays for collecting the previous call's graph. (This
matters for karpathy's micrograd, whose graphs are reference cycles that only the
collector frees.)
"""

import gc
import math
import statistics
import time
from dataclasses import dataclass


@dataclass
class Stats:
    """Seconds per call over ``len(samples)`` samples of ``number`` calls each."""

    samples: list
    number: int

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def min(self):
        return min(self.samples)

    @property
    def max(self):
        return max(self.samples)

    @property
    def iqr(self):
        if len(self.samples) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q3 - q1


def calls_per_sample(fn, target):
    """How many back-to-back calls of ``fn`` last about ``target`` seconds (at least 1)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    if once >= target:
        return 1
    return max(1, math.ceil(target / max(once, 1e-9)))


def time_calls(fn, number):
    gc.collect()
    fn()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def measure(cases, repeat, target, warmup=0):
    """Time each callable of ``cases`` (name -> fn). Returns name -> ``Stats``, or the
    exception a case raised (that case is then left out of the later rounds).

    Untimed calls come first: ``warmup`` of them, then the one that picks ``number``;
    and every sample starts with one more (see the module's docstring)."""
    results = {}
    numbers = {}
    for name, fn in cases.items():
        try:
            for _ in range(warmup):
                fn()
            numbers[name] = calls_per_sample(fn, target)
        except Exception as error:  # reported in the table, not raised
            results[name] = error
    names = list(numbers)
    samples = {name: [] for name in names}
    for round_index in range(repeat):
        shift = round_index % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            if name in results:
                continue
            try:
                samples[name].append(time_calls(cases[name], numbers[name]))
            except Exception as error:
                results[name] = error
    for name in names:
        if name not in results:
            results[name] = Stats(samples[name], numbers[name])
    return {name: results[name] for name in cases}


def fmt_time(seconds):
    """Three significant digits in s, ms or µs."""
    if seconds >= 1:
        return f"{seconds:.3g} s" if seconds < 100 else f"{seconds:.0f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(ratio):
    return f"{ratio:.2f}x"


def describe_error(error):
    text = str(error).splitlines()[0] if str(error) else ""
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def markdown_table(headers, rows, align=None):
    """A markdown table; ``align`` has one of "l"/"r" per column (default: first left,
    the rest right)."""
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    rules = {"l": "---", "r": "--:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rules[a] for a in align) + " |",
    ]
    for row in rows:
        cells = [str(cell) for cell in row] + [""] * (len(headers) - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def stats_table(results, labels, baseline=None):
    """One row per case: median, IQR, min, max per call, how many calls were timed, and
    the ratio of medians against ``baseline`` when given. ``results`` values may be
    ``Stats``, an exception, or a status string such as ``"skipped: ..."``."""
    headers = ["implementation", "median", "IQR", "min", "max", "runs"]
    base = results.get(baseline)
    if baseline is not None:
        headers.append(f"vs {labels[baseline]}")
    rows = []
    for name, result in results.items():
        label = labels[name]
        if isinstance(result, Stats):
            row = [
                label,
                fmt_time(result.median),
                fmt_time(result.iqr),
                fmt_time(result.min),
                fmt_time(result.max),
                f"{len(result.samples)} x {result.number}",
            ]
            if baseline is not None:
                row.append(fmt_ratio(result.median / base.median)
                           if isinstance(base, Stats) else "n/a")
        elif isinstance(result, BaseException):
            row = [label, f"error: {describe_error(result)}"]
        else:
            row = [label, result]
        rows.append(row)
    return markdown_table(headers, rows)


def goal_line(results, labels, numerator, denominator, goal):
    """``a / b = 0.35 (goal <= 0.40: met)``, or why the ratio cannot be given."""
    name = f"{labels[numerator]} / {labels[denominator]}"
    a, b = results.get(numerator), results.get(denominator)
    if not (isinstance(a, Stats) and isinstance(b, Stats)):
        return f"- {name}: n/a (goal <= {goal:.2f})"
    ratio = a.median / b.median
    verdict = "met" if ratio <= goal else "not met"
    return f"- {name} = {ratio:.2f} (goal <= {goal:.2f}: {verdict})"
