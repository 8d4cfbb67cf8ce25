#!/usr/bin/env bash
# make bench: seed (or reuse) the bench database, serve it with gunicorn on a free loopback port
# and measure it; results in docs/benchmarks.json and the table of docs/benchmarks.md.
#
#   DATABASE_URL          the PostgreSQL owner URL (make bench sets it); the bench database is
#                         BENCH_DATABASE (salesculture_bench) on the same server
#   BENCH_SCALE           1 = the issue's sizes (2 000 members, 1 000 000 escalations); 0.1 for a
#                         quick iteration. Another scale or seed version reseeds from scratch.
#   BENCH_RESEED=1        reseed even when the seed version matches
#   BENCH_REQUESTS        single-client requests per target (200; reports get fewer)
#   BENCH_RATIO_ROUNDS    report pages and their SQL measured in turn (40 rounds each)
#   BENCH_LOCUST_SECONDS  seconds of 20-client load per target (10; 0 skips throughput)
#   BENCH_WORKERS         gunicorn sync workers (4, for 2 cores)
#   BENCH_ONLY            comma-separated target names, for example report_org_page
#   BENCH_OUTPUT_DIR      where the results go (docs/, which is committed)
#   BENCH_DATABASE        the bench database's name (salesculture_bench)
set -euo pipefail
cd "$(dirname "$0")/../.."

owner_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/salesculture}"
case "$owner_url" in postgres://* | postgresql://*) ;; *)
	echo "make bench needs a PostgreSQL DATABASE_URL (the owner), not $owner_url" >&2
	exit 2
	;;
esac
server_url="${owner_url%/*}"
bench_db="${BENCH_DATABASE:-salesculture_bench}"
bench_url="$server_url/$bench_db"
python=.venv/bin/python

export BENCH_SCALE="${BENCH_SCALE:-1}"
export DJANGO_SETTINGS_MODULE=salesculture.settings
# One key for the seeder (nomination link tokens are derived from it) and the server.
export SECRET_KEY="${BENCH_SECRET_KEY:-bench-only-secret-key-not-for-production-0123456789}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export LOG_LEVEL=WARNING
unset DATABASE_APP_ROLE DEBUG PRODUCTION

started=$(date +%s)
tmp="$(mktemp -d -t salesculture-bench.XXXXXX)"
queue="bench-$$-$RANDOM"
gunicorn_pid=""

cleanup() {
	local rc=$?
	if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
		kill -TERM "$gunicorn_pid" 2>/dev/null || true
		for _ in $(seq 1 40); do kill -0 "$gunicorn_pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$gunicorn_pid" 2>/dev/null || true
	fi
	# The notifications the load queued went to a queue of our own, which nobody consumes.
	"$python" - "$queue" <<-'EOF' 2>/dev/null || true
		import os, sys, redis
		r = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=3)
		q = sys.argv[1]
		r.delete(q, f"_kombu.binding.{q}", f"_kombu.binding_permanent.{q}")
	EOF
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. The bench database: reuse it when its seed version and scale match ------------------
if [ "${BENCH_RESEED:-0}" != "1" ] && DATABASE_URL="$bench_url" timeout 60 "$python" -m scripts.bench.prepare status 2>/dev/null; then
	:
else
	echo "== creating $bench_db (scale $BENCH_SCALE)"
	psql -q -v ON_ERROR_STOP=1 "$server_url/postgres" \
		-c "DROP DATABASE IF EXISTS \"$bench_db\" WITH (FORCE)" -c "CREATE DATABASE \"$bench_db\""
	DATABASE_URL="$bench_url" timeout 600 "$python" manage.py migrate --noinput -v 0
	echo "== seeding"
	DATABASE_URL="$bench_url" timeout 900 "$python" -m scripts.bench.prepare seed
fi
# A reused database still gets the migrations added since it was seeded (new indexes, say).
DATABASE_URL="$bench_url" timeout 900 "$python" manage.py migrate --noinput -v 0
DATABASE_URL="$bench_url" timeout 120 "$python" manage.py grant_app_role app_rw >/dev/null
DATABASE_URL="$bench_url" timeout 120 "$python" -m scripts.bench.prepare personas >"$tmp/personas.json"

# --- 2. gunicorn as in production: DEBUG off, the app role (row-level security on), database
# sessions and cache. The floor views are mounted for this server only. The API's per-member
# rate goes up so that 20 clients measure the server, not the throttle (which still runs).
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
workers="${BENCH_WORKERS:-4}"
echo "== gunicorn on 127.0.0.1:$port ($workers sync workers)"
env DATABASE_URL="$bench_url" DATABASE_APP_ROLE=app_rw DEBUG=0 BENCH_FLOOR_VIEWS=1 \
	API_RATE=1000000/min CELERY_TASK_ALWAYS_EAGER=0 CELERY_QUEUE="$queue" \
	PYTHONWARNINGS="ignore:No directory at" \
	.venv/bin/gunicorn salesculture.wsgi --bind "127.0.0.1:$port" --workers "$workers" \
	--worker-class sync --timeout 60 --graceful-timeout 10 --log-level warning \
	>"$tmp/gunicorn.log" 2>&1 &
gunicorn_pid=$!
for _ in $(seq 1 120); do
	if "$python" -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/bench-floor/django/', timeout=2); sys.exit(0)" 2>/dev/null; then
		break
	fi
	kill -0 "$gunicorn_pid" 2>/dev/null || { cat "$tmp/gunicorn.log" >&2; exit 1; }
	sleep 0.5
done

# --- 3. Measure ------------------------------------------------------------------------------
echo "== measuring"
status=0
env DATABASE_URL="$bench_url" DATABASE_APP_ROLE=app_rw BENCH_PORT="$port" \
	BENCH_PERSONAS="$tmp/personas.json" BENCH_GUNICORN_PID="$gunicorn_pid" \
	BENCH_GUNICORN_DESC="gunicorn $workers sync workers" BENCH_WORKERS="$workers" \
	timeout 1800 "$python" -m scripts.bench.measure || status=$?
if [ -s "$tmp/gunicorn.log" ]; then
	echo "== gunicorn log (last lines)"
	tail -n 20 "$tmp/gunicorn.log"
fi
echo "make bench: finished in $(($(date +%s) - started)) s"
exit $status
