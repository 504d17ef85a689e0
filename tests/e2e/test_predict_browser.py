"""Practice mode in JupyterLab 4 and headless Chromium: a ``%%autograd --predict`` cell;
the student types a wrong answer, sees the rule's hint, types the right one, answers the
rest by keyboard only and reaches the summary. One bounded test; it reuses the
JupyterLab server and browser of test_workshop.py (its own instance of those fixtures).
"""

import nbformat

from .test_workshop import (  # noqa: F401  (fixtures)
    SETUP_CELL,
    _write_notebook,
    browser,
    lab,
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


def expected_questions():
    """The questions the cell asks, computed in this process (names as the magic gives)."""
    import micrograd_nb as mg
    from micrograd_nb.autograd import record
    from micrograd_nb.jupyter.predict import questions
    from micrograd_nb.viz import draw

    namespace = {"mg": mg}
    with record(saved=True) as passes:
        exec(PREDICT_CODE, namespace)
    names = {id(v): k for k, v in sorted(namespace.items()) if isinstance(v, mg.Value)}
    return questions(draw(passes[0], names=names), passes[0])["questions"]


def test_predict_wrong_hint_right_summary(page, lab, tmp_path):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    from micrograd_nb.jupyter.predict import fill

    relpath = "notebooks/e2e_predict.ipynb"
    _write_notebook(lab.root / relpath, [nbformat.v4.new_code_cell(SETUP_CELL),
                                         nbformat.v4.new_code_cell("%%autograd --predict\n"
                                                                   + PREDICT_CODE)])
    panel = open_notebook(page, lab, relpath)
    stepper = run_stepper_cell(page, panel, [nbformat.v4.new_code_cell(SETUP_CELL)], 1)
    asked = expected_questions()
    assert len(asked) == 4
    question = stepper.locator(".mgnb-question")
    feedback = stepper.locator(".mgnb-feedback")
    answer = stepper.locator("input.mgnb-answer")
    assert question.get_attribute("aria-live") == "polite"  # read out to screen readers
    expect(question).to_contain_text(asked[0]["prompt"])
    expect(stepper.locator(".mgnb-tolerance")).to_contain_text("0.001 relative")
    # every gradient is hidden: the edge asked about shows "∂ ?", and of the Values' grads
    # only the output's shows (the seed, 1.0: given, not asked)
    expect(stepper.locator("svg g.edge text", has_text="∂ ?")).to_have_count(1)
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
    page.keyboard.type(str(asked[0]["expected"] + 7))
    page.keyboard.press("Enter")
    hint = fill(asked[0]["template"], asked[0]["numbers"])
    expect(feedback).to_contain_text(f"Hint: {hint}")
    expect(question).to_contain_text(asked[0]["prompt"])  # still the same question
    screenshots(page, stepper, tmp_path, "e2e_predict_hint")
    page.keyboard.press("Control+A")
    page.keyboard.type(repr(asked[0]["expected"]))
    page.keyboard.press("Enter")
    expect(feedback).to_contain_text("right")
    for q in asked[1:]:
        expect(question).to_contain_text(q["prompt"])
        page.keyboard.type(repr(q["expected"]))  # the focus stays in the answer box
        page.keyboard.press("Enter")

    summary = stepper.locator(".mgnb-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_text("3 of 4 right at the first try; trouble with * (1)")
    # the whole pass is shown at the end, the leaves' gradients with it
    counter = stepper.locator(".mgnb-counter").inner_text()
    total = counter.split("/")[1].strip()
    assert counter == f"step {total} / {total}"
    expect(stepper.locator("svg g.node text", has_text="grad 4.0")).to_have_count(1)  # b
    screenshots(page, stepper, tmp_path, "e2e_predict_summary")
    # typing went to the answer box only, not to the notebook's command-mode keys (digits
    # there make a cell a heading): the two cells and the empty one Shift+Enter added
    expect(panel.locator(".jp-Notebook .jp-Cell")).to_have_count(3)
    expect(panel.locator(".jp-Notebook .jp-CodeCell")).to_have_count(3)
    assert not page.errors, page.errors
