#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (browser tests, driven by Playwright through
# executable_path — Playwright's own browser download does not work here), gettext (translation
# checks) and the libraries behind report PDFs. Installed when missing and we may install; otherwise a
# clear message.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v msgfmt >/dev/null || missing+=(gettext)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
command -v redis-cli >/dev/null || missing+=(redis-tools)
# Report PDFs: WeasyPrint needs pango and harfbuzz, and fonts with å/ä/ö; the tests read PDFs back with
# poppler-utils' pdftotext.
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if command -v dpkg >/dev/null; then
  for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]}. Install them with apt-get (as root)." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
