#!/usr/bin/env bash
# Start the web server, a Celery worker and the Celery scheduler on the
# embedded default. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Every process builds links in emails and texts from SITE_URL (oxtom/core/links.py), so it
# must name the address served here; a wildcard bind is reached as 127.0.0.1.
if [[ -z "${SITE_URL:-}" ]]; then
  case "$HOST" in 0.0.0.0|::) link_host=127.0.0.1 ;; *) link_host=$HOST ;; esac
  SITE_URL="http://$link_host:$PORT"
fi
export SITE_URL
mkdir -p var/log
pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web, worker and scheduler..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

# Each child runs in its own session so Ctrl-C reaches only this script, whose
# trap then stops them in order (Celery finishes the task in hand).
setsid .venv/bin/celery -A oxtom worker --loglevel=INFO --concurrency=2 --pool=prefork -n "worker@%h" \
  >var/log/worker.log 2>&1 &
pids+=($!)
setsid .venv/bin/celery -A oxtom beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)
setsid .venv/bin/python manage.py runserver "$HOST:$PORT" --noreload >var/log/web.log 2>&1 &
pids+=($!)

sleep 2
.venv/bin/python manage.py demo_signins --url "http://$HOST:$PORT/"
echo "Links in emails and texts point at $SITE_URL/"
echo "Logs: var/log/web.log, var/log/worker.log, var/log/beat.log. Email: var/mail/  SMS: var/sms/"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
echo "A process stopped; see var/log/." >&2
