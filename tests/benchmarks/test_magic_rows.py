"""The benchmark rows that time the magic run one after another in one process, as
``benchmarks/run.py`` runs them: they share IPython's test shell. The times printed are
not checked, only that every row has one."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import torch_record, viz
print(viz.magic_overhead(1, 0.001))
print(torch_record.magic_overhead(1, 0.001))
"""


def test_both_magic_benchmarks_run_in_one_process():
    pytest.importorskip("torch")
    pytest.importorskip("IPython")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(BENCHMARKS)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stdout
    for label in ("%%autograd (record + draw)", "a torch MLP training step",
                  "%%autograd --quiet (record only)", "its picture laid out alone",
                  "is the renderer laying it out", "%%autograd --predict"):
        assert label in done.stdout
