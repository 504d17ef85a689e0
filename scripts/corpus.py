"""Run teaching code on PyTorch and on micrograd_nb, and compare what it prints.

    .venv/bin/python scripts/corpus.py FOLDER [--timeout SECONDS] [--seed N]

Every ``.py`` file of FOLDER is a program; ``.md`` (d2l-en: the ``%%tab pytorch`` cells
and untagged ones), ``.ipynb`` and ``.rst`` (``code-block:: python``) files are turned
into one program each, run top to bottom, where a cell's last expression is printed as a
notebook shows it. Each program runs twice, as ``python prog.py`` (real torch) and as
``micrograd-nb run prog.py``, and falls into one of:

  identical     the same output, apart from the library's name
  same numbers  the same text, and every number within float tolerance
  same text     random numbers: two PyTorch runs print different numbers (no seed), so
                only the text around the numbers is compared
  fails         the micrograd_nb run raised, or printed something else (first blocker shown)
  out of scope  the program fails on PyTorch itself here (downloads, CUDA, torchvision...)

With ``--seed N`` each program starts with ``torch.manual_seed(N)`` on both libraries:
micrograd_nb reproduces PyTorch's CPU generator, so programs that draw random numbers are
then compared number for number too.

Nothing is downloaded: FOLDER holds code fetched beforehand, kept out of the repository.
"""

import argparse
import ast
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REL_TOL, ABS_TOL = 1e-4, 1e-5
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")
SHOW = (
    "def __corpus_show__(value):\n"
    "    if value is not None:\n"
    "        print(repr(value))\n\n"
)


# --- extracting programs -------------------------------------------------------------------

def cells_of_markdown(text):
    """d2l-en's code cells: a ``%%tab`` line picks the framework; keep pytorch's and
    those for every framework (``%%tab all`` or no tab)."""
    cells = []
    for block in re.findall(r"```\{\.python \.input[^}]*\}\n(.*?)```", text, flags=re.S):
        lines = block.splitlines()
        if lines and lines[0].startswith("%%tab"):
            tabs = lines[0].split()[1:]
            if not ({"pytorch", "all"} & {t.strip(",") for t in tabs}):
                continue
            lines = lines[1:]
        if any(line.startswith(("%load_ext", "tab.")) for line in lines):
            continue
        cells.append("\n".join(lines))
    return cells


def cells_of_rst(text):
    cells = []
    for match in re.finditer(r"\.\. code-block:: python\n((?:\n|[ \t]+.*\n)+)", text):
        body = match.group(1)
        indents = [len(line) - len(line.lstrip()) for line in body.splitlines() if line.strip()]
        if indents:
            cells.append("\n".join(line[min(indents):] for line in body.splitlines()))
    return cells


def cells_of_notebook(text):
    notebook = json.loads(text)
    return ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code"]


def program_from_cells(cells):
    """One script: each cell's last expression printed, IPython magics dropped."""
    parts = [SHOW]
    for cell in cells:
        source = "\n".join(line for line in cell.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body[-1]
            call = ast.parse(f"__corpus_show__({ast.unparse(last.value)})").body[0]
            tree.body[-1] = call
        parts.append(ast.unparse(tree))
    return "\n\n".join(parts) + "\n"


def programs(folder, workdir):
    """(name, path of the runnable .py) for every program in ``folder``."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".py":
            found.append((str(path.relative_to(folder)), path))
            continue
        extract = {".md": cells_of_markdown, ".rst": cells_of_rst,
                   ".ipynb": cells_of_notebook}.get(path.suffix)
        if extract is None:
            continue
        cells = extract(path.read_text(encoding="utf-8"))
        if not cells:
            continue
        target = Path(workdir) / (path.relative_to(folder).as_posix().replace("/", "__") + ".py")
        target.write_text(program_from_cells(cells), encoding="utf-8")
        found.append((str(path.relative_to(folder)), target))
    return found


# --- running and comparing -----------------------------------------------------------------

def run(command, cwd, timeout):
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"})
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout}s"
    return done.returncode, done.stdout, done.stderr


def first_blocker(stderr):
    """The exception line of a traceback (its last line that names an error)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Interrupt|Warning)\b", line) or \
                line.startswith(("micrograd_nb.", "torch.")):
            return line.split(": micrograd_nb covers")[0][:160]  # the feature, not the scope
    return (lines[-1] if lines else "no output")[:160]


def normalise(text):
    """The library's name and object addresses are allowed to differ."""
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", text.replace("micrograd_nb", "torch"))


def numbers_agree(a, b):
    for x, y in zip(a, b):
        fx, fy = float(x), float(y)
        if math.isnan(fx) and math.isnan(fy):
            continue
        if not math.isclose(fx, fy, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return False
    return len(a) == len(b)


def same_text(torch_out, ours_out):
    """Equal once numbers are masked; the padding tensors print around them follows the
    numbers, so spaces are left out."""
    def masked(text):
        return re.sub(r"[ \t]+", "", NUMBER.sub("#", normalise(text)))

    return masked(torch_out) == masked(ours_out)


def compare(torch_out, ours_out):
    a, b = normalise(torch_out), normalise(ours_out)
    if a == b:
        return "identical", None
    if NUMBER.sub("#", a) == NUMBER.sub("#", b) and numbers_agree(NUMBER.findall(a),
                                                                   NUMBER.findall(b)):
        return "same numbers", None
    for i, (line_a, line_b) in enumerate(zip(a.splitlines(), b.splitlines())):
        if line_a != line_b and not (NUMBER.sub("#", line_a) == NUMBER.sub("#", line_b)
                                     and numbers_agree(NUMBER.findall(line_a),
                                                       NUMBER.findall(line_b))):
            return "fails", f"output line {i + 1}: torch {line_a[:70]!r} / ours {line_b[:70]!r}"
    return "fails", f"output length: torch {len(a.splitlines())} lines, ours {len(b.splitlines())}"


def seeded(path, seed):
    """A copy of the program at ``path`` that seeds torch's generator first."""
    copy = Path(tempfile.mkdtemp(prefix="corpus-seeded-")) / path.name
    lines = path.read_text().splitlines(keepends=True)
    # ``from __future__`` imports (and the docstring before them) must stay first.
    futures = [i for i, line in enumerate(lines) if line.startswith("from __future__ ")]
    head = futures[-1] + 1 if futures else 0
    seed_lines = f"import torch\ntorch.manual_seed({seed})\n"
    copy.write_text("".join(lines[:head]) + seed_lines + "".join(lines[head:]))
    return copy


def judge(path, timeout, seed=None):
    if seed is not None:
        path = seeded(Path(path), seed)
    cwd = tempfile.mkdtemp(prefix="corpus-")  # each run writes its files apart
    rc_t, out_t, err_t = run([sys.executable, str(path)], cwd, timeout)
    if rc_t != 0:
        return "out of scope", "on torch: " + first_blocker(err_t)
    cwd = tempfile.mkdtemp(prefix="corpus-")
    rc_m, out_m, err_m = run([sys.executable, "-m", "micrograd_nb.cli", "run", str(path)], cwd,
                             timeout)
    if rc_m != 0:
        return "fails", first_blocker(err_m)
    verdict, detail = compare(out_t, out_m)
    if verdict == "fails" and same_text(out_t, out_m):
        _, again, _ = run([sys.executable, str(path)], tempfile.mkdtemp(prefix="corpus-"), timeout)
        if compare(out_t, again)[0] == "fails":  # PyTorch does not repeat itself either
            return "same text", "random numbers (unseeded): compared without them"
    return verdict, detail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--seed", type=int, default=None,
                        help="seed torch's generator first, in both runs")
    args = parser.parse_args(argv)
    counts = {"identical": 0, "same numbers": 0, "same text": 0, "fails": 0, "out of scope": 0}
    with tempfile.TemporaryDirectory(prefix="corpus-programs-") as workdir:
        for name, path in programs(args.folder, workdir):
            verdict, detail = judge(path, args.timeout, args.seed)
            counts[verdict] += 1
            print(f"{verdict:13} {name}" + (f"\n{'':14}{detail}" if detail else ""), flush=True)
    print()
    print("| " + " | ".join(counts) + " |")
    print("|---" * len(counts) + "|")
    print("| " + " | ".join(str(counts[k]) for k in counts) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
