"""Gradescope's autograder zip for one source notebook.

Gradescope unpacks the zip into ``/autograder/source``, builds an image with it
(``setup.sh``, run once as root on its Ubuntu image), copies ``run_autograder`` to
``/autograder/run_autograder`` and runs it for each submission, with the upload in
``/autograder/submission`` and the results expected in
``/autograder/results/results.json`` (gradescope-autograders.readthedocs.io, "specs").
Here ``setup.sh`` installs this very version of micrograd_nb with the grading extra
(from PyPI, or a wheel put into the zip), and
``run_autograder`` grades the one notebook uploaded, whatever its name. If the grader
itself could not write results, ``run_autograder`` writes a results.json that tells
the student grading failed and the instructor has been told, never a 0.

``MICROGRAD_NB_AUTOGRADER_ROOT`` (default /autograder) and ``MICROGRAD_NB_PYTHON``
(default the venv setup.sh made) move both scripts elsewhere, for testing.
"""

import json
import shlex
import stat
import zipfile
from importlib.metadata import version
from pathlib import Path

from .notebooks import Assignment
from .results import STUDENT_GRADING_FAILED

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
root="${{MICROGRAD_NB_AUTOGRADER_ROOT:-/autograder}}"
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip
fi
python3 -m venv "$root/venv"
"$root/venv/bin/python" -m pip install -q --disable-pip-version-check {requirement}
# The source notebook holds the solutions: readable by root only.
chmod -R go-rwx "$root/source"
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this once per submission.
root="${{MICROGRAD_NB_AUTOGRADER_ROOT:-/autograder}}"
python="${{MICROGRAD_NB_PYTHON:-$root/venv/bin/python}}"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
chmod -R go-rwx "$root/source"
cd "$root"
"$python" -m micrograd_nb.cli grade --submission-folder "$root/submission" \\
  --assignment "$root/source/"{source} --timeout {timeout} --gradescope "$results" 2>&1
status=$?
if [ ! -s "$results" ]; then
  # The grader failed before it could write the results: the student is told so.
  echo "micrograd-nb grade exited with status $status without results"
  cat > "$results" <<'JSON'
{fallback}
JSON
fi
exit 0
"""


def build_autograder(source, out, timeout=30.0, wheel=None):
    """Write the zip to ``out`` and return its path. The source is checked first."""
    assignment = Assignment.load(source)
    if wheel:
        requirement = f'"$root/source/{Path(wheel).name}[grading]"'
    else:
        requirement = shlex.quote(f"micrograd_nb[grading]=={version('micrograd_nb')}")
    fallback = json.dumps({"output": STUDENT_GRADING_FAILED, "tests": [],
                           "visibility": "visible", "stdout_visibility": "hidden"})
    files = {
        "setup.sh": SETUP.format(requirement=requirement),
        "run_autograder": RUN.format(source=shlex.quote(assignment.path.name),
                                     timeout=f"{timeout:g}", fallback=fallback),
        assignment.path.name: assignment.text,
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name in ("setup.sh", "run_autograder") else 0o600
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        if wheel:
            archive.write(wheel, Path(wheel).name)
    return out
