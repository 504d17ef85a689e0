"""Where the stepper's output lands outside JupyterLab and Notebook 7. VS Code and Colab
cannot run here; what their output renderers do with an output's HTML can:

- VS Code: every output of a notebook in one webview (an iframe, scripts allowed, no
  Jupyter globals), each inserted with ``createRange().createContextualFragment()``
  (its inline scripts run);
- Colab: each output in its own sandboxed iframe, the HTML as the frame's document;
- a viewer that sets ``innerHTML`` (inline scripts do not run) or sanitizes.

Each must show a working stepper or the still picture, never an error text or an empty
box; practice mode's still picture shows no gradient. Then nbconvert: ``--to markdown``,
rendered with scripts off, shows the still picture (``--to html`` steps offline:
test_workshop.py). Not covered: ``--to html`` with nbconvert's sanitizer
(``--HTMLExporter.sanitize_html``), whose bleach defaults allow no <img> or <div>: any
HTML output is escaped to text there and image/svg+xml removed, whatever it holds.

This proves the output is self-contained and degrades to its picture in those
embeddings; it does not prove what VS Code's or Colab's own code (their CSP, their
mime-type choice, their sizing of the frame) does with it.
"""

import html
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .test_workshop import (  # noqa: F401 (a fixture)
    FORWARD,
    READ_STEPPER,
    browser,
    save_dir,
)


def _outputs():
    """A plain stepper's and a practice stepper's mime bundles, made in this process."""
    import micrograd_nb as mg
    from micrograd_nb.autograd import record
    from micrograd_nb.jupyter.stepper import PassStepper, frame_states
    from micrograd_nb.viz import draw

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([0.5, -1.0], requires_grad=True)
    loss = (x * w).sum().tanh()
    with record(saved=True) as passes:
        loss.backward()
    names = {id(x): "x", id(w): "w", id(loss): "loss"}
    graph = draw(passes[0], names=names)
    plain, practice = PassStepper(graph), PassStepper(graph, predict=passes[0])
    return {"plain": plain._repr_mimebundle_(), "practice": practice._repr_mimebundle_(),
            "states": frame_states(plain)}


@pytest.fixture(scope="module")
def outputs():
    from micrograd_nb.viz.render import available_renderers

    if not available_renderers():
        pytest.skip("no Graphviz renderer")
    return _outputs()


@pytest.fixture
def blank(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    context.route("**/*", lambda route: route.abort()  # nothing from any network
                  if route.request.url.startswith("http") else route.continue_())
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


VSCODE_WEBVIEW = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="outputs"></div>
<script>
  // one webview for every output, as VS Code's notebook renderer inserts text/html
  window.addEventListener("message", () => {});
  const outputs = %s;
  for (const html of outputs) {
    const cell = document.createElement("div");
    cell.className = "output";
    document.getElementById("outputs").append(cell);
    cell.append(document.createRange().createContextualFragment(html));
  }
</script></body></html>"""


def _srcdoc_iframe(document_html, sandbox="allow-scripts"):
    return (f'<iframe sandbox="{sandbox}" style="width:960px;height:800px;border:0" '
            f'srcdoc="{html.escape(document_html, quote=True)}"></iframe>')


def _check_steps(stepper, states):
    from playwright.sync_api import expect

    total = len(states) - 1
    expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 0 / {total}")
    stepper.get_by_role("button", name=FORWARD, exact=True).click()
    expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 1 / {total}")
    assert stepper.evaluate(READ_STEPPER)["active"] == states[1]["hotNodes"]


def test_vscode_like_webview_steps_both_outputs(blank, outputs):
    from playwright.sync_api import expect

    both = [outputs["plain"]["text/html"], outputs["practice"]["text/html"]]
    # (the outputs as a JS literal inside a <script>: no "</" may end it early)
    blank.set_content(_srcdoc_iframe(VSCODE_WEBVIEW % json.dumps(both).replace("</", "<\\/")))
    frame = blank.frame_locator("iframe")
    steppers = frame.locator(".mgnb-stepper")
    expect(steppers).to_have_count(2)  # each mounted once, though mountAll ran twice
    _check_steps(steppers.nth(0), outputs["states"])
    expect(steppers.nth(1).locator(".mgnb-question")).to_contain_text("runs its rule")
    expect(frame.locator("img.mgnb-still:visible")).to_have_count(0)
    blank.screenshot(path=str(save_dir() / "vscode_like_webview.png"))
    assert not blank.errors, blank.errors


def test_colab_like_output_frames_step(blank, outputs):
    from playwright.sync_api import expect

    frames = "".join(_srcdoc_iframe(f"<!doctype html><meta charset='utf-8'>{o['text/html']}")
                     for o in (outputs["plain"], outputs["practice"]))
    blank.set_content(frames)
    plain, practice = blank.frame_locator("iframe >> nth=0"), blank.frame_locator(
        "iframe >> nth=1")
    expect(plain.locator(".mgnb-stepper")).to_have_count(1)
    _check_steps(plain.locator(".mgnb-stepper"), outputs["states"])
    expect(practice.locator(".mgnb-predict")).to_have_count(1)
    assert not blank.errors, blank.errors


def _still_svgs(page_or_frame):
    """The SVG text of every still picture shown (loaded, not hidden, not 0 px)."""
    return page_or_frame.locator("img.mgnb-still").evaluate_all("""(imgs) => imgs.map((i) => {
      const r = i.getBoundingClientRect();
      if (!(i.complete && i.naturalWidth > 0 && r.width > 50 && r.height > 20)) return null;
      const b64 = i.getAttribute("src").split(";base64,")[1];
      return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    })""")


def _assert_stills(svgs, outputs):
    """The plain output's picture shows the gradients; the practice one's hides them."""
    assert len(svgs) == 2 and None not in svgs, svgs
    plain, practice = svgs
    assert plain == outputs["plain"]["image/svg+xml"]
    assert practice == outputs["practice"]["image/svg+xml"]
    final = outputs["states"][-1]["grads"]
    assert any(f"grad {t}" in html.unescape(plain) for t in final.values())
    assert "grad ?" in practice and not any(f"grad {t}" in html.unescape(practice)
                                           for t in final.values() if t != "—")


def test_inner_html_without_scripts_shows_the_still_pictures(blank, outputs):
    """innerHTML does not run inline scripts: each output is its still picture (practice
    mode's with its note and no gradients), no stepper, no error."""
    blank.set_content("<div id='out'></div>")
    blank.evaluate("(parts) => { document.getElementById('out').innerHTML = parts.join(''); }",
                   [outputs["plain"]["text/html"], outputs["practice"]["text/html"]])
    blank.wait_for_function("[...document.images].every((i) => i.complete)")
    assert blank.locator(".mgnb-stepper").count() == 0
    _assert_stills(_still_svgs(blank), outputs)
    assert blank.locator(".mgnb-still-note").is_visible()
    text = blank.inner_text("body")
    assert "error" not in text.lower() and "undefined" not in text
    assert not blank.errors, blank.errors


def _notebook_with(outputs, path):
    nb = nbformat.v4.new_notebook()
    for name in ("plain", "practice"):
        cell = nbformat.v4.new_code_cell("%%autograd --step\n...")
        cell.outputs = [nbformat.v4.new_output("display_data", data=outputs[name])]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _nbconvert(*args, cwd):
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "nbconvert", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)
    assert done.returncode == 0, done.stderr


def test_nbconvert_markdown_shows_the_still_pictures(browser, outputs, tmp_path):  # noqa: F811
    """``--to markdown`` keeps each output's HTML; a markdown renderer (mistune, as
    nbconvert uses) and a browser with scripts off show the still pictures."""
    import mistune

    notebook = _notebook_with(outputs, tmp_path / "passes.ipynb")
    _nbconvert("--to", "markdown", str(notebook), cwd=tmp_path)
    text = (tmp_path / "passes.md").read_text(encoding="utf-8")
    page_html = mistune.create_markdown(escape=False)(text)
    (tmp_path / "passes_md.html").write_text(f"<!doctype html><meta charset='utf-8'>"
                                             f"{page_html}", encoding="utf-8")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto((tmp_path / "passes_md.html").as_uri())
        page.wait_for_load_state("load")
        _assert_stills(_still_svgs(page), outputs)
    finally:
        context.close()
