"""Pictures: render time by graph size and renderer, the first render in a fresh
process, and what %%autograd adds to a cell.

    .venv/bin/python benchmarks/run.py --only viz
"""

import os
import shutil
import subprocess
import sys
import tempfile

import peers
from timing import Stats, fmt_ratio, fmt_time, markdown_table, measure

SIZES = (50, 500, 2000)
RENDER_GOAL_S = 1.5  # a 2,000-node pass, as drawn by default
CELL_GOAL_S = 0.025  # %%autograd on the 100-op cell, record + draw


def _recorded_pass(n_nodes):
    """A backward pass over a graph of about ``n_nodes`` picture nodes that does not
    collapse: a sum of products of leaves (no chains of single-input ops)."""
    import micrograd_nb as mg
    from micrograd_nb.autograd import record

    mg.manual_seed(0)
    leaves = [mg.randn(3, requires_grad=True) for _ in range(n_nodes // 3)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf * leaf
    with record() as passes:
        total.sum().backward()
    return passes[0]


def render_by_size(repeat, target, renderers):
    from micrograd_nb.viz import draw
    from micrograd_nb.viz.render import clear_svg_cache

    cases, labels = {}, {}
    for n in SIZES:
        recorded = _recorded_pass(n)
        for renderer in renderers:
            def case(recorded=recorded, renderer=renderer, n=n):
                clear_svg_cache()  # every sample lays the picture out
                draw(recorded, max_nodes=n + 10, renderer=renderer).svg()

            key = (renderer, n)
            cases[key] = case
            labels[key] = (renderer, len(draw(recorded, max_nodes=n + 10).model.nodes))
        if n == max(SIZES):
            # As drawn by default: collapsed to max_nodes (200), with a note saying so.
            for renderer in renderers:
                def default(recorded=recorded, renderer=renderer):
                    clear_svg_cache()
                    draw(recorded, renderer=renderer).svg()

                key = (renderer, "default")
                cases[key] = default
                shown = len(draw(recorded).model.nodes)
                labels[key] = (renderer, f"{n} drawn as {shown} (the default, collapsed)")
    results = measure(cases, repeat, target)
    rows = []
    for key, result in results.items():
        renderer, nodes = labels[key]
        if isinstance(result, Stats):
            rows.append([renderer, nodes, fmt_time(result.median), fmt_time(result.min),
                         fmt_time(result.max)])
        else:
            rows.append([renderer, nodes, f"error: {result}"])
    goals = []
    for renderer in renderers:
        result = results.get((renderer, "default"))
        if isinstance(result, Stats):
            verdict = "met" if result.median <= RENDER_GOAL_S else "not met"
            goals.append(f"- a {max(SIZES)}-node pass drawn by default with {renderer}: "
                         f"{fmt_time(result.median)} (goal <= {RENDER_GOAL_S} s: {verdict})")
    return "\n".join([markdown_table(["renderer", "nodes", "median", "min", "max"], rows),
                      ""] + goals)


FIRST_RENDER = """
import time
start = time.perf_counter()
import micrograd_nb as mg
from micrograd_nb.autograd import record
from micrograd_nb.viz import draw
x = mg.ones(3, requires_grad=True)
with record() as passes:
    (x * x).sum().backward()
draw(passes[0], renderer={renderer!r}).svg()
print(time.perf_counter() - start)
"""


def first_render(renderers, repeat):
    """Import, record and render one small graph in a new interpreter."""
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        variants = []
        if "dot" in renderers:
            variants.append(("dot", "dot", None))
        if "wasm" in renderers:
            variants.append(("wasm, nothing cached", "wasm", "cold"))
            variants.append(("wasm, compiled module cached", "wasm", "warm"))
        for label, renderer, cache_state in variants:
            env = dict(os.environ, XDG_CACHE_HOME=cache)
            samples = []
            for _ in range(repeat):
                if cache_state == "cold":
                    shutil.rmtree(os.path.join(cache, "micrograd_nb"), ignore_errors=True)
                done = subprocess.run([sys.executable, "-c",
                                       FIRST_RENDER.format(renderer=renderer)],
                                      capture_output=True, text=True, env=env, check=True)
                samples.append(float(done.stdout.strip().splitlines()[-1]))
            stats = Stats(samples, 1)
            rows.append([label, fmt_time(stats.median), fmt_time(stats.min),
                         fmt_time(stats.max), repeat])
    return markdown_table(["first render in a new process", "median", "min", "max", "runs"],
                          rows)


CELL = """
x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x
for i in range(100):
    y = y * 1.01 if i % 2 else y + 0.5
y.sum().backward()
"""


def _layout_alone(ip):
    """The renderer's work in a fresh draw of the cell: its picture's DOT source, as the
    magic draws it (with the notebook's names), laid out with nothing cached."""
    from IPython.utils.capture import capture_output

    from micrograd_nb.jupyter.magic import PASSES_VARIABLE
    from micrograd_nb.viz import draw
    from micrograd_nb.viz.render import clear_svg_cache, render

    with capture_output():
        ip.run_cell("%%autograd --quiet\n" + CELL, store_history=False).raise_error()
    names = ip.magics_manager.registry["AutogradMagics"]._names()
    picture = draw(ip.user_ns[PASSES_VARIABLE][0], names=names)
    picture.svg()  # chooses the layout the magic shows
    source, renderer = picture.dot(), picture.renderer

    def layout():
        clear_svg_cache()
        render(source, "svg", renderer)

    return layout


def magic_overhead(repeat, target):
    from IPython.utils.capture import capture_output

    from micrograd_nb.viz.render import clear_svg_cache

    ip = peers.ipython_shell()
    ip.run_line_magic("load_ext", "micrograd_nb")
    ip.run_cell("import micrograd_nb as mg")

    def cell(prefix, fresh=False):
        def run():
            if fresh:  # as the first run of the cell: nothing in the SVG cache
                clear_svg_cache()
            with capture_output():
                result = ip.run_cell(prefix + CELL, store_history=False)
            result.raise_error()

        return run

    cases = {"bare": cell(""), "quiet": cell("%%autograd --quiet\n"),
             "svg": cell("%%autograd\n", fresh=True), "rerun": cell("%%autograd\n"),
             "step": cell("%%autograd --step\n", fresh=True),
             "predict": cell("%%autograd --predict\n", fresh=True),
             "layout": _layout_alone(ip)}
    labels = {"bare": "the cell alone", "quiet": "%%autograd --quiet (record only)",
              "svg": "%%autograd (record + draw)",
              "rerun": "%%autograd, run again (SVG from the cache)",
              "step": "%%autograd --step (widget)",
              "predict": "%%autograd --predict (practice: the questions too)",
              "layout": "its picture laid out alone (the renderer's part of a fresh draw)"}
    results = measure(cases, repeat, target)
    base = results["bare"]
    rows = []
    for name, result in results.items():
        if isinstance(result, Stats):
            rows.append([labels[name], fmt_time(result.median), fmt_time(result.min),
                         fmt_time(result.max), fmt_ratio(result.median / base.median)])
        else:
            rows.append([labels[name], f"error: {result}"])
    ip.run_line_magic("unload_ext", "micrograd_nb")
    table = markdown_table(["a 100-op cell", "median", "min", "max", "vs bare"], rows)
    drawn = results["svg"]
    if not isinstance(drawn, Stats):
        return table
    verdict = "met" if drawn.median <= CELL_GOAL_S else "not met"
    summary = (f"- %%autograd (record + draw): {fmt_time(drawn.median)}, "
               f"{fmt_ratio(drawn.median / base.median)} the bare cell "
               f"(goal <= {CELL_GOAL_S * 1e3:.0f} ms: {verdict})")
    layout = results["layout"]
    if isinstance(layout, Stats):  # the part no Python change can make faster
        summary += f"; of it, {fmt_time(layout.median)} is the renderer laying it out"
    return f"{table}\n\n{summary}"


def run(repeat, target):
    from micrograd_nb.viz.render import available_renderers

    renderers = available_renderers()
    parts = ["## 4. pictures"]
    if not renderers:
        return "\n".join(parts + ["skipped: no Graphviz renderer"]), []
    parts += ["", render_by_size(repeat, target, renderers), "",
              first_render(renderers, max(1, min(repeat, 3))), "",
              magic_overhead(repeat, target)]
    return "\n".join(parts), []
