"""Benchmarks: micrograd_nb against karpathy's micrograd, PyTorch and numpy.

    .venv/bin/python benchmarks/run.py             # full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick     # smoke run, under a minute

Prints one markdown table per benchmark. Times are reported, never asserted; the exit
status is non-zero only when a result is wrong (gradients that disagree, an
implementation that raises) or, with MICROGRAD_NB_REQUIRE_TORCH=1, torch is missing.
"""

import argparse
import os
import platform
import sys
import time
import traceback

import batched_net
import chain
import demo_net
import lenet
import memory
import peers
import torch_record
import value_training
import viz


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed samples per implementation (default 7; 3 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: fewer samples, a 10,000-node chain")
    parser.add_argument("--only", choices=("demo", "batched", "chain", "viz", "memory",
                                           "torch_record", "value_training", "lenet"),
                        action="append",
                        help="run only these benchmarks (repeatable; default: all)")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        repeat = args.repeat or 3
        target = 0.02  # seconds per timed sample
        chain_n, chain_repeat = 10_000, 1
        memory_n = 20_000
        training_steps, training_repeat = 10, 1
    else:
        repeat = args.repeat or 7
        target = 0.1
        chain_n, chain_repeat = 1_000_000, min(repeat, 3)
        memory_n = 200_000
        training_steps, training_repeat = 100, 1

    started = time.perf_counter()
    print("# micrograd_nb benchmarks" + (" (--quick)" if args.quick else ""))
    print()
    print(f"Python {platform.python_version()}, {peers.versions()}; "
          f"{platform.machine()}, {os.cpu_count()} CPUs; {repeat} "
          f"sample{'s' if repeat != 1 else ''} per implementation, gc enabled.")
    sys.stdout.flush()

    failures = []
    benchmarks = {
        "demo": lambda: demo_net.run(repeat, target),
        "batched": lambda: batched_net.run(repeat, target),
        "chain": lambda: chain.run(chain_n, chain_repeat),
        "viz": lambda: viz.run(repeat, target),
        "memory": lambda: memory.run(memory_n, 3),
        "torch_record": lambda: torch_record.run(repeat, target),
        "value_training": lambda: value_training.run(training_steps, training_repeat),
        "lenet": lambda: lenet.run(repeat, target),
    }
    for name, benchmark in benchmarks.items():
        if args.only and name not in args.only:
            continue
        try:
            text, found = benchmark()
        except Exception:  # one broken benchmark is reported; the others still run
            text = f"## {name}\n\nerror:\n\n```\n{traceback.format_exc()}```"
            found = [f"benchmark {name} raised"]
        print()
        print(text)
        sys.stdout.flush()
        failures += found

    if peers.torch_required():
        try:
            peers.torch()
        except peers.Skip as skip:
            failures.append(f"MICROGRAD_NB_REQUIRE_TORCH is set but {skip}")

    print()
    print(f"Finished in {time.perf_counter() - started:.1f} s.")
    if failures:
        print(file=sys.stderr)
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
