"""One pass, one step count: the still picture's text, the stepper's and the recorded
pass's say the same number of steps after the seed (lesson 0 shows all three)."""

import re

import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import record
from micrograd_nb.jupyter.stepper import PassStepper
from micrograd_nb.viz import draw


def value_pass():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a
    c.backward()


def tensor_pass():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    ((x * x).sum() * 2).backward()


@pytest.mark.parametrize("run", [value_pass, tensor_pass])
def test_graph_stepper_and_pass_count_the_same_steps(run):
    with record() as passes:
        run()
    recorded = passes[0]
    counts = []
    for text in (repr(draw(recorded)), repr(PassStepper(draw(recorded)))):
        found = re.search(r"(\d+) nodes, (\d+) steps after the seed>", text)
        assert found, text
        counts.append(int(found.group(2)))
    from_pass = int(re.search(r"steps=(\d+)", repr(recorded)).group(1))
    assert counts == [from_pass, from_pass] == [len(recorded.steps)] * 2
