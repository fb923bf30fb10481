#!/usr/bin/env bash
# The browser tests (test/ui) drive Debian's Chromium through playwright-core: no browser is ever
# downloaded by npm. CI calls this before `npm test`; it installs the `chromium` package when
# /usr/bin/chromium is missing (Debian/Ubuntu with apt), and does nothing otherwise.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM present")"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; the browser tests will be skipped." >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: need root (or sudo) to install chromium; the browser tests will be skipped." >&2
    exit 0
  fi
fi

echo "ensure-chromium: installing Debian's chromium package"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
"$CHROMIUM" --version 2>/dev/null || true
