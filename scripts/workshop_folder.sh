#!/usr/bin/env bash
# Make the folder the workshop serves (JupyterLab's root): what participants need and
# nothing else, so the file browser offers no solutions or hidden tests.
#   workshop/notebooks          -> ../notebooks            the lessons
#   workshop/exercises/release  -> ../../exercises/release  the student exercises
# Links, not copies: work saved in JupyterLab lands in the repository's own files, and
# the lessons' relative links (../exercises/release/..., ../../notebooks/...) still work.
# exercises/source/ (solutions, hidden tests) is not reachable from it.
# Usage: scripts/workshop_folder.sh [REPO]   prints the folder's path.
set -euo pipefail
root="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
served="$root/workshop"
mkdir -p "$served/exercises"
ln -sfn ../notebooks "$served/notebooks"
ln -sfn ../../exercises/release "$served/exercises/release"
echo "$served"
