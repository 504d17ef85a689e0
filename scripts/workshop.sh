#!/usr/bin/env bash
# Set up .venv and open the workshop: JupyterLab on the lessons.
# Extra arguments go to jupyter lab, e.g. scripts/workshop.sh --no-browser
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh workshop
exec .venv/bin/jupyter lab --notebook-dir="$root/notebooks" "$@"
