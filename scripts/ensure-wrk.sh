#!/usr/bin/env bash
# The benchmarks' load generator: wrk from the Debian packages, installed only when absent.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-wrk: wrk is missing and there is no apt-get; install wrk (https://github.com/wg/wrk)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "ensure-wrk: installing wrk from the Debian packages" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
command -v wrk >/dev/null
