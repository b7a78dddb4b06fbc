#!/usr/bin/env bash
# The production layout (README, "Production layout"): the frontend built once into static
# files, V4A_WEB_PROCESSES backend-only web processes (default 2) on 127.0.0.1 from
# V4A_WEB_BASE_PORT (default 8001) with every tab's state in Redis, nginx in front on
# V4A_LISTEN (default 127.0.0.1:$V4A_PORT), and the RQ worker.
#   scripts/serve_prod.sh             build, then run them all; Ctrl-C stops them all
#   scripts/serve_prod.sh build       build the frontend and write nginx's config
#   scripts/serve_prod.sh web PORT | nginx | worker    one process, in the foreground (Procfile)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
setting() { "$PY" -c "from v4a_portal.settings import get_settings as g; print(g().$1)"; }

export PATH="$PWD/.tools/node_modules/.bin:$PATH" REFLEX_USE_SYSTEM_BUN=1
# Its own Reflex web dir: a `make run` in this checkout rebuilds `.web` for its own URL.
export REFLEX_WEB_WORKDIR="${REFLEX_WEB_WORKDIR:-$PWD/.web-prod}"
export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$(setting redis_url)}"
# nginx is the one proxy in front: the client's address is the last X-Forwarded-For entry.
export REFLEX_TRUSTED_PROXY_HOPS="${REFLEX_TRUSTED_PROXY_HOPS:-1}"
PROCESSES="${V4A_WEB_PROCESSES:-2}"
BASE_PORT="${V4A_WEB_BASE_PORT:-8001}"
LISTEN="${V4A_LISTEN:-127.0.0.1:${V4A_PORT:-8000}}"
RUN_DIR="$(setting data_dir)/nginx"

build() {
  # api_url, baked into the build, is V4A_PUBLIC_URL (rxconfig.py): the address nginx answers on.
  .venv/bin/reflex export --frontend-only --no-zip --env prod
  local backends=()
  for ((i = 0; i < PROCESSES; i++)); do backends+=(--backend "127.0.0.1:$((BASE_PORT + i))"); done
  "$PY" -m deploy.nginx_conf --listen "$LISTEN" --web-dir "$REFLEX_WEB_WORKDIR" \
    --run-dir "$RUN_DIR" "${backends[@]}"
}

# One process per web server (one granian worker): a web process that dies takes no other
# tab's socket with it, and nginx sends the next requests to the others.
# Each its own Reflex states dir: Reflex empties it as it starts, and two web processes
# starting at once would race on a shared one.
web() { REFLEX_BACKEND_ONLY=true GRANIAN_WORKERS=1 REFLEX_STATES_WORKDIR="$PWD/.states-$1" \
  exec .venv/bin/reflex run --env prod --backend-host 127.0.0.1 --backend-port "$1" --loglevel info; }
nginx_() { exec nginx -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf"; }
worker() { exec "$PY" -m jobs.worker; }

case "${1:-all}" in
  build) build; exit 0 ;;
  web) web "$2" ;;
  nginx) nginx_ ;;
  worker) worker ;;
  all) ;;
  *) echo "usage: $0 [build | web PORT | nginx | worker]" >&2; exit 2 ;;
esac

build
pids=()
cleanup() {
  local kids  # each loop's current process too, not only the loop
  kids=$(pgrep -d ' ' -P "$(IFS=,; echo "${pids[*]}")" || true)
  kill "${pids[@]}" $kids 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
# Each one is started again if it dies, as a process supervisor would.
keep() { (while true; do "$0" "$@" || true; echo "$* exited; again in 2 s" >&2; sleep 2; done) & pids+=($!); }
for ((i = 0; i < PROCESSES; i++)); do keep web "$((BASE_PORT + i))"; done
keep worker
"$0" nginx &
pids+=($!)
echo "Portal: $(setting public_url) (nginx on $LISTEN, $PROCESSES web processes from port $BASE_PORT)"
wait -n  # until nginx stops, or a signal
