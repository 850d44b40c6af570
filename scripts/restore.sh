#!/usr/bin/env bash
# make restore BACKUP=<folder of make backup> DATABASE_URL=<database>: check the checksums, restore the dump
# into the given (existing) database, replacing what it holds, put the media directory back, then erase
# again what the erasure journal's file copy says was erased after the backup (manage.py reapply_erasures).
#   MEDIA_ROOT     the media directory to fill (default as in the settings: $ASFNET_VAR_DIR/media, else var/media)
#   PYTHON         the interpreter for manage.py (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BACKUP:?set BACKUP to a folder written by make backup}"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to restore into}"
media="${MEDIA_ROOT:-${ASFNET_VAR_DIR:-var}/media}"
python="${PYTHON:-.venv/bin/python}"
(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS)
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname "$DATABASE_URL" "$BACKUP/database.dump"
mkdir -p "$media"
find "$media" -mindepth 1 -delete
tar -C "$media" -xzf "$BACKUP/media.tar.gz"
DATABASE_URL="$DATABASE_URL" "$python" manage.py reapply_erasures
echo "restored $BACKUP into the database and $media"
