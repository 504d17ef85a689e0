#!/usr/bin/env bash
# Set up .venv and open the workshop: JupyterLab on the first lesson, serving the lessons
# (notebooks/) and the student exercises (exercises/release/) only, as on Binder.
#
#   bash scripts/workshop.sh                 micrograd_nb, JupyterLab, the lessons' needs
#   bash scripts/workshop.sh --with-torch    also PyTorch's CPU build, for lesson 05
#   bash scripts/workshop.sh --dry-run       what would be installed and served; nothing runs
#
# No PyTorch by default: lesson 05 skips its PyTorch cells cleanly without it, and on
# Linux the torch on PyPI is a CUDA build of several GB per laptop.
# Other arguments go to jupyter lab, e.g. scripts/workshop.sh --no-browser --port=8899
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="workshop,lessons"
with_torch=0
dry_run=0
lab_args=()
for arg in "$@"; do
  case "$arg" in
    --with-torch) with_torch=1 ;;
    --dry-run) dry_run=1 ;;
    *) lab_args+=("$arg") ;;
  esac
done

# PyTorch's own CPU index on Linux (PyPI's Linux wheel is the CUDA build); elsewhere
# PyPI's wheel is the CPU build already.
torch_cmd=(.venv/bin/python -m pip install "torch==2.13.0")
[ "$(uname -s)" = Linux ] && torch_cmd+=(--index-url https://download.pytorch.org/whl/cpu)

if [ "$dry_run" = 1 ]; then
  # pip's own resolution, in a throwaway environment (a system Python may refuse pip)
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  "${PYTHON:-python3}" -m venv "$scratch/venv"
  python="$scratch/venv/bin/python"
  echo "would install into .venv (resolved from the package index, nothing installed):"
  report="$scratch/report.json"
  "$python" -m pip install --dry-run --ignore-installed --disable-pip-version-check -q \
    --report "$report" -e ".[$extras]" >/dev/null
  "$python" - "$report" <<'PY'
import json, sys
for item in sorted(json.load(open(sys.argv[1]))["install"],
                   key=lambda i: i["metadata"]["name"].lower()):
    print(f"  {item['metadata']['name']}=={item['metadata']['version']}")
PY
  if [ "$with_torch" = 1 ]; then echo "then: ${torch_cmd[*]}"; else echo "no torch"; fi
  served="$(bash scripts/workshop_folder.sh "$root")"
  echo "would serve $served:"
  (cd "$served" && find -L . -mindepth 1 -not -path '*/.ipynb_checkpoints*' | sort | sed 's/^/  /')
  exit 0
fi

echo "[1/3] installing micrograd_nb, JupyterLab and what the lessons need into .venv" \
     "(pip's progress follows; a first install downloads about 100 MB)"
bash scripts/setup.sh "$extras" --no-torch --progress
if [ "$with_torch" = 1 ]; then
  echo "[2/3] installing PyTorch's CPU build for lesson 05: ${torch_cmd[*]}"
  "${torch_cmd[@]}"
else
  echo "[2/3] no PyTorch (lesson 05 skips its PyTorch cells; --with-torch adds it)"
fi

echo "[3/3] starting JupyterLab"
# The lessons are saved with their pictures and steppers; JupyterLab shows saved
# outputs of a notebook only once it is trusted (a fresh clone is not).
.venv/bin/jupyter trust notebooks/*.ipynb exercises/release/*.ipynb >/dev/null 2>&1 || true
# The workshop's JupyterLab settings (no news popup, no update check) as the defaults
# of this .venv's JupyterLab.
settings="$(.venv/bin/python -c 'import sys; print(sys.prefix)')/share/jupyter/lab/settings"
mkdir -p "$settings"
cp binder/overrides.json "$settings/overrides.json"

served="$(bash scripts/workshop_folder.sh "$root")"
first="notebooks/00_start_here.ipynb"
[ -f "$served/$first" ] && open="/lab/tree/$first" || open="/lab/tree/notebooks"
# (LabApp's default_url: jupyter lab would put its own "/lab" over ServerApp's)
args=(--ServerApp.root_dir="$served" --LabApp.default_url="$open" --LabApp.news_url=None)
# JupyterLab refuses to run as root unless told; containers and CI machines are root.
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec .venv/bin/jupyter lab "${args[@]}" "${lab_args[@]}"
