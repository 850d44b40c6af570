#!/usr/bin/env bash
# make backup: the PostgreSQL database (pg_dump, custom format) and the media directory, in one timestamped
# folder with their checksums. The erasure journal's file copy (ERASURE_JOURNAL_FILE) is not part of it: it
# stays where it is, so a restore of this backup can erase again what was erased after it was made.
#   DATABASE_URL   the database to back up (required; postgres://user[:password]@host:port/name)
#   BACKUP_ROOT    where the folder goes (default: var/backups)
#   MEDIA_ROOT     the media directory (default as in the settings: $ASFNET_VAR_DIR/media, else var/media)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) echo "make backup needs PostgreSQL (DATABASE_URL)" >&2; exit 2 ;; esac
media="${MEDIA_ROOT:-${ASFNET_VAR_DIR:-var}/media}"
root="${BACKUP_ROOT:-var/backups}"
folder="$root/asfnet-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$root"
mkdir "$folder"  # never into an existing backup
pg_dump --format=custom --no-owner --no-privileges --file "$folder/database.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
    tar -C "$media" -czf "$folder/media.tar.gz" .
else
    tar -czf "$folder/media.tar.gz" -T /dev/null
fi
(cd "$folder" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "$folder"
