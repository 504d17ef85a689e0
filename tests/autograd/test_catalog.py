"""The error catalog, micrograd_nb/autograd/errors.py, is where PyTorch's texts live: every
entry is a template that formats, every entry is used, and the engine, ``nn`` and ``optim``
raise no literal text of their own except the few listed here."""

import ast
import re
import string
from pathlib import Path

from micrograd_nb.autograd import errors

PACKAGE = Path(errors.__file__).resolve().parents[1]  # micrograd_nb/
CATALOG = {name: value for name, value in vars(errors).items() if not name.startswith("_")}
SCANNED = [*sorted(PACKAGE.glob("autograd/*.py")), *sorted(PACKAGE.glob("nn/*.py")),
           *sorted(PACKAGE.glob("optim/*.py"))]

# Texts that are ours, not PyTorch's, so they stay where they are raised:
# (file under micrograd_nb/, start of the text).
OWN_TEXTS = {
    # backward()/grad() also take micrograd's Value, which PyTorch has no word for.
    ("autograd/api.py", "expected a Tensor or Value as output"),
    ("autograd/api.py", "expected a Tensor or Value as input"),
    # Features PyTorch has and this engine does not (vmap, calling a node by hand).
    ("autograd/api.py", "is_grads_batched=True is not supported"),
    ("autograd/function.py", "calling a grad_fn directly is not supported"),
    # PyTorch names its missing CUDA library; this engine has a CPU generator only.
    ("autograd/random.py", "micrograd_nb has a CPU generator only"),
    # scatter's reduce= (deprecated in PyTorch), which this engine does not have.
    ("autograd/select_methods.py", "micrograd_nb: scatter(reduce=...) is not implemented"),
    # karpathy's micrograd message, on the scalar Value.
    ("autograd/value.py", "only supporting int/float/Value powers"),
    # Value keeps its parents in two slots (every op has one or two inputs); micrograd
    # took any number, for nodes built by hand.
    ("autograd/value.py", "a Value has at most two parents"),
}


def test_every_entry_is_an_upper_case_string():
    assert CATALOG
    wrong = {name: type(value).__name__ for name, value in CATALOG.items()
             if not isinstance(value, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}
    assert not wrong, f"not an UPPER_CASE str: {wrong}"


def test_every_template_formats_with_keyword_arguments():
    for name, template in CATALOG.items():
        fields = set()
        for _, field, spec, conversion in string.Formatter().parse(template):
            if field is None:
                continue
            assert field.isidentifier(), f"{name}: {{{field}}} is not a keyword placeholder"
            assert conversion is None and spec in ("", "d"), f"{name}: {{{field}}}"
            fields.add(field)
        template.format(**dict.fromkeys(fields, 1))  # no positional or missing field


def test_every_entry_is_used_in_the_package():
    catalog = Path(errors.__file__).resolve()
    sources = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py") if path != catalog)
    unused = [name for name in CATALOG if not re.search(rf"\berrors\.{name}\b", sources)]
    assert not unused, f"catalog entries nothing raises: {unused}"


def _literal_text(node):
    """The text of a message written in place: "...", f"...", "..." + x, "...".format()."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _literal_text(node.func.value)
    return None


def _messages(tree):
    """The first argument of every ``raise X(...)`` and ``warnings.warn(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "warn"):
            call = node
        else:
            continue
        if call.args:
            yield call.lineno, call.args[0]


def test_no_literal_message_outside_the_catalog():
    found, own_used = [], set()
    for path in SCANNED:
        where = path.relative_to(PACKAGE).as_posix()
        for line, arg in _messages(ast.parse(path.read_text())):
            text = _literal_text(arg)
            if text is None:
                continue
            own = {key for key in OWN_TEXTS if key[0] == where and text.startswith(key[1])}
            if own:
                own_used |= own
            else:
                found.append(f"micrograd_nb/{where}:{line}: {text[:60]!r}")
    assert not found, "texts to move to errors.py:\n" + "\n".join(found)
    assert own_used == OWN_TEXTS, f"no longer raised, drop from OWN_TEXTS: {OWN_TEXTS - own_used}"


def test_the_scan_sees_literal_messages():
    tree = ast.parse('raise RuntimeError(f"a {b} c")\nraise ValueError("x" "y")\n'
                     'warnings.warn("w", stacklevel=2)\nraise TypeError("t {}".format(1))\n'
                     'raise RuntimeError(errors.HOOK_CHANGED_SIZE.format(name="h") + "!")\n'
                     "raise RuntimeError(errors.BACKWARD_TWICE)\nraise\n")
    texts = [_literal_text(arg) for _, arg in _messages(tree)]
    assert sorted(t for t in texts if t) == ["!", "a {} c", "t {}", "w", "xy"]
    assert texts.count(None) == 1  # errors.BACKWARD_TWICE; the bare raise has no call


def test_no_entry_is_defined_twice():
    """A second definition silently replaces the first, and the first's callers format a
    template they did not write."""
    tree = ast.parse(Path(errors.__file__).read_text())
    names = [target.id for node in tree.body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)]
    assert sorted({n for n in names if names.count(n) > 1}) == []
