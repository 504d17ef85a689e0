#!/usr/bin/env bash
# Set up .venv and open the workshop: JupyterLab on the first lesson, with the lessons
# (notebooks/) and the exercises (exercises/release/) beside it, as on Binder.
# Extra arguments go to jupyter lab, e.g. scripts/workshop.sh --no-browser --port=8899
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh workshop,lessons
# The lessons are saved with their pictures and steppers; JupyterLab shows saved
# outputs of a notebook only once it is trusted (a fresh clone is not).
.venv/bin/jupyter trust notebooks/*.ipynb exercises/release/*.ipynb >/dev/null 2>&1 || true

first="notebooks/00_start_here.ipynb"
[ -f "$first" ] && open="/lab/tree/$first" || open="/lab/tree/notebooks"
# (LabApp's default_url: jupyter lab would put its own "/lab" over ServerApp's)
args=(--ServerApp.root_dir="$root" --LabApp.default_url="$open")
# JupyterLab refuses to run as root unless told; containers and CI machines are root.
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec .venv/bin/jupyter lab "${args[@]}" "$@"
