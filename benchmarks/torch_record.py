"""%%autograd on PyTorch: what recording and drawing add to a torch training step, and the
time to draw a 5,000-node torch graph.

    .venv/bin/python benchmarks/run.py --only torch_record
"""

import peers
from timing import Stats, fmt_ratio, fmt_time, goal_line, markdown_table, measure

QUIET_GOAL = 2.0  # %%autograd --quiet on a training step, against the bare cell

SETUP = """
import torch
torch.manual_seed(0)
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 32),
                            torch.nn.Tanh(), torch.nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(64, 16)
target = torch.randn(64, 1)
"""

STEP = """
opt.zero_grad()
loss = torch.nn.functional.mse_loss(model(x), target)
loss.backward()
opt.step()
"""


def _rows(results, base_name, labels):
    base = results[base_name]
    rows = []
    for name, result in results.items():
        if isinstance(result, Stats) and isinstance(base, Stats):
            rows.append([labels[name], fmt_time(result.median), fmt_time(result.min),
                         fmt_time(result.max), fmt_ratio(result.median / base.median)])
        else:
            rows.append([labels[name], f"error: {result}"])
    return rows


def magic_overhead(repeat, target):
    from IPython.utils.capture import capture_output

    from micrograd_nb.viz.render import clear_svg_cache

    ip = peers.ipython_shell()
    ip.run_line_magic("load_ext", "micrograd_nb")
    ip.run_cell(SETUP)

    def cell(prefix):
        def run():
            clear_svg_cache()  # every sample lays its picture out
            with capture_output():
                result = ip.run_cell(prefix + STEP, store_history=False)
            result.raise_error()

        return run

    cases = {"bare": cell(""), "quiet": cell("%%autograd --quiet\n"),
             "svg": cell("%%autograd\n")}
    labels = {"bare": "the cell alone", "quiet": "%%autograd --quiet (record only)",
              "svg": "%%autograd (record + draw)"}
    results = measure(cases, repeat, target)
    rows = _rows(results, "bare", labels)
    ip.run_line_magic("unload_ext", "micrograd_nb")
    return "\n".join([markdown_table(["a torch MLP training step (3 Linear, batch 64)",
                                      "median", "min", "max", "vs bare"], rows), "",
                      goal_line(results, labels, "quiet", "bare", QUIET_GOAL)])


def _big_pass(torch, layers=1000):
    """A 100k-parameter nn.Sequential whose backward pass runs 5,000 nodes."""
    from micrograd_nb.autograd.record import record

    torch.manual_seed(0)
    blocks = []
    for _ in range(layers):
        blocks += [torch.nn.Linear(10, 10), torch.nn.Tanh()]
    model = torch.nn.Sequential(*blocks)
    with record() as passes:
        loss = model(torch.randn(1, 10)).sum()
        loss.backward()
    return passes[0], {"model": model, "loss": loss}, sum(p.numel() for p in model.parameters())


def big_graph(repeat, target):
    import torch

    from micrograd_nb.viz import draw, torch_names
    from micrograd_nb.viz.render import available_renderers, clear_svg_cache

    recorded, namespace, params = _big_pass(torch)
    names = torch_names(namespace)
    cases = {"model": lambda: draw(recorded, names=names, max_nodes=200)}
    labels = {"model": "picture model (walk, names, replay, collapse by module)"}
    if available_renderers():
        def svg():
            clear_svg_cache()
            draw(recorded, names=names, max_nodes=200).svg()

        cases["svg"] = svg
        labels["svg"] = "picture model + SVG"
    results = measure(cases, repeat, target)
    shown = draw(recorded, names=names, max_nodes=200).model
    rows = _rows(results, "model", labels)
    title = (f"a {params:,}-parameter nn.Sequential, {len(recorded.steps):,} steps, drawn as "
             f"{len(shown.nodes)} nodes")
    return markdown_table([title, "median", "min", "max", "vs model"], rows)


def run(repeat, target):
    parts = ["## 5. %%autograd on PyTorch"]
    try:
        import torch  # noqa: F401
    except ImportError:
        return "\n".join(parts + ["skipped: torch is not installed"]), []
    parts += ["", magic_overhead(repeat, target), "", big_graph(max(1, min(repeat, 3)), target)]
    return "\n".join(parts), []
