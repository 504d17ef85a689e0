"""Practice mode (predict.py, predict.js): every op has a hint; for a recorded pass of every
op, each question's expected answer is the engine's gradient; predict.js (run in node)
accepts the right answer and rejects a wrong one with the rule's hint, as the Python
mirror does."""

import json
import subprocess

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd import ops as ops_table
from micrograd_nb.autograd.hints import FOCUS, HINTS, TORCH_COMMON, hint_for
from micrograd_nb.autograd.op import Op
from micrograd_nb.autograd.record import record
from micrograd_nb.jupyter import stepper as stepper_module
from micrograd_nb.jupyter.predict import (
    MISSING,
    STILL_NOTE,
    check,
    fill,
    parse_answer,
    questions,
)
from micrograd_nb.jupyter.stepper import PassStepper, frame_states, picture_of
from micrograd_nb.viz import draw
from micrograd_nb.viz.model import short

from ..autograd.test_op_gradients import OPS as OP_CASES
from .conftest import run
from .test_stepper import (
    NODE,
    _output_parts,
    _svg_texts,
    needs_node,
    needs_renderer,
    tensor_pass,
    value_pass,
)

PREDICT_JS = stepper_module.PREDICT_JS


# ---------------------------------------------------------------------------------------
# Hints as data: one per rule.

def table_names():
    return sorted({op.name for op in vars(ops_table).values() if isinstance(op, Op)})


def value_op_names():
    a, b = mg.Value(2.0), mg.Value(0.5)
    made = [a + b, a * b, a ** 2, a ** b, a.relu(), a.tanh(), a.exp(), a.log()]
    return sorted({v._op for v in made})


def test_every_op_of_the_table_of_value_and_common_torch_nodes_has_a_hint():
    names = table_names() + value_op_names() + list(TORCH_COMMON)
    assert len(table_names()) > 80  # the table is read, not an empty list
    missing = [name for name in names if hint_for(name) is None]
    assert missing == []


def test_a_hint_names_only_numbers_it_can_be_given():
    import re

    own = {"exponent", "base", "alpha", "weight", "beta", "negative_slope", "other"}
    for name, hint in HINTS.items():
        for template in hint.rules:
            for wanted in re.findall(r"\{([A-Za-z_]+@?)\}", template):
                known = {"g", "ans", "at", "count", *hint.inputs} | own | set(
                    FOCUS.get(hint.focus, ()))
                assert wanted.rstrip("@") in known, (name, wanted)


# ---------------------------------------------------------------------------------------
# Recorded passes of every op: the questions against the engine's gradients.

def op_pass(case):
    """A pass through one op, weighted so that the incoming gradient is not all ones:
    (the pass, its picture, {picture id: the tensor whose gradient reaches it})."""
    function, make = OP_CASES[case]
    leaves = make()
    out = function(*leaves)
    out.retain_grad()
    weights = mg.tensor(np.random.default_rng(7).uniform(0.5, 2.0, out.shape),
                        dtype=out.dtype)
    loss = (out * weights).sum()
    with record(saved=True) as passes:
        loss.backward()
    names = {id(leaf): f"in{k}" for k, leaf in enumerate(leaves)}
    names[id(out.grad_fn)] = "out"
    graph = draw(passes[0], names=names)
    known = {}
    for node in graph.model.nodes:
        if node.title == "out" or node.title.startswith("out = "):
            known[node.id] = out
        for k, leaf in enumerate(leaves):
            if node.title == f"in{k}":
                known[node.id] = leaf
    return passes[0], graph, known


def element(question):
    return tuple(json.loads(question["element"] or "[]"))


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_each_expected_answer_is_the_engines_gradient(case):
    recorded, graph, known = op_pass(case)
    asked = questions(graph, recorded)["questions"]
    visits = [f for f in graph.model.frames if f.kind == "visit"]
    assert len(asked) == sum(len(f.edges) for f in visits)  # every edge is asked about
    users = {}
    for edge in graph.model.edges:
        users[edge.src] = users.get(edge.src, 0) + 1
    compared = 0
    for q in asked:
        assert hint_for(q["op"]) is not None
        src = q["edge"].split("->")[0]
        if src in known and users[src] == 1:  # its .grad is what this one edge sent
            grad = np.asarray(known[src].grad._data, dtype=np.float64)
            assert q["expected"] == pytest.approx(float(grad[element(q)]), rel=1e-9,
                                                  abs=1e-12), q["prompt"]
            compared += 1
    assert compared >= 1  # at least the leaf or the op's output was checked


@pytest.mark.parametrize("case", ["mul", "div", "tanh", "exp", "log", "pow_scalar", "relu",
                                  "sqrt", "sigmoid"])
def test_pointwise_hints_quote_every_number(case):
    recorded, graph, _ = op_pass(case)
    for q in questions(graph, recorded)["questions"]:
        right, hint = check(q, repr(q["expected"]))
        assert right and hint is None
        right, hint = check(q, repr(q["expected"] * 1.01 + 0.5))
        assert not right and MISSING not in hint and "{" not in hint


def test_the_issues_example_hint():
    a, b = mg.Value(2.0), mg.Value(-3.0)
    loss = (a * b) * 2.0
    with record() as passes:
        loss.backward()
    asked = draw(passes[0], predict=True).predict["questions"]
    to_a = [q for q in asked if q["op"] == "*" and q["expected"] == -6.0
            and q["template"].startswith("d(a*b)/da")]
    assert len(to_a) == 1
    right, hint = check(to_a[0], "4")
    assert not right
    assert hint == "d(a*b)/da = b, and b is -3.0; times the incoming gradient 2.0"
    assert check(to_a[0], "-6.0") == (True, None)
    assert check(to_a[0], "2 * -3") == (True, None)  # arithmetic is an answer too
    assert check(to_a[0], "-6.005")[0] is True  # within the relative 1e-3 shown
    assert check(to_a[0], "-6.01")[0] is False


def test_tensor_questions_pick_a_masked_relu_entry_and_a_broadcast_input():
    x = mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    w = mg.tensor([0.5, -1.0], requires_grad=True)
    with record(saved=True) as passes:
        ((x * w).relu() * 2).sum().backward()
    asked = questions(draw(passes[0]), passes[0])["questions"]
    (relu,) = [q for q in asked if q["op"] == "ReluBackward0"]
    assert relu["expected"] == 0.0 and relu["element"] == "[1, 1]"  # x*w = -3 there
    (to_w,) = [q for q in asked if q["op"] == "MulBackward0" and q["edge"].startswith(
        next(n.id for n in draw(passes[0]).model.nodes if n.shape == (2,)))]
    assert to_w["element"] == "[0]" and to_w["expected"] == w.grad._data[0]
    assert "broadcast" in to_w["template"] and "over the 2 entries" in to_w["template"]


def test_a_torch_pass_is_practised_too(torch):
    torch.manual_seed(0)
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, 1.5, -1.0], requires_grad=True)
    with record(saved=True) as passes:
        ((x * w).tanh() * 3).sum().backward()
    asked = draw(passes[0], predict=True).predict["questions"]
    ops = [q["op"] for q in asked]
    assert "MulBackward0" in ops and "TanhBackward0" in ops
    leaf_grads = {tuple(x.grad.tolist()), tuple(w.grad.tolist())}
    to_leaves = [q for q in asked if q["op"] == "MulBackward0"
                 and "AccumulateGrad" in q["prompt"]]
    assert len(to_leaves) == 2
    for q in to_leaves:
        assert any(q["expected"] == pytest.approx(g[element(q)[0]]) for g in leaf_grads)
        assert MISSING not in fill(q["template"], q["numbers"])


def test_predict_needs_a_pass():
    with pytest.raises(TypeError, match="recorded pass"):
        draw(mg.tensor([1.0], requires_grad=True), predict=True)


def test_the_output_carries_the_questions_and_predict_js_only_when_asked():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with record() as passes:
        (x * x).sum().backward()
    plain, practice = PassStepper(draw(passes[0]))._repr_html_(), draw(
        passes[0], predict=True)._repr_html_()
    assert "function mountPredict" not in plain and '"predict"' not in plain
    assert "function mountPredict" in practice and '"predict":{' in practice
    assert 'class="mgnb-still"' in practice  # the still picture where scripts cannot run


def test_magic_predict_flag(loaded):
    cell = "%%autograd --predict\na = mg.Value(2.0)\nb = mg.Value(-3.0)\n(a * b).backward()\n"
    result, captured = run(loaded, cell)
    assert result.success
    (bundle,) = [o.data for o in captured.outputs if "text/html" in o.data]
    page = bundle["text/html"]
    assert "function mountPredict" in page and "d(a*b)/da = b" in page


# ---------------------------------------------------------------------------------------
# predict.js in node against the Python mirror.

NODE_CHECK = """
const { readFileSync } = require("node:fs");
const mod = require(process.argv[2]);
const { questions, rtol, texts } = JSON.parse(readFileSync(process.argv[3], "utf8"));
const out = questions.map((q) => ({
  right: mod.checkAnswer(q, String(q.expected), rtol),
  close: mod.checkAnswer(q, String(q.expected * (1 + rtol / 2)), rtol),
  wrong: mod.checkAnswer(q, String(q.expected * 1.01 + 0.5), rtol),
  garbage: mod.checkAnswer(q, "two", rtol),
}));
const parsed = texts.map((t) => mod.parseAnswer(t));
const results = questions.map((_, i) => ({ tries: i % 3 === 0 ? 2 : 1, revealed: i % 5 === 0 }));
console.log(JSON.stringify({ out, parsed, summary: mod.summarize(questions, results) }));
"""

TEXTS = ["-6", "2 * -3", "1e-3", ".5", "(1 + 2) / 4", "-(2 - 5) * 2", "1/0", "2 ** 3", "abc",
         "", "3 4", "0.25e1", "--2", "1.5.2"]


@needs_node
def test_predict_js_checks_and_hints_as_the_python_side(tmp_path):
    asked = []
    for case in sorted(OP_CASES):
        recorded, graph, _ = op_pass(case)
        asked += questions(graph, recorded)["questions"]
    a, b = mg.Value(2.0), mg.Value(-3.0)
    with record() as passes:
        ((a * b + a).tanh() * a).backward()
    asked += questions(draw(passes[0]), passes[0])["questions"]
    module = tmp_path / "predict.cjs"
    module.write_text(PREDICT_JS.read_text(encoding="utf-8"), encoding="utf-8")
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"questions": asked, "rtol": 1e-3, "texts": TEXTS}),
                    encoding="utf-8")
    script = tmp_path / "check.cjs"
    script.write_text(NODE_CHECK, encoding="utf-8")
    done = subprocess.run([NODE, str(script), str(module), str(data)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["out"]) == len(asked) > 200
    for q, verdicts in zip(asked, result["out"]):
        assert verdicts["right"] == {"right": True, "hint": None}, q["prompt"]
        assert verdicts["close"]["right"] is True
        hint = fill(q["template"], q["numbers"])
        assert verdicts["wrong"] == {"right": False, "hint": hint}, q["prompt"]
        assert verdicts["garbage"] == {"right": False, "hint": hint}
        assert check(q, repr(q["expected"] * 1.01 + 0.5)) == (False, hint)
        assert "{" not in hint
    assert result["parsed"] == [parse_answer(t) for t in TEXTS]
    summary = result["summary"]
    trouble = {}
    for i, q in enumerate(asked):
        if i % 3 == 0 or i % 5 == 0:
            trouble[q["op"]] = trouble.get(q["op"], 0) + 1
    assert summary["trouble"] == trouble
    assert summary["first"] == len(asked) - sum(trouble.values())
    assert summary["text"].startswith(f"{summary['first']} of {len(asked)} right at the first")


@needs_node
def test_predict_js_syntax_as_shipped(tmp_path):
    """The script of a practice output (stepper.js + predict.js) parses as one file."""
    module = tmp_path / "both.cjs"
    module.write_text(stepper_module.JS.read_text(encoding="utf-8") + "\n"
                      + PREDICT_JS.read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run([NODE, "--check", str(module)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------
# The still picture of a practice output: the graph without its answers.

@needs_renderer
@pytest.mark.parametrize("make", [tensor_pass, value_pass], ids=["tensor", "value"])
def test_the_practice_still_hides_every_gradient_and_the_plain_one_keeps_them(make):
    recorded, names, _ = make()
    graph = draw(recorded, names=names)
    plain, practice = PassStepper(graph), PassStepper(graph, predict=recorded)
    plain_still, _, _ = _output_parts(plain._repr_html_())
    practice_html = practice._repr_html_()
    practice_still, data, _ = _output_parts(practice_html)
    shown, hidden = _svg_texts(plain_still), _svg_texts(practice_still)
    # the plain still shows the engine's gradients: the last frame's, every one
    final = frame_states(plain)[-1]
    assert final["grads"] and all(f"grad {t}" in shown["nodes"][n]
                                  for n, t in final["grads"].items())
    # the practice still: the same nodes, edges and texts, each gradient a "?"
    assert hidden.keys() == shown.keys()
    assert {k: len(v) for k, v in hidden["nodes"].items()} == {
        k: len(v) for k, v in shown["nodes"].items()}
    grad_texts = [t for texts in hidden["nodes"].values() for t in texts
                  if t.startswith("grad ")]
    edge_texts = [t for texts in hidden["edges"].values() for t in texts]
    assert len(grad_texts) == len(final["grads"]) and set(grad_texts) == {"grad ?"}
    assert edge_texts and set(edge_texts) == {"∂ ?"}
    for key, texts in shown["nodes"].items():  # all else as it was (names, data, visits)
        assert [t for t in texts if not t.startswith("grad ")] == [
            t for t in hidden["nodes"][key] if not t.startswith("grad ")]
    # the stepper built from it finds what it finds in the full picture
    assert picture_of(practice_still) == picture_of(plain_still)
    assert data["predict"]["questions"]
    assert STILL_NOTE.split(":")[0] in practice_html and "mgnb-still-note" in practice_html
    assert 'class="mgnb-still-note"' not in plain._repr_html_()
    assert "hidden for practice" in practice_html  # the picture's alt text says so too
    bundle, plain_bundle = practice._repr_mimebundle_(), plain._repr_mimebundle_()
    assert bundle["image/svg+xml"] == practice_still  # no answers there either
    assert plain_bundle["image/svg+xml"] == plain_still


# ---------------------------------------------------------------------------------------
# Hints of rules that are not pointwise: the numbers that meet at the element asked about.

HINT_CHARS = 280  # a hint is read in one go: a sentence or two, never a wall of arrays


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_every_hint_is_short_and_names_the_element_asked_about(case):
    recorded, graph, _ = op_pass(case)
    for q in questions(graph, recorded)["questions"]:
        hint = fill(q["template"], q["numbers"])
        assert len(hint) <= HINT_CHARS, (len(hint), hint)
        assert MISSING not in hint or q["op"] in MAY_MISS, hint
        if q["element"] and not hint_for(q["op"]).pointwise:
            assert q["element"] in hint, hint  # the entry the numbers are of
        if hint_for(q["op"]).focus:
            assert {n for n in q["numbers"] if n in FOCUS[hint_for(q["op"]).focus]}, hint


# ops whose hint may quote a number the pass did not keep (PyTorch saves no input there)
MAY_MISS = {"NotImplemented"}


def _leaf_pass(function, *leaves):
    """``function(*leaves)`` weighted (the incoming gradient is the weights), recorded:
    (its questions, the weights as an array, the leaves' arrays)."""
    out = function(*leaves)
    weights = mg.tensor(np.random.default_rng(3).uniform(0.5, 2.0, out.shape))
    with record(saved=True) as passes:
        (out * weights).sum().backward()
    names = {id(leaf): f"in{k}" for k, leaf in enumerate(leaves)}
    asked = questions(draw(passes[0], names=names), passes[0])["questions"]
    return asked, weights._data, [leaf._data for leaf in leaves]


def _only(asked, op, to):
    (q,) = [q for q in asked if q["op"] == op and f"to {to}" in q["prompt"]]
    return q, element(q)


def test_a_matmul_hint_quotes_the_row_and_the_column_that_meet_at_the_entry():
    a = mg.tensor(np.arange(6.0).reshape(2, 3) - 2, requires_grad=True)
    b = mg.tensor(np.arange(12.0).reshape(3, 4) / 4 - 1, requires_grad=True)
    asked, g, (a_, b_) = _leaf_pass(lambda x, y: x @ y, a, b)
    q, (i, j) = _only(asked, "MmBackward0", "in0")
    assert q["numbers"]["g_row"] == short(g[i, :]) and q["numbers"]["b_row"] == short(b_[j, :])
    assert q["expected"] == pytest.approx(g[i, :] @ b_[j, :])  # the two numbers quoted meet
    q, (i, j) = _only(asked, "MmBackward0", "in1")
    assert q["numbers"]["a_col"] == short(a_[:, i]) and q["numbers"]["g_col"] == short(g[:, j])
    assert q["expected"] == pytest.approx(a_[:, i] @ g[:, j])
    hint = fill(q["template"], q["numbers"])
    assert short(g) not in hint and short(a_) not in hint  # not the whole arrays


def test_sum_mean_softmax_and_expand_hints_quote_the_entries_that_matter():
    x = mg.tensor(np.arange(6.0).reshape(2, 3) / 3, requires_grad=True)
    asked, g, _ = _leaf_pass(lambda t: t.sum(1), x)
    q, (i, _) = _only(asked, "SumBackward1", "in0")
    assert q["numbers"]["g_at"] == short(g[i]) and q["expected"] == pytest.approx(g[i])
    asked, g, _ = _leaf_pass(lambda t: t.mean(0), x)
    q, (_, j) = _only(asked, "MeanBackward1", "in0")
    assert q["numbers"]["g_at"] == short(g[j]) and q["numbers"]["count"] == "2"
    assert q["expected"] == pytest.approx(g[j] / 2)
    asked, g, _ = _leaf_pass(lambda t: t.softmax(dim=1), x)
    q, (i, j) = _only(asked, "SoftmaxBackward0", "in0")
    s = np.exp(x._data[i]) / np.exp(x._data[i]).sum()
    assert q["numbers"]["g_along"] == short(g[i]) and q["numbers"]["ans_along"] == short(s)
    assert q["expected"] == pytest.approx(s[j] * (g[i, j] - g[i] @ s))
    v = mg.tensor([1.0, -2.0, 0.5], requires_grad=True)
    asked, g, _ = _leaf_pass(lambda t: t.expand(4, 3), v)
    q, (j,) = _only(asked, "ExpandBackward0", "in0")
    assert q["numbers"]["g_reached"] == short(g[:, j]) and q["numbers"]["count"] == "4"
    assert q["expected"] == pytest.approx(g[:, j].sum())
