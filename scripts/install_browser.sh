#!/usr/bin/env bash
# Install the browser the end-to-end tests drive (tests/e2e): Debian's Chromium, and a
# font with the stepper's ⏮ ⏭ symbols for the screenshots. Playwright drives this
# Chromium; it never downloads a browser of its own.
# Where we may not (not root, no apt-get) this prints a note and the browser tests skip,
# or fail where MICROGRAD_NB_REQUIRE_E2E=1 (CI). MICROGRAD_NB_CHROMIUM=/path/to/chrome
# points the tests at another Chromium or Chrome.
set -euo pipefail

packages=()
if [ -z "${MICROGRAD_NB_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 \
    && ! command -v chromium-browser >/dev/null 2>&1; then
  packages+=(chromium)
fi
if ! { command -v fc-list >/dev/null 2>&1 \
    && fc-list : family 2>/dev/null | grep -i symbola >/dev/null; }; then
  packages+=(fonts-symbola)
fi
[ "${#packages[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "${packages[@]}") >/dev/null 2>&1; then
    exit 0
  fi
  echo "note: apt-get could not install ${packages[*]}" >&2
else
  echo "note: not installing ${packages[*]} (needs root and apt-get)" >&2
fi
if [[ " ${packages[*]} " == *" chromium "* ]]; then
  echo "note: no Chromium: the browser tests in tests/e2e will skip" \
       "(set MICROGRAD_NB_CHROMIUM to a Chromium or Chrome binary)" >&2
fi
