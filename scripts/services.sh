#!/usr/bin/env bash
# Start Redis and PostgreSQL on 127.0.0.1 when they are not answering (Debian packages).
set -u
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

# A bare Debian machine: install Redis from Debian's packages, as scripts/browser.sh does
# for Chromium (the worker cannot run without it).
if ! redis_up && ! command -v redis-server >/dev/null && command -v apt-get >/dev/null; then
  echo "installing redis-server from Debian's packages"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq && $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server \
    || echo "warning: could not install redis-server" >&2
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log \
      || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  fi
  redis_up || echo "warning: Redis is not answering on 127.0.0.1:6379" >&2
fi

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 100); do pg_up && break; sleep 0.1; done
  fi
  pg_up || echo "warning: PostgreSQL is not answering on 127.0.0.1:5432 (SQLite still works)" >&2
fi
exit 0
