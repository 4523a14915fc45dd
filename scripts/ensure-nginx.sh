#!/usr/bin/env bash
# The benchmarks' peer proxy: nginx from the Debian packages, installed only when absent.
# gateway_overhead runs it unprivileged from its own generated config; the package's service
# is never used.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-nginx: nginx is missing and there is no apt-get; install nginx (https://nginx.org)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "ensure-nginx: installing nginx from the Debian packages" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
[ -x /usr/sbin/nginx ]
