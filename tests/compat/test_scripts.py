"""Teaching-style scripts (tests/compat/scripts, written for these tests) print the same
on PyTorch as on ``micrograd-nb run``: the corpus comparison of scripts/corpus.py, small
enough for CI."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.py"))


def corpus():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "scripts" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_same_output_as_pytorch(script, torch, tmp_path):
    def run(*command):
        done = subprocess.run([sys.executable, *command, str(script)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    on_torch = run()
    on_ours = run("-m", "micrograd_nb.cli", "run")
    verdict, detail = corpus().compare(on_torch, on_ours)
    assert verdict in ("identical", "same numbers"), detail


def test_comparison_can_fail():
    compare = corpus().compare
    assert compare("tensor([1.0000])\n", "tensor([1.0000])\n") == ("identical", None)
    assert compare("torch.float32 1.00001\n", "micrograd_nb.float32 1.00002\n")[0] == "same numbers"
    assert compare("loss 1.0\n", "loss 1.5\n")[0] == "fails"
    assert compare("a\nb\n", "a\n")[0] == "fails"


def test_cells_become_one_program(tmp_path):
    c = corpus()
    markdown = ("```{.python .input}\n%%tab pytorch\nx = 2\nx * 3\n```\n"
                "```{.python .input}\n%%tab mxnet\nx = 5\n```\n"
                "```{.python .input}\nx + 1\n```\n")
    program = c.program_from_cells(c.cells_of_markdown(markdown))
    path = tmp_path / "p.py"
    path.write_text(program)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    assert done.stdout == "6\n3\n"


def test_a_seeded_program_keeps_its_future_imports_first(tmp_path):
    program = tmp_path / "p.py"
    program.write_text('"""Doc."""\nfrom __future__ import annotations\nprint("ran")\n')
    seeded = corpus().seeded(program, 0)
    lines = seeded.read_text().splitlines()
    assert lines[:2] == ['"""Doc."""', "from __future__ import annotations"]
    assert "torch.manual_seed(0)" in lines[2:4]
