#!/usr/bin/env bash
# One role and one database per service, each owned by its role; runs once on an empty volume.
set -euo pipefail
for service in ${STREETLEVEL_SERVICES:-registry commissioning outcomes notifications gateway}; do
    var="${service^^}_DB_PASSWORD"
    password="${!var:?$var is not set}"
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
-- A service reaches only its own database.
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
