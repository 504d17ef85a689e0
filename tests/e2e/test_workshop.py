"""The workshop in a real browser: JupyterLab from .venv, headless Chromium, Playwright.

One JupyterLab server (127.0.0.1, a free port, a token, its own config, settings and
workspace folders) and one browser serve the whole module. Its root folder holds copies
of what a participant opens:

- ``notebooks/e2e_stepper.ipynb``, written here: ``%load_ext micrograd_nb`` and a
  ``%%autograd --step`` cell on a tiny Tensor computation. Every step the browser shows
  (highlighted nodes, gradient texts) is compared with ``frame_states()`` computed in
  this process for the same computation.
- ``notebooks/00_start_here.ipynb``, the first lesson cut after its first
  ``%%autograd --step`` cell, outputs cleared (so a saved widget cannot pass for a live
  one); checked the same way without the exact values. Skipped while the lesson or such
  a cell does not exist.
- ``exercises/release/01_scalar_outputs.ipynb``, a blank student notebook: its code cells
  run in order; its setup must work and each public self-check must run and fail as a
  blank notebook's should. Skipped while the notebook does not exist.

- ``lessons/``: lessons 00-04 run here (nbclient) and trusted, for the tests of saved
  outputs: every picture measured at 1280x800 with the file browser open (no wider than
  its output area, text at least 9 px; table in test-artifacts/e2e/picture_sizes.txt);
  an untrusted copy shows each stepper's still picture; nbconvert's HTML, opened with
  the network refused, steps.

Also: a stepper run, saved (default settings: no widget state), its kernel shut down,
reopened and stepped; ← → Home End in Notebook 7 (served by the same server); lessons
open unmodified; the workshop's JupyterLab defaults (binder/overrides.json) apply.

Cells are run as a participant runs them: click the cell's prompt, press Shift+Enter,
wait for its prompt to show an execution number. Screenshots of the stepper land in the
test's folder and in test-artifacts/e2e/.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from .support import CHROMIUM_ARGS, REPO, find_chromium, save_artifact, unavailable

LESSON = REPO / "notebooks" / "00_start_here.ipynb"
EXERCISE = REPO / "exercises" / "release" / "01_scalar_outputs.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
SERVER_START_S = 60
KERNEL_S = 120  # a bound on a kernel's start, or one cell (a loaded machine)
FORWARD = "step forward (→)"
FIRST = "first step (Home)"

SETUP_CELL = "%load_ext micrograd_nb\nimport micrograd_nb as mg"
STEP_CODE = """\
x = mg.tensor([1.0, 2.0], requires_grad=True)
w = mg.tensor([0.5, -1.0], requires_grad=True)
loss = (x * w).sum().tanh()
loss.backward()"""
STEP_CELL = "%%autograd --step\n" + STEP_CODE

# What the stepper shows, read from its DOM: the counter, the caption, the nodes with
# class mgnb-active (by their SVG <title>, the DOT name), and each node's "grad ..." text.
READ_STEPPER = """(root) => {
  const title = (g) => {
    for (const c of g.children) if (c.localName === "title") return c.textContent.trim();
    return "";
  };
  const grads = {};
  for (const g of root.querySelectorAll("svg g.node")) {
    for (const t of g.querySelectorAll("text")) {
      const s = t.textContent.trim();
      if (s.startsWith("grad ")) grads[title(g)] = s.slice(5);
    }
  }
  return {
    counter: root.querySelector(".mgnb-counter").textContent.trim(),
    kind: root.querySelector(".mgnb-kind").textContent.trim(),
    caption: root.querySelector(".mgnb-caption > span:last-child").textContent.trim(),
    active: [...root.querySelectorAll("svg g.node.mgnb-active")].map(title).sort(),
    grads,
  };
}"""


# ---------------------------------------------------------------------------------------
# the server and the browser, once per module

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _blank_copy(source, target, last=None):
    """Copy a notebook with no outputs, no saved widget state and the kernel named
    (so no kernel picker opens); cut after cell ``last`` if given."""
    nb = nbformat.read(str(source), as_version=4)
    if last is not None:
        nb.cells = nb.cells[: last + 1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def _first_step_cell(nb):
    for i, cell in enumerate(nb.cells):
        first = cell.source.lstrip().split("\n", 1)[0]
        if cell.cell_type == "code" and first.startswith("%%autograd") and "--step" in first:
            return i
    return None


class Lab:
    def __init__(self, port, token, root, proc, log):
        self.port, self.token, self.root, self.proc, self.log = port, token, root, proc, log

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}?reset&token={self.token}"

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_for_server(lab):
    deadline = time.monotonic() + SERVER_START_S
    request = urllib.request.Request(f"http://127.0.0.1:{lab.port}/api/status",
                                     headers={"Authorization": f"token {lab.token}"})
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {lab.proc.returncode}:\n{lab.log_tail()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    pytest.fail(f"jupyter lab did not answer in {SERVER_START_S} s:\n{lab.log_tail()}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    jupyter_lab = Path(sys.executable).parent / "jupyter-lab"
    if not jupyter_lab.exists():
        unavailable(f"JupyterLab is not installed beside {sys.executable}: "
                    "pip install -e '.[e2e]' (scripts/test.sh does)")
    base = tmp_path_factory.mktemp("workshop")
    root = base / "root"
    _write_notebook(root / "notebooks" / "e2e_stepper.ipynb",
                    [nbformat.v4.new_code_cell(SETUP_CELL),
                     nbformat.v4.new_code_cell(STEP_CELL)])
    if LESSON.exists():
        step = _first_step_cell(nbformat.read(str(LESSON), as_version=4))
        if step is not None:
            _blank_copy(LESSON, root / "notebooks" / LESSON.name, last=step)
    if EXERCISE.exists():
        _blank_copy(EXERCISE, root / "exercises" / "release" / EXERCISE.name)

    # JupyterLab's own state lives in the test's folder: no user settings, no restored
    # workspace, no news; every cell is in the DOM (no windowing), so nth() finds it;
    settings = base / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    # autoStartDefaultKernel: without it, a notebook opened before JupyterLab has fetched
    # the kernel specs asks "Select Kernel" although its metadata names one (seen under
    # load); participants on a slow machine may see that dialog too.
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True}))
    # the workshop's own defaults (no news popup...), as scripts/workshop.sh installs them
    app_settings = base / "app-settings"
    app_settings.mkdir()
    shutil.copyfile(REPO / "binder" / "overrides.json", app_settings / "overrides.json")
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               IPYTHONDIR=str(base / "ipython"),
               JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_PLATFORM_DIRS="1",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    port, token = _free_port(), secrets.token_hex(16)
    log = base / "jupyter-lab.log"
    cmd = [str(jupyter_lab), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
           f"--LabApp.app_settings_dir={app_settings}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # CI and containers run as root
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=root, start_new_session=True)
    server = Lab(port, token, root, proc, log)
    server.env = env
    try:
        _wait_for_server(server)
        yield server
    finally:
        # The server shuts its kernels down on SIGTERM; whatever is left of its process
        # group (it was started in its own session) goes after that.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install -e '.[e2e]' (scripts/test.sh does)")
    # expect()'s own bound (5 s by default) is too short for a loaded machine
    expect.set_options(timeout=KERNEL_S * 1000)
    chromium = find_chromium()
    if chromium is None:
        unavailable("no Chromium: bash scripts/install_browser.sh (apt-get install chromium), "
                    "or set MICROGRAD_NB_CHROMIUM to a Chromium or Chrome binary")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(KERNEL_S * 1000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


# ---------------------------------------------------------------------------------------
# driving JupyterLab

def open_notebook(page, lab, relpath):
    """Open a notebook in JupyterLab and wait until its kernel is idle; returns the
    notebook panel. Any dialog still open then fails the test (its screenshot shows
    it)."""
    from playwright.sync_api import expect

    page.goto(lab.url(f"lab/tree/{relpath}"))
    panel = page.locator(".jp-NotebookPanel:visible")
    expect(panel).to_have_count(1)
    expect(panel.locator(".jp-Cell").first).to_be_visible()
    # the kernel status in the notebook's toolbar
    expect(panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).to_have_count(
        1, timeout=KERNEL_S * 1000)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    return panel


def run_cell(page, panel, index):
    """Select cell ``index`` by its prompt, press Shift+Enter, wait until it has run.

    A key pressed while JupyterLab is still settling (restoring its layout, focusing the
    notebook) can be lost; it is pressed again only while the prompt shows that nothing
    was sent to the kernel (still "[ ]:" rather than "[*]:" or "[n]:")."""
    from playwright.sync_api import expect

    cell = panel.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputArea-prompt").first
    before = prompt.inner_text().strip()
    for _ in range(5):  # (a loaded machine drops more keys while JupyterLab settles)
        prompt.click()
        expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(before, timeout=10_000)
            break
        except AssertionError:
            continue
    expect(prompt).to_have_text(re.compile(r"^\s*\[\d+\]:?\s*$"), timeout=KERNEL_S * 1000)
    return cell


def error_text(cell):
    """The traceback shown under a cell, or '' (stderr that is not an error, such as a
    warning, does not count)."""
    stderr = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return "\n".join(text for text in stderr.all_inner_texts()
                     if "Traceback (most recent call last)" in text
                     or text.lstrip().startswith("UsageError"))


def step_through(stepper):
    """Every frame, as the page shows it after each click on the forward button."""
    from playwright.sync_api import expect

    forward = stepper.get_by_role("button", name=FORWARD, exact=True)
    states = [stepper.evaluate(READ_STEPPER)]
    total = int(states[0]["counter"].split("/")[1])
    assert states[0]["counter"] == f"step 0 / {total}"
    for i in range(1, total + 1):
        expect(forward).to_be_enabled()
        forward.click()
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step {i} / {total}")
        states.append(stepper.evaluate(READ_STEPPER))
    expect(forward).to_be_disabled()
    return states


def check_steps(states):
    """What any stepped pass must show: the highlight moves, and the gradient texts go
    from "—" (not reached yet) to numbers."""
    assert len(states) >= 3, states
    assert all(s["active"] for s in states), "a step without a highlighted node"
    assert states[1]["active"] != states[0]["active"], "the first step did not move"
    assert len({tuple(s["active"]) for s in states}) >= 3, "the highlight barely moves"
    first, last = states[0]["grads"], states[-1]["grads"]
    assert first, "no node shows a gradient"
    pending = [sum(text == "—" for text in s["grads"].values()) for s in states]
    assert pending[0] > 0 and pending[-1] == 0, pending
    assert pending == sorted(pending, reverse=True), pending
    assert first != last


def show_step(stepper, index):
    """Go back to step ``index`` with the buttons: first, then forward."""
    from playwright.sync_api import expect

    total = int(stepper.evaluate(READ_STEPPER)["counter"].split("/")[1])
    stepper.get_by_role("button", name=FIRST, exact=True).click()
    forward = stepper.get_by_role("button", name=FORWARD, exact=True)
    for _ in range(index):
        forward.click()
    expect(stepper.locator(".mgnb-counter")).to_have_text(f"step {index} / {total}")


def screenshots(page, stepper, tmp_path, name):
    shot = tmp_path / f"stepper_{name}.png"
    stepper.screenshot(path=str(shot))
    whole = tmp_path / f"page_{name}.png"
    page.screenshot(path=str(whole))
    assert shot.stat().st_size > 2000
    return save_artifact(shot), save_artifact(whole)


def run_stepper_cell(page, panel, cells, step_index):
    """Run the code cells up to the ``%%autograd --step`` cell (``cells``: the
    notebook's, as nbformat reads them); return the stepper element once its graph is
    drawn. Only cells tagged raises-exception (nbval's tag) may fail."""
    from playwright.sync_api import expect

    for i, source in enumerate(cells[:step_index]):
        if source.cell_type == "code":
            cell = run_cell(page, panel, i)
            if "raises-exception" not in source.metadata.get("tags", []):
                assert not error_text(cell), f"cell {i} failed:\n{error_text(cell)}"
    cell = run_cell(page, panel, step_index)
    assert not error_text(cell), error_text(cell)
    # the output's own script turns the still picture into the stepper: the SVG is inline
    stepper = cell.locator(".jp-OutputArea-output .mgnb-stepper")
    expect(stepper).to_have_count(1, timeout=KERNEL_S * 1000)
    expect(stepper.locator("svg g.node").first).to_be_visible()
    return stepper


# ---------------------------------------------------------------------------------------
# the tests

def expected_states():
    """What each frame must show for STEP_CODE, computed in this process."""
    import micrograd_nb as mg
    from micrograd_nb.autograd import record
    from micrograd_nb.jupyter.stepper import frame_states
    from micrograd_nb.viz import draw

    namespace = {"mg": mg}
    with record() as passes:
        exec(STEP_CODE, namespace)
    # the magic labels nodes with the notebook's names: x, w, loss
    names = {id(value): name for name, value in sorted(namespace.items())
             if isinstance(value, mg.Tensor)}
    return frame_states(draw(passes[0], names=names))


def test_stepper_in_jupyterlab(page, lab, tmp_path):
    panel = open_notebook(page, lab, "notebooks/e2e_stepper.ipynb")
    stepper = run_stepper_cell(page, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
    states = step_through(stepper)
    check_steps(states)

    expected = expected_states()
    assert len(states) == len(expected)
    for shown, want in zip(states, expected):
        assert shown["active"] == want["hotNodes"], (shown, want)
        assert shown["grads"] == want["grads"], (shown, want)
        assert shown["kind"] == want["kind"]
        assert shown["caption"] == want["caption"]

    # the keyboard steps too: Home, then → from the focused widget
    stepper.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert stepper.evaluate(READ_STEPPER)["counter"] == f"step 1 / {len(states) - 1}"

    # the picture: the first leaf has just accumulated its gradient (docs/stepped_pass.png)
    show_step(stepper, next(i for i, s in enumerate(states) if s["kind"] == "accumulate"))
    screenshots(page, stepper, tmp_path, "e2e_stepper")
    assert not page.errors, page.errors


def test_first_lesson_steps(page, lab, tmp_path):
    copy = lab.root / "notebooks" / LESSON.name
    if not LESSON.exists():
        pytest.skip(f"{LESSON.relative_to(REPO)} does not exist yet")
    if not copy.exists():
        pytest.skip(f"{LESSON.relative_to(REPO)} has no %%autograd --step cell")
    nb = nbformat.read(str(copy), as_version=4)
    panel = open_notebook(page, lab, f"notebooks/{LESSON.name}")
    stepper = run_stepper_cell(page, panel, nb.cells, _first_step_cell(nb))
    states = step_through(stepper)
    check_steps(states)
    show_step(stepper, len(states) // 2)
    screenshots(page, stepper, tmp_path, LESSON.stem)
    assert not page.errors, page.errors


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _has_code(source):
    return any(line.strip() and not line.lstrip().startswith("#")
               for line in source.splitlines())


def test_release_exercise_self_check(page, lab):
    """A blank release notebook in the browser, its code cells run one by one in order:

    - the given cells before the first answer cell (imports, setup) run without error;
    - every public self-check (an autograder test cell with visible code) runs and fails
      as it should while the answers are blank: NotImplementedError (from an answer stub
      it calls) or AssertionError, or NameError where a blank answer cell stopped at its
      top-level NotImplementedError before defining its name;
    - no other cell fails with anything else.

    So the kernel has the package, the notebook's setup works and its self-checks are
    wired to the answer cells."""
    if not EXERCISE.exists():
        pytest.skip(f"{EXERCISE.relative_to(REPO)} does not exist yet: the self-check part "
                    "runs once the release notebooks are there")
    nb = nbformat.read(str(EXERCISE), as_version=4)
    checks = [i for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and _nbgrader(c).get("grade")
              and not _nbgrader(c).get("solution") and _has_code(c.source)]
    assert checks, f"{EXERCISE.name} has no public self-check cell"

    panel = open_notebook(page, lab, f"exercises/release/{EXERCISE.name}")
    allowed = {"NotImplementedError", "AssertionError"}
    answered = False  # an answer cell has run
    failures = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        shown = error_text(run_cell(page, panel, i))
        names = set(re.findall(r"\b([A-Za-z]+Error)\b", shown))
        if _nbgrader(cell).get("solution"):
            answered = True
            if "NotImplementedError" in names:
                allowed.add("NameError")
            continue
        where = f"cell {i} ({_nbgrader(cell).get('grade_id', 'no grade_id')})"
        if i in checks:
            assert shown, f"{where}: a self-check passed on a blank notebook"
            failures[where] = sorted(names)
        elif not answered:
            assert not shown, f"{where}, a setup cell, failed:\n{shown}"
        if shown:
            assert names & allowed, f"{where} failed otherwise than a blank one should:\n{shown}"
    assert len(failures) == len(checks), failures
    assert not page.errors, page.errors


# ---------------------------------------------------------------------------------------
# Saved steppers, every frontend (issue: a stepper never turns into an error), and
# pictures that fit their column.

NARROW = {"width": 1280, "height": 800}  # a laptop: JupyterLab's default layout leaves
COLUMN_PX = 848                          # an 848 px output area beside the file browser
MIN_TEXT_PX = 9
PICTURE_LESSONS = ("00", "01", "02", "03", "04")  # 05 draws what 01-03 drew, with torch

# Every picture in the outputs: its box, its container's width, whether an <img> loaded,
# and its SVG text (an <img>'s data URL decoded, or the inline <svg>).
READ_PICTURES = """(panel) => {
  const svgOf = (el) => {
    if (el.localName === "svg") return el.outerHTML;
    const src = el.getAttribute("src") || "";
    if (!src.startsWith("data:image/svg+xml")) return null;
    const comma = src.indexOf(",");
    const body = src.slice(comma + 1);
    if (src.slice(0, comma).endsWith(";base64")) {
      const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      return new TextDecoder().decode(bytes);
    }
    return decodeURIComponent(body);
  };
  const out = [];
  const shown = (el) => el.getClientRects().length > 0 && !el.closest("[hidden]");
  const pictures = panel.querySelectorAll(
    ".jp-OutputArea-output img, .jp-OutputArea-output .mgnb-figure > svg");
  for (const el of pictures) {
    if (!shown(el)) continue;
    const area = el.closest(".jp-OutputArea-output");
    const cell = el.closest(".jp-Cell");
    out.push({
      cell: [...cell.parentElement.children].indexOf(cell),
      tag: el.localName,
      width: el.getBoundingClientRect().width,
      area: area.clientWidth,
      loaded: el.localName !== "img" || (el.complete && el.naturalWidth > 0),
      svg: svgOf(el),
    });
  }
  return out;
}"""


def smallest_text_px(svg, shown_width):
    """The smallest font of an SVG drawn ``shown_width`` px wide: Graphviz gives font
    sizes in the units of its viewBox."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg[svg.find("<svg"):])
    view_width = float(root.get("viewBox").split()[2])
    sizes = [float(t.get("font-size")) for t in root.iter("{http://www.w3.org/2000/svg}text")
             if t.get("font-size")]
    return min(sizes) * shown_width / view_width if sizes else None


@pytest.fixture(scope="module")
def lessons(lab):
    """Lessons 00-04 run here now (nbclient, as tests/notebooks/run_lessons.py does) and
    trusted, as a participant's saved copies are: their outputs are those of this code,
    whatever the committed lessons hold."""
    from nbclient import NotebookClient

    folder = lab.root / "lessons"
    folder.mkdir(exist_ok=True)
    written = []
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if not path.name.startswith(PICTURE_LESSONS):
            continue
        nb = nbformat.read(str(path), as_version=4)
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        nbformat.write(nb, str(folder / path.name))
        written.append(folder / path.name)
    if not written:
        pytest.skip("no lessons 00-04 yet")
    subprocess.run([str(Path(sys.executable).parent / "jupyter"), "trust", *map(str, written)],
                   env=lab.env, check=True, capture_output=True, timeout=120)
    return written


def _narrow_page(browser):
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    page.set_default_timeout(KERNEL_S * 1000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _settled_outputs(page, panel, expected_steppers):
    """Wait until the saved outputs are drawn: every stepper output mounted."""
    from playwright.sync_api import expect

    expect(panel.locator(".mgnb-stepper")).to_have_count(expected_steppers)
    page.wait_for_function(
        "(p) => [...p.querySelectorAll('.jp-OutputArea-output img')]"
        ".every((i) => i.complete)", arg=panel.element_handle())


def _steppers_in(path):
    nb = nbformat.read(str(path), as_version=4)
    return sum("data-mgnb-stepper" in o.get("data", {}).get("text/html", "")
               for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _pictures_in(path):
    """Outputs with a picture as HTML: the steppers and the still pictures."""
    nb = nbformat.read(str(path), as_version=4)
    return sum('class="mgnb-still"' in o.get("data", {}).get("text/html", "")
               for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_every_lesson_picture_fits_its_column(browser, lab, lessons):
    """At 1280x800 with the file browser open, every picture of lessons 00-04 (still
    pictures and steppers) is no wider than its output area, and its smallest text is
    at least 9 px. A table of the measurements goes to test-artifacts/e2e/."""
    context, page = _narrow_page(browser)
    rows, problems = [], []
    try:
        for path in lessons:
            panel = open_notebook(page, lab, f"lessons/{path.name}")
            expect_browser = page.locator(".jp-FileBrowser:visible")
            assert expect_browser.count() == 1, "the file browser is not open"
            _settled_outputs(page, panel, _steppers_in(path))
            for p in panel.evaluate(READ_PICTURES):
                text = smallest_text_px(p["svg"], p["width"]) if p["svg"] else None
                rows.append((path.stem[:2], p["cell"], p["tag"], round(p["width"]),
                             p["area"], None if text is None else round(text, 1)))
                where = f"{path.name} cell {p['cell']} ({p['tag']})"
                if not p["loaded"]:
                    problems.append(f"{where}: the picture did not load (a broken image)")
                if p["width"] > p["area"] + 0.5:
                    problems.append(f"{where}: {p['width']:.0f} px in {p['area']} px")
                if text is not None and text < MIN_TEXT_PX:
                    problems.append(f"{where}: text {text:.1f} px")
            page.screenshot(path=str(save_dir() / f"lesson_{path.stem}_1280.png"),
                            full_page=False)
    finally:
        context.close()
    table = ["lesson cell tag width_px area_px smallest_text_px"]
    table += [" ".join(str(v) for v in row) for row in rows]
    (save_dir() / "picture_sizes.txt").write_text("\n".join(table) + "\n")
    assert len([r for r in rows if r[5] is not None]) >= 13, table
    assert all(r[4] <= COLUMN_PX + 40 for r in rows), table  # the layout measured is that
    assert not problems, "\n".join(problems + table)


def save_dir():
    from .support import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _save(page, path, cell):
    """Ctrl+S, then wait until the file on disk holds cell ``cell``'s outputs."""
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + KERNEL_S
    while time.monotonic() < deadline:
        try:
            saved = nbformat.read(str(path), as_version=4)
            outputs = [o for o in saved.cells[cell].outputs if "data" in o]
            if outputs:
                return saved, outputs
        except Exception:  # written as we read: read again
            pass
        time.sleep(0.25)
    pytest.fail(f"{path.name} was not saved with its outputs")


def _shut_down_kernels(lab):
    request = urllib.request.Request(f"http://127.0.0.1:{lab.port}/api/kernels",
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{lab.port}/api/kernels/{kernel['id']}", method="DELETE",
            headers={"Authorization": f"token {lab.token}"}), timeout=30)


def _no_widget_errors(panel):
    text = panel.inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text
    assert "Cannot display an untrusted SVG" not in text


def test_saved_stepper_steps_after_reopening(browser, lab, tmp_path):
    """Run all, save (JupyterLab's default settings: no widget state), shut the kernel
    down, reopen: the stepper is there and steps, frame by frame as computed here. The
    saved file holds the HTML stepper and no widget view."""
    context, page = _narrow_page(browser)
    relpath = "notebooks/e2e_saved.ipynb"
    _write_notebook(lab.root / relpath, [nbformat.v4.new_code_cell(SETUP_CELL),
                                         nbformat.v4.new_code_cell(STEP_CELL)])
    try:
        panel = open_notebook(page, lab, relpath)
        run_stepper_cell(page, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
        _, outputs = _save(page, lab.root / relpath, 1)
        (bundle,) = [o["data"] for o in outputs]
        assert "application/vnd.jupyter.widget-view+json" not in bundle
        assert "data-mgnb-stepper" in bundle["text/html"] and "image/svg+xml" in bundle
        _shut_down_kernels(lab)
        page.goto("about:blank")

        panel = open_notebook(page, lab, relpath)
        _settled_outputs(page, panel, 1)
        _no_widget_errors(panel)
        stepper = panel.locator(".mgnb-stepper")
        states = step_through(stepper)
        expected = expected_states()
        assert [s["active"] for s in states] == [e["hotNodes"] for e in expected]
        assert [s["grads"] for s in states] == [e["grads"] for e in expected]
        # the keys step it too, and the notebook keeps its active cell
        active = panel.locator(".jp-Cell.jp-mod-active")
        before = active.evaluate("(c) => [...c.parentElement.children].indexOf(c)")
        stepper.focus()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert stepper.evaluate(READ_STEPPER)["counter"] == f"step 2 / {len(states) - 1}"
        assert active.evaluate("(c) => [...c.parentElement.children].indexOf(c)") == before
        screenshots(page, stepper, tmp_path, "reopened")
        assert not page.errors, page.errors
    finally:
        context.close()


def test_untrusted_notebook_shows_the_still_picture(browser, lab, lessons):
    """A lesson whose signature no longer matches (edited outside JupyterLab, as a fresh
    download is): no script runs, no stepper, but each stepper output shows its picture
    (the sanitized HTML keeps the <img>), and no error or empty box."""
    source = lessons[0]
    nb = nbformat.read(str(source), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("An edited copy."))
    target = lab.root / "lessons" / f"untrusted_{source.name}"
    nbformat.write(nb, str(target))
    steppers = _steppers_in(target)
    assert steppers, f"{source.name} has no stepper output"
    context, page = _narrow_page(browser)
    try:
        panel = open_notebook(page, lab, f"lessons/{target.name}")
        expect_stills = panel.locator(".jp-OutputArea-output img.mgnb-still")
        from playwright.sync_api import expect

        expect(expect_stills).to_have_count(_pictures_in(target))
        page.wait_for_function(
            "(p) => [...p.querySelectorAll('.jp-OutputArea-output img')]"
            ".every((i) => i.complete && i.naturalWidth > 0)", arg=panel.element_handle())
        assert panel.locator(".mgnb-stepper").count() == 0  # no script ran
        _no_widget_errors(panel)
        for p in panel.evaluate(READ_PICTURES):
            assert p["loaded"] and 0 < p["width"] <= p["area"] + 0.5, p
        page.screenshot(path=str(save_dir() / "untrusted_lesson.png"))
    finally:
        context.close()


def test_nbconvert_html_steps_offline(browser, lab, lessons, tmp_path):
    """``jupyter nbconvert --to html`` of a lesson, opened from disk with every network
    request refused: each stepper mounts from its own output and steps; every picture
    shows."""
    source = lessons[0]
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "nbconvert",
                           "--to", "html", "--output-dir", str(tmp_path), str(source)],
                          env=lab.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    html_file = tmp_path / f"{source.stem}.html"
    context = browser.new_context(viewport=NARROW)
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(html_file.as_uri())
        steppers = page.locator(".mgnb-stepper")
        from playwright.sync_api import expect

        expect(steppers).to_have_count(_steppers_in(source))
        states = step_through(steppers.first)
        check_steps(states)
        broken = page.evaluate("[...document.images].filter((i) => i.closest('.mgnb-output')"
                               " === null && !(i.complete && i.naturalWidth > 0)).length")
        assert broken == 0
        for box in steppers.evaluate_all("(els) => els.map((e) => [e.getBoundingClientRect()"
                                         ".width, e.querySelector('svg')"
                                         ".getBoundingClientRect().width])"):
            assert box[0] > 100 and box[1] > 100, box  # no 0 px box
        page.screenshot(path=str(save_dir() / "nbconvert_offline.png"))
        assert not [e for e in errors if "mgnb" in e or "mount" in e], errors
    finally:
        context.close()


def open_in_notebook_7(page, lab, relpath):
    """Open a notebook in Notebook 7 (served by the same server) and wait until its
    kernel is idle; returns the notebook panel."""
    from playwright.sync_api import expect

    if not (Path(sys.executable).parent / "jupyter-notebook").exists():
        unavailable("Notebook 7 is not installed: pip install -e '.[e2e]'")
    page.goto(lab.url(f"notebooks/{relpath}"))
    panel = page.locator(".jp-NotebookPanel:visible")
    expect(panel).to_have_count(1)
    expect(panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
           ).to_have_count(1, timeout=KERNEL_S * 1000)
    return panel


def test_stepper_keys_in_notebook_7(browser, lab, tmp_path):
    """Notebook 7 (served by the same server): the buttons and ← → Home step."""
    from playwright.sync_api import expect

    relpath = "notebooks/e2e_notebook7.ipynb"
    _write_notebook(lab.root / relpath, [nbformat.v4.new_code_cell(SETUP_CELL),
                                         nbformat.v4.new_code_cell(STEP_CELL)])
    context, page = _narrow_page(browser)
    try:
        panel = open_in_notebook_7(page, lab, relpath)
        stepper = run_stepper_cell(page, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
        total = int(stepper.evaluate(READ_STEPPER)["counter"].split("/")[1])
        stepper.get_by_role("button", name=FORWARD, exact=True).click()
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 1 / {total}")
        page.keyboard.press("ArrowRight")  # focus stays on the stepper after a click
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 2 / {total}")
        page.keyboard.press("ArrowLeft")
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 1 / {total}")
        page.keyboard.press("End")
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step {total} / {total}")
        page.keyboard.press("Home")
        expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 0 / {total}")
        screenshots(page, stepper, tmp_path, "notebook7")
        # (Notebook 7 itself reports a few errors of its own: only the stepper's count)
        assert not [e for e in page.errors if "mgnb" in e or "stepper" in e], page.errors
    finally:
        context.close()


def _opens_unmodified(browser, lab, paths):
    folder = lab.root / "as_shipped"
    folder.mkdir(exist_ok=True)
    context, page = _narrow_page(browser)
    try:
        for path in paths:
            target = folder / path.name
            target.write_bytes(path.read_bytes())  # as shipped: metadata untouched
            assert not _marked_modified_on_open(page, lab, f"as_shipped/{path.name}"), \
                f"{path.name} is marked modified as soon as it opens"
    finally:
        context.close()


def _marked_modified_on_open(page, lab, relpath):
    """Open a notebook, let its kernel start and JupyterLab apply the kernel's info: is
    its tab marked modified? JupyterLab writes the kernel's language_info once the
    kernel_info_reply has come in on the kernel's websocket (after the kernel shows
    idle, seen up to seconds later under load): that reply is waited for."""
    from playwright.sync_api import expect

    replies = []

    def watch(socket):
        def frame(payload):
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            if '"kernel_info_reply"' in text:
                replies.append(socket.url)
        socket.on("framereceived", frame)

    page.on("websocket", watch)
    try:
        panel = open_notebook(page, lab, relpath)
        expect(panel.locator(".jp-Cell").first).to_be_visible()
        deadline = time.monotonic() + KERNEL_S
        while not replies and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert replies, f"{relpath}: no kernel_info_reply reached the page"
        page.wait_for_timeout(500)  # (applied in the same turn; a margin for the DOM)
    finally:
        page.remove_listener("websocket", watch)
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    return "jp-mod-dirty" in (tab.get_attribute("class") or "")


def test_lessons_open_unmodified(browser, lab):
    """Opening a lesson and letting its kernel start changes nothing: the tab is not
    marked modified (on a machine whose Python is the one the lessons were saved with)."""
    paths = sorted((REPO / "notebooks").glob("00_*.ipynb"))
    if not paths:
        pytest.skip("no lesson yet")
    _opens_unmodified(browser, lab, paths)


def test_release_exercises_open_unmodified(browser, lab):
    """What ``micrograd-nb assign`` writes opens unmodified (on the reference Python:
    see micrograd_nb/grading/assign.py)."""
    paths = sorted((REPO / "exercises" / "release").glob("*.ipynb"))
    if not paths:
        pytest.skip("no release exercise yet")
    _opens_unmodified(browser, lab, paths)


def test_what_jupyterlab_rewrites_on_open(browser, lab):
    """Which metadata JupyterLab 4 rewrites once the kernel is up, read from what it
    saves: kernelspec and language_info, nothing else, each whole, from the kernel. A
    notebook differing from the kernel's info in language_info.version alone is marked
    modified too (the field no file can match on every laptop)."""
    import platform

    from micrograd_nb.grading.assign import KERNELSPEC, LANGUAGE_INFO

    folder = lab.root / "metadata"
    folder.mkdir(exist_ok=True)
    minimal = folder / "minimal.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"},
                   "language_info": {"name": "python"}, "authors": ["kept as it is"]}
    nbformat.write(nb, str(minimal))
    other_python = folder / "other_python.ipynb"
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": dict(LANGUAGE_INFO, version="3.10.0")}
    nbformat.write(nb, str(other_python))
    context, page = _narrow_page(browser)
    try:
        assert _marked_modified_on_open(page, lab, "metadata/minimal.ipynb")
        page.locator(".jp-NotebookPanel:visible .jp-Notebook").first.click()
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + KERNEL_S
        while time.monotonic() < deadline:
            try:
                saved = nbformat.read(str(minimal), as_version=4).metadata
            except Exception:  # written as we read: read again
                saved = {}
            if saved.get("language_info", {}).get("version"):
                break
            time.sleep(0.25)
        assert saved == {"kernelspec": KERNELSPEC,
                         "language_info": dict(LANGUAGE_INFO,
                                               version=platform.python_version()),
                         "authors": ["kept as it is"]}
        page.goto("about:blank")
        assert _marked_modified_on_open(page, lab, "metadata/other_python.ipynb")
    finally:
        context.close()


def test_workshop_settings_turn_the_news_off(page, lab):
    """binder/overrides.json (the workshop's and Binder's JupyterLab defaults) is what
    JupyterLab uses: no news popup over the first lesson."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{lab.port}/lab/api/settings/@jupyterlab/apputils-extension:"
        "notification", headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)
    # the overrides become the schema's defaults
    defaults = answer["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false", answer
    assert defaults["checkForUpdates"]["default"] is False, answer
    open_notebook(page, lab, "notebooks/e2e_stepper.ipynb")
    page.wait_for_timeout(1500)  # the question would have shown by now
    assert page.get_by_text("official Jupyter news").count() == 0


# ---------------------------------------------------------------------------------------
# the explainer's card: seen without scrolling

CARD_CELL = "x = mg.ones(3, requires_grad=True)\ny = x * 2\ny.backward()"


def test_an_error_card_is_seen_above_the_fold(browser, lab, tmp_path):
    """At a laptop's 1280x800, a cell whose backward() fails shows the card's title on the
    screen together with the failing line: the engine's frames are hidden from the
    traceback, so the card is not pushed below the fold."""
    from playwright.sync_api import expect

    _write_notebook(lab.root / "notebooks" / "e2e_card.ipynb",
                    [nbformat.v4.new_code_cell(SETUP_CELL), nbformat.v4.new_code_cell(CARD_CELL)])
    context, page = _narrow_page(browser)
    try:
        panel = open_notebook(page, lab, "notebooks/e2e_card.ipynb")
        run_cell(page, panel, 0)
        cell = run_cell(page, panel, 1)
        card = cell.locator(".micrograd-nb-explainer")
        expect(card).to_have_count(1)
        traceback = error_text(cell)
        assert "y.backward()" in traceback and "skipping hidden" in traceback, traceback
        # the failing cell at the top of the notebook's view: the card's title is on screen
        cell.evaluate("(e) => e.scrollIntoView({block: 'start'})")
        title = card.locator("div").nth(1)
        expect(title).to_contain_text("backward() needs a scalar output")
        box = title.bounding_box()
        assert box is not None and box["y"] + box["height"] <= NARROW["height"], box
        shot = tmp_path / "card_above_the_fold.png"
        page.screenshot(path=str(shot))
        save_artifact(shot)
        assert not page.errors, page.errors
    finally:
        context.close()
