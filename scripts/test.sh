#!/usr/bin/env bash
# The whole suite in two pytest processes at once: the browser tests (tests/e2e, mostly
# waiting on Chromium and on the portal they drive) beside everything else (mostly CPU in
# this process and the databases). On 2 cores that takes about 10 minutes instead of 16.
# Each has its own Redis database; PostgreSQL databases and ports are per test already.
# With arguments, one plain pytest run of those instead.
set -u
PY=.venv/bin/python
if [ $# -gt 0 ]; then exec "$PY" -m pytest "$@"; fi
logs=$(mktemp -d)
V4A_TEST_REDIS_URL=redis://127.0.0.1:6379/14 "$PY" -m pytest tests/e2e >"$logs/e2e.log" 2>&1 &
e2e=$!
V4A_TEST_REDIS_URL=redis://127.0.0.1:6379/15 "$PY" -m pytest --ignore=tests/e2e
rest=$?
wait "$e2e"
browser=$?
echo "----- tests/e2e -----"
cat "$logs/e2e.log"
rm -rf "$logs"
echo "tests/e2e: exit $browser; the rest: exit $rest"
[ "$browser" = 0 ] && [ "$rest" = 0 ]
