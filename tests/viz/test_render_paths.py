"""The faster ways to a picture give the picture the slow ways gave: the long-lived dot
process gives a one-shot dot's SVG byte for byte, and choosing the layout from a lower
bound of its width picks what rendering both layouts and comparing them picks."""

import os
import shutil
import subprocess

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import record
from micrograd_nb.autograd.formatting import _Formatter
from micrograd_nb.viz import dot_plugins, dot_process, draw
from micrograd_nb.viz import model as model_module
from micrograd_nb.viz import render as render_module
from micrograd_nb.viz.dot import left_to_right_width_at_least, to_dot
from micrograd_nb.viz.graph import MAX_WIDTH_PT, fit_width, svg_width_pt
from micrograd_nb.viz.model import short

needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="no system dot")


def _passes():
    """Recorded passes of several shapes: small, a long chain, wide, micrograd Values
    (records with op circles), a create_graph pass."""
    cases = {}
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for i in range(30):
        y = y * 1.01 if i % 2 else y + 0.5
    with record() as passes:
        y.sum().backward()
    cases["chain"] = passes[0]
    xs = [mg.tensor([float(i)], requires_grad=True) for i in range(40)]
    with record() as passes:
        sum(t * 2 for t in xs).sum().backward()
    cases["wide"] = passes[0]
    w = mg.tensor([0.5, -1.0], requires_grad=True)
    with record() as passes:
        (w * w).sum().backward()
    cases["small"] = passes[0]
    a, b = Value(2.0), Value(-3.0)
    z = a * b
    for _ in range(8):
        z = (z + a).tanh()
    with record() as passes:
        z.backward()
    cases["values"] = passes[0]
    v = mg.tensor([1.5], requires_grad=True)
    with record() as passes:
        (g,) = mg.autograd.grad((v * v * v).sum(), v, create_graph=True)
    cases["create_graph"] = passes[0]
    return cases


def _both_layouts(model, renderer):
    """The choice as made by rendering left to right, and top to bottom where that is
    too wide, keeping the narrower."""
    def render(dot):
        return render_module.render(dot, "svg", renderer)[0].decode()

    svg, rankdir = render(to_dot(model, "LR")), "LR"
    width = svg_width_pt(svg)
    if width > MAX_WIDTH_PT:
        tall = render(to_dot(model, "TB"))
        if svg_width_pt(tall) < width:
            svg, rankdir = tall, "TB"
    return fit_width(svg), rankdir


@pytest.mark.parametrize("renderer", render_module.available_renderers())
@pytest.mark.parametrize("case", ["chain", "wide", "small", "values", "create_graph"])
def test_the_layout_chosen_is_the_one_comparing_both_would_choose(case, renderer):
    recorded = _passes()[case]
    picture = draw(recorded, renderer=renderer)
    expected_svg, expected_rankdir = _both_layouts(picture.model, renderer)
    assert picture.svg() == expected_svg
    assert picture.rankdir == expected_rankdir and f"rankdir={expected_rankdir}" in picture.dot()


@pytest.mark.parametrize("renderer", render_module.available_renderers())
def test_the_width_bound_is_never_above_the_real_width(renderer):
    chosen = set()
    for recorded in _passes().values():
        for max_nodes in (200, 12):  # as drawn, and collapsed
            model = draw(recorded, max_nodes=max_nodes).model
            real = svg_width_pt(render_module.render(to_dot(model, "LR"), "svg",
                                                     renderer)[0].decode())
            bound = left_to_right_width_at_least(model)
            assert 0 < bound <= real
            chosen.add(bound > MAX_WIDTH_PT)
    assert chosen == {True, False}  # both branches of svg() were taken


@needs_dot
def test_the_long_lived_dot_gives_one_shot_output_byte_for_byte():
    executable = shutil.which("dot")
    # as drawn (the layout and SVG plugins alone: dot_plugins.py), and with every plugin
    for env in (dot_plugins.environment(executable), None):
        dot_process.stop()
        for recorded in list(_passes().values()) * 2:  # the second round: a warm process
            for rankdir in ("LR", "TB"):
                source = to_dot(draw(recorded).model, rankdir)
                one_shot = subprocess.run([executable, "-Tsvg"], input=source.encode(),
                                          env=env, capture_output=True, check=True).stdout
                assert dot_process.render_svg(executable, source, 60, env) == one_shot
    dot_process.stop()


@needs_dot
def test_a_graph_dot_rejects_falls_back_to_one_shot_and_its_error():
    executable = shutil.which("dot")
    broken = "digraph autograd {\n a -> \n}"
    assert dot_process.render_svg(executable, broken, 60) is None  # dot exited
    with pytest.raises(RuntimeError, match="dot failed: .*syntax error"):
        render_module.render(broken, "svg", "dot")
    svg = dot_process.render_svg(executable, "digraph autograd {\n a -> b\n}", 60)
    assert svg.endswith(b"</svg>\n") and b"<title>a&#45;&gt;b</title>" in svg  # a new one


@needs_dot
def test_only_one_graph_sources_go_to_the_long_lived_dot():
    """Two graphs in one source would leave the second SVG to the next caller."""
    executable = shutil.which("dot")
    two = "digraph { a }\ndigraph { b }"
    assert dot_process.render_svg(executable, two, 60) is None
    svg = render_module.render(two, "svg", "dot")[0]  # one-shot: both, as dot writes them
    assert svg.count(b"</svg>") == 2
    after = dot_process.render_svg(executable, "digraph autograd {\n c\n}", 60)
    assert after.count(b"</svg>") == 1 and b"<title>c</title>" in after


def test_the_dot_source_is_graphviz_digraphs_own(monkeypatch):
    """The writer that quotes each attribute list once writes what graphviz.Digraph
    writes for the same calls."""
    import graphviz

    from micrograd_nb.viz import dot as dot_module

    models = [draw(recorded, max_nodes=m).model for recorded in _passes().values()
              for m in (200, 12)]
    ours = [to_dot(model, rankdir) for model in models for rankdir in ("LR", "TB")]
    monkeypatch.setattr(dot_module, "_DotSource", graphviz.Digraph)
    assert ours == [to_dot(model, rankdir) for model in models for rankdir in ("LR", "TB")]


def test_the_same_dot_source_is_laid_out_once(monkeypatch):
    """A cell run again with the same numbers shows its pictures from the SVG cache: the
    same bytes, no second layout; another source, or the other renderer, is rendered."""
    calls = []

    def fake_render(source, fmt, name):
        calls.append((source, name))
        return f"<svg>{name} {source}</svg>".encode()

    monkeypatch.setattr(render_module, "_render", fake_render)
    render_module.clear_svg_cache()
    first = render_module.render("digraph { a }", "svg", "dot")
    assert render_module.render("digraph { a }", "svg", "dot") == first
    assert calls == [("digraph { a }", "dot")]
    render_module.render("digraph { b }", "svg", "dot")
    render_module.render("digraph { a }", "svg", "wasm")
    render_module.render("digraph { a }", "png", "dot")  # other formats are not kept
    render_module.render("digraph { a }", "png", "dot")
    assert len(calls) == 5
    for i in range(render_module.SVG_CACHE_ENTRIES + 1):  # bounded: the oldest goes
        render_module.render(f"digraph {{ n{i} }}", "svg", "dot")
    before = len(calls)
    render_module.render("digraph { a }", "svg", "dot")
    assert len(calls) == before + 1
    render_module.clear_svg_cache()


def _vectors():
    """Short float vectors of every notation format_array picks: fixed, integral,
    scientific (a wide range, huge, tiny), with zeros, -0.0, nan and inf among them."""
    rng = np.random.default_rng(0)
    special = [[0.0], [-0.0, 0.0], [float("nan")], [float("inf"), -1.0], [1e-5, 1.0],
               [1e9, 2.0], [3.0, -4.0, 0.0], [0.1, 1e3 + 0.5], [1e200, 1e-100],
               [float("-inf"), float("nan"), 2.5], [-123456.789], [99999999.5, 1.0], []]
    vectors = [np.array(v, dtype=np.float64) for v in special]
    for _ in range(300):
        size = int(rng.integers(1, 7))
        scale = 10.0 ** rng.integers(-7, 11)
        v = rng.standard_normal(size) * scale
        if rng.random() < 0.3:
            v = np.round(v)
        vectors.append(v)
    return vectors


def _numpy_choice(array):
    """PyTorch's choice of notation and width (torch/_tensor_str.py), on numpy arrays as
    PyTorch computes it: what the formatter works out on Python floats."""
    values = array.reshape(-1)
    values = values[np.isfinite(values) & (values != 0)]
    if values.size == 0:
        return True, False, 1
    magnitude = np.abs(values.astype(np.float64))
    int_mode = bool(np.all(values == np.ceil(values)))
    sci_mode = bool(magnitude.max() / magnitude.min() > 1000.0 or magnitude.max() > 1.0e8
                    or magnitude.min() < 1.0e-4)
    form = "{:.4e}" if sci_mode else "{:.0f}" if int_mode else "{:.4f}"
    widths = [len(form.format(v)) + (int_mode and not sci_mode) for v in values.tolist()]
    return int_mode, sci_mode, max([1] + widths)


def test_the_formatter_chooses_as_pytorch_on_numpy_arrays():
    """The formatter's notation and width, worked out on Python floats, are numpy's, for
    vectors of every scale, with zeros, infinities and NaN, in float64 and float32."""
    modes = set()
    for v in _vectors():
        with np.errstate(over="ignore"):  # 1e10 * scale is inf in float32: a case too
            float32 = v.astype(np.float32)
        for array in (v, float32):
            formatter = _Formatter(array)
            choice = (formatter.int_mode, formatter.sci_mode, formatter.width)
            assert choice == _numpy_choice(array), array
            modes.add(choice[:2])
    assert modes == {(True, False), (False, False), (False, True), (True, True)}


def test_values_of_every_kind_keep_their_short_text():
    """Vectors of ints and float32 are cast as before; longer vectors are summarised from
    their ends; a small matrix still goes through format_array."""
    assert short(np.array([1, 2, 3])) == "[1., 2., 3.]"
    assert short(np.array([0.5, 0.25], dtype=np.float32)) == "[0.5000, 0.2500]"
    assert short(np.arange(8.0)) == "[0., 1., ..., 6., 7.]"
    matrix = np.array([[1.0, 2.5], [3.0, 4.0]])
    assert short(matrix) == "[[1.0000, 2.5000], [3.0000, 4.0000]]"
    assert short(np.array([True, False])) == "[ True, False]"


def test_remembered_texts_are_the_texts_worked_out(monkeypatch):
    """``short`` remembers small arrays' texts by content: arrays that differ only in
    dtype, shape, the sign of a zero or a last bit, or asked at another width, each get
    their own text, the one worked out afresh, whichever is asked first."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=4)
    arrays = [base, base.astype(np.float32), base.reshape(2, 2), base[::-1],
              np.nextafter(base, np.inf), np.array([0.0, 1.0]), np.array([-0.0, 1.0]),
              np.array([1, 2]), np.array([1, 2], dtype=np.uint8), np.array([True, False]),
              np.arange(8.0), np.arange(65.0), np.array([1e-8, 1.0])]
    expected = [model_module._array_text(a, 40) for a in arrays]
    narrow = [model_module._array_text(a, 12) for a in arrays]
    assert len(set(expected)) > 8  # the cases really differ
    for order in (arrays, arrays[::-1]):
        monkeypatch.setattr(model_module, "_SHORT_TEXTS", {})
        for a in order:
            short(a)
            short(a, 12)
        assert [short(a) for a in arrays] == expected
        assert [short(a, 12) for a in arrays] == narrow
    # full, it starts again rather than growing without bound
    monkeypatch.setattr(model_module, "_SHORT_TEXTS_LIMIT", 3)
    monkeypatch.setattr(model_module, "_SHORT_TEXTS", {})
    assert [short(a) for a in arrays] == expected
    assert len(model_module._SHORT_TEXTS) <= 3


def test_dot_is_looked_up_again_when_path_or_the_file_changes(monkeypatch, tmp_path):
    """Where dot is found is remembered per PATH while the file is there; a PATH
    without it, or a dot since removed, is searched again."""
    searches = []
    real_which = shutil.which
    monkeypatch.setattr(render_module.shutil, "which",
                        lambda name: searches.append(name) or real_which(name))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    fake = first / "dot"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.delenv("MICROGRAD_NB_RENDERER", raising=False)
    monkeypatch.setenv("PATH", str(first))
    assert render_module._dot_executable() == str(fake)
    assert render_module._dot_executable() == str(fake)
    assert len(searches) == 1
    monkeypatch.setenv("PATH", str(second))
    assert render_module._dot_executable() is None
    assert render_module.available_renderers() == (["wasm"] if render_module._wasm_importable()
                                                   else [])
    assert len(searches) == 3  # not found: searched each time
    monkeypatch.setenv("PATH", str(first))
    fake.unlink()
    assert render_module._dot_executable() is None
    assert len(searches) == 4


def _one_shot_svg(source):
    return subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode(),
                          capture_output=True, check=True).stdout


def _sources():
    return [to_dot(draw(recorded).model, rankdir) for recorded in _passes().values()
            for rankdir in ("LR", "TB")]


@needs_dot
def test_a_dot_process_that_died_is_started_again():
    executable = shutil.which("dot")
    source = _sources()[0]
    assert dot_process.render_svg(executable, source, 60) == _one_shot_svg(source)
    first = dot_process._process[0]
    first.kill()  # as the system might end it between two cells
    first.wait()
    assert dot_process.render_svg(executable, source, 60) == _one_shot_svg(source)
    assert dot_process._process[0].pid != first.pid


@needs_dot
def test_threads_rendering_at_once_each_get_their_own_picture():
    from concurrent.futures import ThreadPoolExecutor

    executable = shutil.which("dot")
    sources = _sources()
    expected = [_one_shot_svg(s) for s in sources]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda s: dot_process.render_svg(executable, s, 60),
                            sources * 3))
    assert got == expected * 3


@needs_dot
def test_a_forked_child_renders_with_a_dot_of_its_own():
    """A child process (a forked worker) never writes to its parent's dot."""
    executable = shutil.which("dot")
    source = _sources()[0]
    expected = _one_shot_svg(source)
    assert dot_process.render_svg(executable, source, 60) == expected
    parent_dot = dot_process._process[0].pid
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: render, report, and leave without pytest's cleanup
        try:
            svg = dot_process.render_svg(executable, source, 60)
            mine = dot_process._process[0].pid
            ok = svg == expected and mine != parent_dot
            os.write(write_end, b"ok" if ok else b"bad")
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        assert answer.read() == b"ok"
    os.waitpid(child, 0)
    assert dot_process._process[0].pid == parent_dot  # the parent's is still its own
    assert dot_process.render_svg(executable, source, 60) == expected
