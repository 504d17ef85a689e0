"""Practice mode in headless Chromium: a ``%%autograd --predict`` cell; the student types a
wrong answer, sees the rule's hint, types the right one, answers the rest and reaches the
summary. In JupyterLab 4 by keyboard only; in Notebook 7; and on lesson 01's predict cell
run, saved, its kernel shut down and the notebook reopened (practice runs from the saved
output, with no kernel). The tests reuse the JupyterLab server and browser of
test_workshop.py (their own instances of those fixtures).
"""


import nbformat
import pytest

from .support import REPO
from .test_workshop import (  # noqa: F401  (fixtures)
    KERNEL_S,
    SETUP_CELL,
    _blank_copy,
    _narrow_page,
    _save,
    _shut_down_kernels,
    _write_notebook,
    browser,
    lab,
    open_in_notebook_7,
    open_notebook,
    page,
    run_stepper_cell,
    screenshots,
)

PREDICT_CODE = """\
a = mg.Value(2.0)
b = mg.Value(-3.0)
loss = (a * b) * 2.0
loss.backward()"""
LESSON = REPO / "notebooks" / "01_scalar_outputs.ipynb"
PREDICT_MAGIC = "%%autograd --predict"


def expected_questions(code=PREDICT_CODE):
    """The questions the cell asks, computed in this process (names as the magic gives)."""
    import micrograd_nb as mg
    from micrograd_nb.autograd import record
    from micrograd_nb.jupyter.predict import questions
    from micrograd_nb.viz import draw

    namespace = {"mg": mg, "Value": mg.Value}
    with record(saved=True) as passes:
        exec(code, namespace)
    names = {id(v): k for k, v in sorted(namespace.items()) if isinstance(v, mg.Value)}
    return questions(draw(passes[0], names=names), passes[0])["questions"]


def practise(tab, stepper, asked, tmp_path, name):
    """With the focus in the answer box: answer the first question wrong (its hint shows),
    then right, then every other one right, and reach the summary (one trouble)."""
    from playwright.sync_api import expect

    from micrograd_nb.jupyter.predict import fill

    question = stepper.locator(".mgnb-question")
    feedback = stepper.locator(".mgnb-feedback")
    expect(question).to_contain_text(asked[0]["prompt"])
    tab.keyboard.type(str(asked[0]["expected"] + 7))
    tab.keyboard.press("Enter")
    hint = fill(asked[0]["template"], asked[0]["numbers"])
    expect(feedback).to_contain_text(f"Hint: {hint}")
    expect(question).to_contain_text(asked[0]["prompt"])  # still the same question
    screenshots(tab, stepper, tmp_path, f"{name}_hint")
    tab.keyboard.press("Control+A")
    tab.keyboard.type(repr(asked[0]["expected"]))
    tab.keyboard.press("Enter")
    expect(feedback).to_contain_text("right")
    for q in asked[1:]:
        expect(question).to_contain_text(q["prompt"])
        tab.keyboard.type(repr(q["expected"]))  # the focus stays in the answer box
        tab.keyboard.press("Enter")
    summary = stepper.locator(".mgnb-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_text(f"{len(asked) - 1} of {len(asked)} right at the first try; "
                                 f"trouble with {asked[0]['op']} (1)")
    # the whole pass is shown at the end
    counter = stepper.locator(".mgnb-counter").inner_text()
    total = counter.split("/")[1].strip()
    assert counter == f"step {total} / {total}"
    screenshots(tab, stepper, tmp_path, f"{name}_summary")


def test_predict_wrong_hint_right_summary(page, lab, tmp_path):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    relpath = "notebooks/e2e_predict.ipynb"
    _write_notebook(lab.root / relpath, [nbformat.v4.new_code_cell(SETUP_CELL),
                                         nbformat.v4.new_code_cell(f"{PREDICT_MAGIC}\n"
                                                                   + PREDICT_CODE)])
    panel = open_notebook(page, lab, relpath)
    stepper = run_stepper_cell(page, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
    asked = expected_questions()
    assert len(asked) == 4
    question = stepper.locator(".mgnb-question")
    answer = stepper.locator("input.mgnb-answer")
    assert question.get_attribute("aria-live") == "polite"  # read out to screen readers
    expect(question).to_contain_text(asked[0]["prompt"])
    expect(stepper.locator(".mgnb-tolerance")).to_contain_text("0.001 relative")
    # every gradient is hidden: the edges' labels that show are the one asked about, "∂ ?",
    # and those still to be asked, "∂ …"; of the Values' grads only the output's shows
    # (the seed, 1.0: given, not asked)
    shown = stepper.locator("svg g.edge text:not(.mgnb-hidden)")
    expect(shown.filter(has_text="∂ ?")).to_have_count(1)
    assert set(t.strip() for t in shown.all_text_contents()) <= {"∂ ?", "∂ …"}
    grads = [t.strip() for t in stepper.locator("svg g.node text").all_text_contents()]
    assert [t for t in grads if t.startswith("grad ") and t != "grad —"] == ["grad 1.0"]

    # the arrows step, but not past the step asked about: no peeking ahead
    limit = asked[0]["frame"]
    stepper.focus()
    page.keyboard.press("End")
    expect(stepper.locator(".mgnb-counter")).to_have_text(f"step {limit} / {limit}")
    page.keyboard.press("Home")
    expect(stepper.locator(".mgnb-counter")).to_have_text(f"step 0 / {limit}")
    page.keyboard.press("End")

    # keyboard only: Tab to the answer box, type, Enter
    for _ in range(12):
        page.keyboard.press("Tab")
        if answer.evaluate("(box) => box === document.activeElement"):
            break
    assert answer.evaluate("(box) => box === document.activeElement")
    practise(page, stepper, asked, tmp_path, "e2e_predict")
    expect(stepper.locator(".mgnb-summary")).to_have_text(
        "3 of 4 right at the first try; trouble with * (1)")
    # the leaves' gradients are shown at the end
    expect(stepper.locator("svg g.node text", has_text="grad 4.0")).to_have_count(1)  # b
    # typing went to the answer box only, not to the notebook's command-mode keys (digits
    # there make a cell a heading): the two cells and the empty one Shift+Enter added
    expect(panel.locator(".jp-Notebook .jp-Cell")).to_have_count(3)
    expect(panel.locator(".jp-Notebook .jp-CodeCell")).to_have_count(3)
    assert not page.errors, page.errors


def test_predict_in_notebook_7(browser, lab, tmp_path):  # noqa: F811 (fixtures)
    """Notebook 7 (served by the same server): the same practice, the answer box clicked."""
    from playwright.sync_api import expect

    relpath = "notebooks/e2e_predict_notebook7.ipynb"
    _write_notebook(lab.root / relpath, [nbformat.v4.new_code_cell(SETUP_CELL),
                                         nbformat.v4.new_code_cell(f"{PREDICT_MAGIC}\n"
                                                                   + PREDICT_CODE)])
    context, tab = _narrow_page(browser)
    try:
        panel = open_in_notebook_7(tab, lab, relpath)
        stepper = run_stepper_cell(tab, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
        stepper.locator("input.mgnb-answer").click()
        practise(tab, stepper, expected_questions(), tmp_path, "notebook7_predict")
        expect(stepper.locator("svg g.node text", has_text="grad 4.0")).to_have_count(1)
        # typing stayed in the answer box: no cell turned into a heading or was added
        # beyond the one Shift+Enter made
        expect(panel.locator(".jp-Notebook .jp-CodeCell")).to_have_count(3)
        assert not [e for e in tab.errors if "mgnb" in e or "predict" in e], tab.errors
    finally:
        context.close()


def _predict_cell(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.startswith(PREDICT_MAGIC):
            return i
    return None


def test_lesson_predict_cell_after_save_and_reopen(browser, lab, tmp_path):  # noqa: F811
    """Lesson 01 up to its predict cell, outputs cleared: run, saved, its kernel shut down,
    reopened, the kernel shut down again: the saved output asks the lesson's questions
    and practice runs to its summary without a kernel."""
    from playwright.sync_api import expect

    if not LESSON.exists():
        pytest.skip("no lesson 01 yet")
    source = nbformat.read(str(LESSON), as_version=4)
    at = _predict_cell(source)
    if at is None:
        pytest.skip(f"{LESSON.name} has no {PREDICT_MAGIC} cell")
    relpath = f"notebooks/predict_{LESSON.name}"
    _blank_copy(LESSON, lab.root / relpath, last=at)
    cells = nbformat.read(str(lab.root / relpath), as_version=4).cells
    asked = expected_questions(cells[at].source.split("\n", 1)[1])
    context, tab = _narrow_page(browser)
    try:
        panel = open_notebook(tab, lab, relpath)
        run_stepper_cell(tab, panel, cells, at)
        _, outputs = _save(tab, lab.root / relpath, at)
        (bundle,) = [o["data"] for o in outputs]
        assert "mountPredict" in bundle["text/html"]
        _shut_down_kernels(lab)
        tab.goto("about:blank")

        panel = open_notebook(tab, lab, relpath)
        _shut_down_kernels(lab)  # what follows needs none
        stepper = panel.locator(".jp-Cell").nth(at).locator(".mgnb-stepper")
        expect(stepper).to_have_count(1)
        stepper.locator("input.mgnb-answer").click()
        practise(tab, stepper, asked, tmp_path, "lesson01_predict_reopened")
        assert not tab.errors, tab.errors
    finally:
        context.close()
