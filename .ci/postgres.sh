#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster and create the test role and database (idempotent).
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 0.2
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
SELECT 'CREATE ROLE codegen LOGIN CREATEDB PASSWORD ''codegen'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'codegen')\gexec
SELECT 'CREATE DATABASE codegen_test OWNER codegen'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'codegen_test')\gexec
SQL
echo "postgresql://codegen:codegen@127.0.0.1:5432/codegen_test"
