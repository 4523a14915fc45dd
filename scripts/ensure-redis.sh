#!/usr/bin/env bash
# Ensures redis-server exists: the gateway's shared rate-limit storage is tested against it.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
    echo "ensure-redis: found $(redis-server --version | cut -d' ' -f1-3)"
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "ensure-redis: redis-server missing; installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends redis-server
command -v redis-server >/dev/null 2>&1 || {
    echo "ensure-redis: ERROR: still no redis-server" >&2
    exit 1
}
