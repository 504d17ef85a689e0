"""Benchmark: memory per graph node.

A chain ``y = y * FACTOR`` of ``n`` ops is built in a fresh process for each engine, and
the growth of the process's resident memory while it is built, divided by ``n``, is the
cost of one node: the output value, its grad_fn node and what the node saves. RSS is
the measure every engine shares (PyTorch's nodes live in C++, out of tracemalloc's
sight). Each engine is measured in its own process, several times; the median is
reported, with the ratio against PyTorch.
"""

import statistics
import subprocess
import sys
from pathlib import Path

import peers
from timing import markdown_table

FACTOR = 1.0000001

# Each program prints the bytes of resident memory the chain added. The input is made
# and the allocator warmed up first, so only the graph is counted.
_PROGRAM = """
import gc, os, sys
sys.path.insert(0, {here!r})
PAGE = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE

n = {n}
{setup}
gc.collect()
before = rss()
y = x
for _ in range(n):
    y = y * {factor}
gc.collect()
print(rss() - before)
"""

ENGINES = {
    "micrograd_nb Value": "from micrograd_nb import Value\nx = Value(1.0)",
    "micrograd Value (karpathy)": "from micrograd.engine import Value\nx = Value(1.0)",
    "micrograd_nb Tensor": ("import micrograd_nb as mg\n"
                            "x = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)"),
    "PyTorch": ("import torch\ntorch.set_num_threads(1)\n"
                "x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)"),
}
PEERS = {"micrograd Value (karpathy)": peers.micrograd, "PyTorch": peers.torch,
         "micrograd_nb Value": peers.micrograd_nb_value,
         "micrograd_nb Tensor": peers.micrograd_nb_tensor}


def bytes_per_node(setup, n):
    program = _PROGRAM.format(here=str(Path(__file__).parent), n=n, setup=setup, factor=FACTOR)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return int(done.stdout.split()[-1]) / n


def run(n, repeat):
    results = {}
    for name, setup in ENGINES.items():
        try:
            PEERS[name]()
            results[name] = statistics.median(bytes_per_node(setup, n) for _ in range(repeat))
        except peers.Skip as skip:
            results[name] = f"skipped: {skip}"
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            results[name] = f"error: {error}"
    torch_bytes = results.get("PyTorch")
    rows = []
    for name, result in results.items():
        if isinstance(result, float):
            ratio = (f"{result / torch_bytes:.2f}x" if isinstance(torch_bytes, float)
                     else "n/a")
            rows.append([name, f"{result:.0f} B", ratio])
        else:
            rows.append([name, result, ""])
    text = (f"## Memory per graph node ({n:,}-op chain, median of {repeat} processes)\n\n"
            + markdown_table(["engine", "bytes per node", "vs PyTorch"], rows))
    failures = [f"memory: {name}: {r}" for name, r in results.items()
                if isinstance(r, str) and r.startswith("error")]
    return text, failures
