#!/usr/bin/env bash
# Ensures Debian's Chromium exists: browser tests drive it through Playwright for Python
# (executable_path), never a browser that Playwright downloads.
set -euo pipefail

for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "ensure-chromium: found $("$name" --version 2>/dev/null | head -1)"
        exit 0
    fi
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "ensure-chromium: chromium missing; installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends chromium fonts-liberation
command -v chromium >/dev/null 2>&1 || {
    echo "ensure-chromium: ERROR: still no chromium" >&2
    exit 1
}
