#!/usr/bin/env bash
# Set up .venv and run every test (this is what .ci/run calls).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/autograd -x
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh test,bench,grading,e2e,lessons
# the browser the end-to-end tests drive (tests/e2e), where it can be installed
bash scripts/install_browser.sh
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest "$@"
