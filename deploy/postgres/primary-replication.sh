#!/bin/sh
# Run once by the postgres image's entrypoint when the primary's data directory is created: let the replica
# (docker-compose.yml, profile "scale") stream the WAL with the application's own role.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
