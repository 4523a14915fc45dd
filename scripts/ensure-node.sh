#!/usr/bin/env bash
# Ensures Node.js and npm exist (Debian packages when absent) and installs the contract tests'
# pinned Node tools (Spectral, openapi-typescript, openapi-fetch, TypeScript, the AsyncAPI
# parser) from tests/node/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "ensure-node: node/npm missing; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends nodejs npm
fi
echo "ensure-node: node $(node --version), npm $(npm --version)"

lock=tests/node/package-lock.json
stamp=tests/node/node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
    exit 0
fi
npm ci --prefix tests/node --no-audit --no-fund --ignore-scripts
cp "$lock" "$stamp"
