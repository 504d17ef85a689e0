"""Claims in the lessons' text that can drift from the code they describe, checked
against that code (fast: the saved notebooks are read, nothing is run).

- the stepper's buttons: every button the text names is one of stepper.js's, with its key,
  and lesson 0 names all five;
- step counts: every stand-in of a picture or stepper says "N steps after the seed" (one
  wording), and the still picture, the stepper and ``_autograd_passes`` of lesson 0's one
  pass say the same N;
- the differences from PyTorch that lesson 5 lists are still what the engine does;
- every lesson from 1 on ends with its key cell run on PyTorch under ``%%autograd``, skipped
  cleanly without torch, and every node the text after it names is in its saved picture.
"""

import html
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import micrograd_nb as mg

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STEPPER_JS = ROOT / "micrograd_nb" / "jupyter" / "stepper.js"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def stepper_buttons():
    """{label: title} of the stepper's buttons, read from stepper.js: button("▶|",
    "step forward (→)")."""
    found = dict(re.findall(r'button\("([^"]+)",\s*"([^"]+)"\)', STEPPER_JS.read_text()))
    assert len(found) == 5, found
    return found


def markdown(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "markdown"]


def plain_outputs(path):
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain") if "data" in out else out.get("text")
            if text:
                yield cell.source, text


GLYPHS = "⏮◀▶⏭⏸"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_buttons_named_in_the_text_are_the_steppers(path):
    buttons = stepper_buttons()
    for text in markdown(path):
        for match in re.finditer(f"[{GLYPHS}]", text):
            # every glyph is a button written as `label` title (key), as stepper.js titles it
            quoted = re.match(r"`([^`]+)` ([^()\n]+ \([^)]+\))", text[match.start() - 1:])
            assert quoted, f"{path.name}: a button glyph outside `label` title (key): " \
                           f"{text[max(0, match.start() - 30):match.end() + 30]!r}"
            label, title = quoted.groups()
            assert buttons.get(label) == title, (path.name, label, title, buttons)


def test_lesson_0_names_all_five_buttons_with_their_keys():
    text = "\n".join(markdown(NOTEBOOKS / "00_start_here.ipynb"))
    for label, title in stepper_buttons().items():
        assert f"`{label}` {title}" in text


def test_one_wording_for_step_counts():
    for path in LESSONS:
        for _, text in plain_outputs(path):
            for stand_in in re.findall(r"<(?:AutogradGraph|PassStepper)[^>]*>", text):
                if " steps" in stand_in:
                    assert re.search(r"\d+ steps after the seed>$", stand_in), (path.name,
                                                                              stand_in)


def test_lesson_0_counts_one_pass_the_same_everywhere():
    counts = {}
    for source, text in plain_outputs(NOTEBOOKS / "00_start_here.ipynb"):
        if "c.backward()" in source:
            kind = "stepper" if "--step" in source else "graph"
            counts[kind] = int(re.search(r"(\d+) steps after the seed>", text).group(1))
        if "print(_autograd_passes)" in source:
            counts["pass"] = int(re.search(r"steps=(\d+)", text).group(1))
    assert set(counts) == {"graph", "stepper", "pass"}
    assert len(set(counts.values())) == 1, counts


def _lesson_5_says(fragment):
    return any(fragment in text for text in markdown(NOTEBOOKS / "05_to_pytorch.ipynb"))


def test_lesson_5_lists_the_differences_the_engine_still_has():
    """Each listed difference is checked on the engine: when the engine is aligned with
    PyTorch, this fails, and the list in lesson 5 must lose that entry."""
    w = mg.tensor(0.5, requires_grad=True)
    losses = mg.nn.functional.mse_loss(w * mg.tensor([1.0, 2.0]), mg.tensor([2.0, 4.0]),
                                       reduction="none")
    listed = _lesson_5_says("grad_fn=<PowBackward0>")
    assert listed == (losses.grad_fn.name() == "PowBackward0")

    a = mg.tensor([[1.0, 2.0]], dtype=mg.float64)
    b = mg.tensor([[1.0], [2.0]])
    try:
        promotes = (a @ b).dtype == mg.float64
    except RuntimeError:
        promotes = False
    assert _lesson_5_says("promotes to float64 here") == promotes

    from_list = mg.tensor(list(np.array([1.0, 2.0]))).dtype
    assert _lesson_5_says("is float32\n  here and float64 in PyTorch") == (
        from_list == mg.float32)


def svg_words(outputs):
    """The text of every SVG picture in a cell's saved outputs."""
    return [html.unescape(word) for out in outputs
            for word in re.findall(r"<text[^>]*>([^<]*)</text>",
                                   out.get("data", {}).get("image/svg+xml", ""))]


def torch_endings(path):
    """(cell, the markdown cell after it) for each %%autograd cell that runs torch."""
    cells = nbformat.read(path, as_version=4).cells
    return [(cell, cells[i + 1]) for i, cell in enumerate(cells)
            if cell.cell_type == "code" and cell.source.startswith("%%autograd")
            and "torch." in cell.source]


@pytest.mark.parametrize("path", LESSONS[1:], ids=lambda p: p.stem)
def test_each_lesson_shows_its_key_cell_on_pytorch(path):
    endings = torch_endings(path)
    assert endings, f"{path.name}: no %%autograd cell on torch"
    for cell, text in endings:
        # its output depends on whether torch is installed: run, never compared
        assert "nbval-ignore-output" in cell.metadata.get("tags", []), path.name
        assert "if torch is None" in cell.source or "torch is not None" in cell.source
        words = svg_words(cell.outputs)
        skipped = any("not installed" in out.get("text", "") for out in cell.outputs)
        assert words and not skipped, \
            f"{path.name}: saved without torch's picture (run it with torch installed)"
        named = set(re.findall(r"`(?:\w+ = )?([A-Z]\w*Backward\d*)`", text.source))
        nodes = {word.split(" = ")[-1] for word in words}
        assert named and named <= nodes, (path.name, named - nodes)
