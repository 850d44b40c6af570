#!/usr/bin/env bash
# wrk (Debian package) is the second load generator of `make bench`: a C client that takes less CPU from the
# server than the Python one. Installed when missing and we may install; without it the benchmark still runs
# with the Python client only.
set -uo pipefail

command -v wrk >/dev/null && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing wrk (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }; } || true
fi
command -v wrk >/dev/null || echo "wrk is not installed: measuring with the Python client only (apt-get install wrk adds it)."
exit 0
