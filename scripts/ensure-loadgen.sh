#!/usr/bin/env bash
# The benchmarks' fixed-rate load generator (bench/loadgen, Go standard library only), built
# into .streetlevel/bin when missing or older than its source. Installs Debian's golang-go
# only when no Go toolchain is on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
src=bench/loadgen
out=.streetlevel/bin/loadgen
if [ -x "$out" ] && [ -z "$(find "$src" -newer "$out" -type f)" ]; then
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure-loadgen: no Go toolchain and no apt-get; install Go (https://go.dev/dl/)" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "ensure-loadgen: installing golang-go from the Debian packages" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go >/dev/null
fi
mkdir -p "$(dirname "$out")"
# Standard library only: nothing is downloaded.
(cd "$src" && GOFLAGS=-mod=mod GOPROXY=off go build -trimpath -o "../../$out" .)
echo "ensure-loadgen: built $out ($(go version | cut -d' ' -f3))" >&2
