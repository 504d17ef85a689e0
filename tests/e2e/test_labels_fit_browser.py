"""Every label fits its box in a real browser: Graphviz sizes the boxes from its own
estimate of the text's width (dot_plugins.py: its Arial metrics, no pango), the browser
draws the text with its own fonts. At a laptop's width, in Chromium, each node's text
stays inside its box (a record's text inside its field), each edge's text clear of every
node and of the other edges' text, and all of it inside the picture.

The check can fail: the same pictures with their text drawn 1.4 times as wide as dot
measured it (as if it had estimated the widths far too small) fail it.
"""

import re

import pytest

from .test_workshop import browser  # noqa: F401 (a fixture)

LAPTOP = {"width": 1280, "height": 800}
COLUMN_PX = 880  # about a notebook's output column at that width
TOLERANCE = 0.5  # in the picture's points: rounding, antialiasing

# Problems, as text, of every picture on the page. getBBox() gives the text's extent in
# the picture's own coordinates, as the browser's font draws it.
READ_PROBLEMS = """() => {
  const problems = [];
  const tol = TOLERANCE;
  const box = (b) => ({x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height});
  const inside = (t, c) => t.x0 >= c.x0 - tol && t.x1 <= c.x1 + tol &&
                           t.y0 >= c.y0 - tol && t.y1 <= c.y1 + tol;
  const overlap = (a, b) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > tol &&
                            Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > tol;
  document.querySelectorAll("svg").forEach((svg, picture) => {
    const where = (g) => `picture ${picture} ${g.getAttribute("class")} ` +
                         `${g.querySelector("title").textContent}`;
    const root = svg.querySelector("g.graph");
    const toRoot = (el) => {  // a box in the top <g>'s coordinates (graphviz's translate)
      const b = el.getBBox();
      const m = root.getCTM().inverse().multiply(el.getCTM());
      const p = new DOMPoint(b.x, b.y).matrixTransform(m);
      const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
      return {x0: Math.min(p.x, q.x), y0: Math.min(p.y, q.y),
              x1: Math.max(p.x, q.x), y1: Math.max(p.y, q.y)};
    };
    const nodes = [];
    svg.querySelectorAll("g.node").forEach((g) => {
      const outline = g.querySelector("polygon, ellipse, path");
      const texts = [...g.querySelectorAll("text")];
      if (!outline || !texts.length) return;
      const shape = box(outline.getBBox());
      nodes.push({where: where(g), box: toRoot(outline), texts: texts.map(toRoot)});
      // a record's fields: the separating lines cut the outline into cells
      const lines = [...g.querySelectorAll("polyline")].map((l) => {
        const pts = l.points;
        return {x0: Math.min(pts[0].x, pts[1].x), x1: Math.max(pts[0].x, pts[1].x),
                y0: Math.min(pts[0].y, pts[1].y), y1: Math.max(pts[0].y, pts[1].y)};
      });
      for (const text of texts) {
        const t = box(text.getBBox());
        const px = +text.getAttribute("x"), py = +text.getAttribute("y");
        const cell = {...shape};
        for (const l of lines) {
          if (l.x0 === l.x1 && l.y0 <= py && py <= l.y1) {  // a vertical separator
            if (l.x0 < px) cell.x0 = Math.max(cell.x0, l.x0);
            else cell.x1 = Math.min(cell.x1, l.x0);
          } else if (l.y0 === l.y1 && l.x0 <= px && px <= l.x1) {  // a horizontal one
            if (l.y0 < py) cell.y0 = Math.max(cell.y0, l.y0);
            else cell.y1 = Math.min(cell.y1, l.y0);
          }
        }
        if (!inside(t, cell)) {
          problems.push(`${where(g)}: "${text.textContent}" ` +
                        `[${t.x0.toFixed(1)}, ${t.x1.toFixed(1)}] x ` +
                        `[${t.y0.toFixed(1)}, ${t.y1.toFixed(1)}] outside its box ` +
                        `[${cell.x0.toFixed(1)}, ${cell.x1.toFixed(1)}] x ` +
                        `[${cell.y0.toFixed(1)}, ${cell.y1.toFixed(1)}]`);
        }
      }
    });
    const labels = [];
    svg.querySelectorAll("g.edge").forEach((g) => {
      g.querySelectorAll("text").forEach((text) => {
        labels.push({where: where(g), text: text.textContent, box: toRoot(text)});
      });
    });
    const rootView = toRoot(svg.querySelector("g.graph > polygon"));
    for (const [i, label] of labels.entries()) {
      if (!inside(label.box, rootView)) {
        problems.push(`${label.where}: "${label.text}" outside the picture`);
      }
      for (const node of nodes) {
        if (overlap(label.box, node.box)) {
          problems.push(`${label.where}: "${label.text}" over the box of ${node.where}`);
        }
      }
      for (const other of labels.slice(i + 1)) {
        if (overlap(label.box, other.box)) {
          problems.push(`${label.where}: "${label.text}" over ${other.where}'s "${other.text}"`);
        }
      }
    }
    for (const node of nodes) {
      for (const t of node.texts) {
        if (!inside(t, rootView)) problems.push(`${node.where}: text outside the picture`);
      }
    }
  });
  return problems;
}""".replace("TOLERANCE", str(TOLERANCE))


def _pictures(renderer):
    """Pictures of several shapes, with the labels users see: tensor boxes (a long chain,
    laid out top to bottom; a wide sum), micrograd records with op circles, a
    create_graph pass, a collapsed run (⋯, ×), gradients on edges (∂), long numbers."""
    import micrograd_nb as mg
    from micrograd_nb import Value
    from micrograd_nb.autograd import record
    from micrograd_nb.viz import draw

    passes = []
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for i in range(100):
        y = y * 1.01 if i % 2 else y + 0.5
    with record() as recorded:
        y.sum().backward()
    passes.append((recorded[0], {}))
    xs = [mg.tensor([float(i) * 1.37, -2.5], requires_grad=True) for i in range(12)]
    with record() as recorded:
        sum(t * 2.125 for t in xs).tanh().sum().backward()
    passes.append((recorded[0], {id(t): f"weight_{i}" for i, t in enumerate(xs)}))
    a, b = Value(2.0), Value(-3.0)
    z = a * b
    for _ in range(6):
        z = (z + a).tanh()
    with record() as recorded:
        z.backward()
    passes.append((recorded[0], {id(a): "a", id(b): "b"}))
    v = mg.tensor([1.5, -0.25], requires_grad=True)
    with record() as recorded:
        mg.autograd.grad((v * v * v).sum(), v, create_graph=True)
    passes.append((recorded[0], {id(v): "v"}))
    m = mg.randn(4, 3, requires_grad=True)
    with record() as recorded:
        (m @ mg.randn(3, 5)).relu().mean().backward()
    passes.append((recorded[0], {id(m): "m"}))
    pictures = [draw(p, names=names, renderer=renderer) for p, names in passes]
    pictures.append(draw(passes[0][0], max_nodes=20, renderer=renderer))  # collapsed
    return [picture.svg() for picture in pictures]


def _problems(browser, svgs, widen=1.0):  # noqa: F811
    """The problems READ_PROBLEMS finds with ``svgs`` shown in a notebook-wide column;
    ``widen`` draws every text that many times as wide as dot measured it."""
    page = browser.new_context(viewport=LAPTOP).new_page()
    try:
        shown = []
        for svg in svgs:
            svg = svg[svg.index("<svg"):]
            if widen != 1.0:
                svg = re.sub(r'font-size="([\d.]+)"',
                             lambda m: f'font-size="{float(m.group(1)) * widen:.2f}"', svg)
            shown.append(f"<div>{svg}</div>")
        page.set_content(f'<!doctype html><html><head><meta charset="utf-8"></head>'
                         f'<body><div style="width:{COLUMN_PX}px">{"".join(shown)}'
                         f'</div></body></html>')
        assert page.locator("svg").count() == len(svgs)
        return page.evaluate(READ_PROBLEMS)
    finally:
        page.context.close()


def _renderers():
    from micrograd_nb.viz.render import available_renderers

    return available_renderers()


@pytest.mark.parametrize("renderer", _renderers())
def test_every_label_fits_its_box(browser, renderer):  # noqa: F811
    problems = _problems(browser, _pictures(renderer))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("renderer", _renderers())
def test_text_wider_than_dot_measured_is_seen(browser, renderer):  # noqa: F811
    problems = _problems(browser, _pictures(renderer), widen=1.4)
    assert any("outside its box" in p for p in problems), problems
    assert any("edge" in p and ("over" in p or "outside" in p) for p in problems), problems
