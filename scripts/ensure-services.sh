#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on localhost. Start them (the same way the machine does) when
# they are installed but down; say clearly what is missing otherwise.
set -uo pipefail

pg_ok() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_ok() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_ok; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is not answering; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
  fi
  pg_ok || { echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started. Install it (apt-get install postgresql) or set TEST_DATABASE_URL." >&2; exit 1; }
fi

if ! redis_ok; then
  if command -v redis-server >/dev/null; then
    echo "Redis is not answering; starting it"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 30); do redis_ok && break; sleep 1; done
  fi
  redis_ok || { echo "Redis is not running on 127.0.0.1:6379 and could not be started. Install it (apt-get install redis-server) or set TEST_REDIS_URL." >&2; exit 1; }
fi
echo "PostgreSQL and Redis are answering."
