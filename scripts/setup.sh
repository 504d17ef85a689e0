#!/usr/bin/env bash
# Create .venv (once) and install micrograd_nb into it with the given extras.
# Usage: scripts/setup.sh EXTRAS   e.g. scripts/setup.sh test,bench
# Sourced or run; leaves .venv ready. PyTorch is optional: its CPU build is
# installed where pip can find torch==2.13.0, and skipped with a notice elsewhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-test}"
python="${PYTHON:-python3}"

# System Graphviz renders faster than the in-process WebAssembly renderer; install it
# where we may (root with apt), otherwise the pip-installed renderer is used.
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) \
      >/dev/null || echo "note: could not install graphviz; using the in-process renderer" >&2
  else
    echo "note: no system graphviz; pictures use the in-process renderer" >&2
  fi
fi

if [ ! -x "$root/.venv/bin/python" ]; then
  "$python" -m venv "$root/.venv"
fi
pip=("$root/.venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install -e "$root[$extras]" 2>&1 | { grep -v "^WARNING: Location" || true; }

if ! "$root/.venv/bin/python" -c "import torch" 2>/dev/null; then
  # Pinned: an unpinned torch would pull a multi-GB CUDA build.
  if ! "${pip[@]}" install "torch==2.13.0" 2>&1 | { grep -v "^WARNING: Location" || true; }; then
    echo "note: torch==2.13.0 is not installable here; torch comparisons will be skipped" >&2
  fi
fi
