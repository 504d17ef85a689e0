#!/usr/bin/env bash
# Create .venv (once) and install micrograd_nb into it with the given extras.
# Usage: scripts/setup.sh EXTRAS [--no-torch] [--progress]   e.g. scripts/setup.sh test,bench
# Sourced or run; leaves .venv ready. PyTorch (for the tests' comparisons) is installed
# as torch==2.13.0 where pip can find it, and skipped with a notice elsewhere;
# --no-torch leaves it out (the workshop). --progress shows pip's output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-test}"
python="${PYTHON:-python3}"
torch=1
quiet=(-q)
for option in "${@:2}"; do
  case "$option" in
    --no-torch) torch=0 ;;
    --progress) quiet=() ;;
    *) echo "setup.sh: unknown option $option" >&2; exit 2 ;;
  esac
done

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
pip=("$root/.venv/bin/python" -m pip --disable-pip-version-check ${quiet[@]+"${quiet[@]}"})
if [ "${#quiet[@]}" -eq 0 ]; then
  # on the terminal itself, so that pip draws its download progress bars
  "${pip[@]}" install -e "$root[$extras]"
else
  "${pip[@]}" install -e "$root[$extras]" 2>&1 | { grep -v "^WARNING: Location" || true; }
fi

if [ "$torch" = 1 ] && ! "$root/.venv/bin/python" -c "import torch" 2>/dev/null; then
  # Pinned: an unpinned torch would pull a multi-GB CUDA build.
  if ! "${pip[@]}" install "torch==2.13.0" 2>&1 | { grep -v "^WARNING: Location" || true; }; then
    echo "note: torch==2.13.0 is not installable here; torch comparisons will be skipped" >&2
  fi
fi
