#!/usr/bin/env bash
# The one place that decides which uv the entry points use (the Makefile, scripts/stack):
# $UV when set, else uv on PATH, else .tools/bin/uv, bootstrapped with python3 when absent.
# Prints that uv's path on stdout; --path prints it without bootstrapping (for the Makefile,
# whose .tools/bin/uv rule runs this script to bootstrap only when a target needs uv).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
LOCAL=.tools/bin/uv

if [ -n "${UV:-}" ]; then
    echo "$UV"
    exit 0
fi
if found=$(command -v uv 2>/dev/null); then
    echo "$found"
    exit 0
fi
if [ "${1:-}" = "--path" ]; then
    echo "$LOCAL"
    exit 0
fi
if [ ! -x "$LOCAL" ]; then
    echo "ensure-uv: no uv on PATH; installing uv $UV_VERSION into .tools" >&2
    python3 -m venv .tools >&2
    .tools/bin/pip install -q "uv==$UV_VERSION" >&2
fi
echo "$PWD/$LOCAL"
