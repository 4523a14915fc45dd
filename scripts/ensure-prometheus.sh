#!/usr/bin/env bash
# Ensures promtool exists: the alert rules are checked and unit-tested with it (Debian's prometheus).
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
    echo "ensure-prometheus: found $(promtool --version 2>&1 | head -1)"
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "ensure-prometheus: promtool missing; installing prometheus with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Only promtool is used; the package's server is never started by the tests.
$sudo apt-get install -y -q --no-install-recommends prometheus
command -v promtool >/dev/null 2>&1 || {
    echo "ensure-prometheus: ERROR: still no promtool" >&2
    exit 1
}
