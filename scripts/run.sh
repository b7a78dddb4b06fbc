#!/usr/bin/env bash
# Start the local OIDC provider, the local Stripe stand-in (when no Stripe key is set), an RQ
# worker (restarted if it dies) and the web process; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${V4A_PORT:-8000}"
OIDC_PORT="${V4A_OIDC_PORT:-9400}"
pids=()
cleanup() {
  local kids  # the worker loop's current worker too, not only the loop
  kids=$(pgrep -d ' ' -P "$(IFS=,; echo "${pids[*]}")" || true)
  kill "${pids[@]}" $kids 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if ! (exec 3<>"/dev/tcp/127.0.0.1/$OIDC_PORT") 2>/dev/null; then
  .venv/bin/oidc-provider-mock --host 127.0.0.1 --port "$OIDC_PORT" --require-nonce true \
    --user-claims '{"sub":"customer@v4a.example","email":"customer@v4a.example","name":"Casey Customer"}' \
    --user-claims '{"sub":"admin@v4a.example","email":"admin@v4a.example","name":"Ada Admin"}' \
    --user-claims '{"sub":"support@v4a.example","email":"support@v4a.example","name":"Sam Support"}' \
    --user-claims '{"sub":"analyst@v4a.example","email":"analyst@v4a.example","name":"Ana Analyst"}' &
  pids+=($!)
fi
# No Stripe key (environment or .env): billing runs against the local stand-in, test mode.
STRIPE_STANDIN_URL=$(.venv/bin/python -c "from v4a_portal.settings import get_settings as g
s = g(); print('' if s.stripe_secret_key else s.stripe_standin_url)")
if [ -n "$STRIPE_STANDIN_URL" ]; then
  .venv/bin/python -m v4a_portal.stripe_standin serve &
  pids+=($!)
fi
# The worker runs jobs in its own process: if one ever takes it down, start another (the
# clip's lease lapses and the new worker's sweep resumes it).
(
  while true; do
    .venv/bin/python -m jobs.worker || true
    echo "worker exited; starting a new one in 2 s" >&2
    sleep 2
  done
) &
pids+=($!)

echo "Portal:  http://127.0.0.1:$PORT   API docs: http://127.0.0.1:$PORT/api/docs"
echo "OIDC:    http://127.0.0.1:$OIDC_PORT"
[ -n "$STRIPE_STANDIN_URL" ] && echo "Stripe:  $STRIPE_STANDIN_URL (local stand-in, test mode)"
# One backend process by default, its tabs' state in memory. V4A_WEB_WORKERS=N runs N with
# the state in Redis (any process serves any event), but one of them dying stops them all
# (README, "Production layout").
WEB_WORKERS="${V4A_WEB_WORKERS:-1}"
if [ "$WEB_WORKERS" -gt 1 ]; then
  REDIS_URL_=$(.venv/bin/python -c "from v4a_portal.settings import get_settings as g; print(g().redis_url)")
  export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$REDIS_URL_}"
fi
export GRANIAN_WORKERS="$WEB_WORKERS"
V4A_PORT="$PORT" .venv/bin/reflex run --env prod --single-port --loglevel info
