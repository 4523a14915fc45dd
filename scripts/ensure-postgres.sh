#!/usr/bin/env bash
# Ensures PostgreSQL server binaries (and contrib, for pg_trgm) exist for the test infra.
set -euo pipefail
shopt -s nullglob

found() {
    initdbs=(/usr/lib/postgresql/*/bin/initdb)
    trgm=(/usr/share/postgresql/*/extension/pg_trgm.control)
    ((${#initdbs[@]} > 0 && ${#trgm[@]} > 0))
}

if found; then
    echo "ensure-postgres: found ${initdbs[*]} (pg_trgm: ${trgm[*]})"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "ensure-postgres: PostgreSQL server or contrib missing; installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends postgresql postgresql-contrib

if ! found; then
    echo "ensure-postgres: ERROR: still no /usr/lib/postgresql/*/bin/initdb with pg_trgm" >&2
    exit 1
fi
echo "ensure-postgres: installed ${initdbs[*]}"
