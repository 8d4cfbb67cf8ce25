#!/usr/bin/env bash
# Make sure what `make test` needs is there: PostgreSQL, Redis and Debian's Chromium.
#
# Starts PostgreSQL and Redis when they are installed but not answering; installs Chromium with
# apt-get when it is missing and we run as root. Anything else stops here with what to do.
#
#   PGHOST / PGPORT / PGUSER        where PostgreSQL answers (127.0.0.1 / 5432 / postgres)
#   PG_VERSION / PG_CLUSTER         the Debian cluster to start (15 / main)
#   REDIS_HOST / REDIS_PORT         where Redis answers (127.0.0.1 / 6379)
#   ENSURE_DATABASE                 a database to create if missing (salesculture; "" for none)
#   CHROMIUM                        the browser the end-to-end tests drive (/usr/bin/chromium)
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
ENSURE_DATABASE="${ENSURE_DATABASE-salesculture}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

say() { printf 'ensure-services: %s\n' "$*"; }
fail() {
  printf 'ensure-services: ERROR: %s\n' "$*" >&2
  exit 1
}

wait_until() { # seconds, command...
  local seconds="$1"
  shift
  for _ in $(seq "$((seconds * 4))"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  return 1
}

# --- PostgreSQL -----------------------------------------------------------------------------
pg_answers() { pg_isready -q -h "$PGHOST" -p "$PGPORT"; }

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  fail "the PostgreSQL client tools (pg_isready, psql) are missing. Install PostgreSQL 15:
  apt-get update && apt-get install -y postgresql-15 postgresql-client-15
then start it: pg_ctlcluster --skip-systemctl-redirect 15 main start"
fi
if pg_answers; then
  say "PostgreSQL answers on $PGHOST:$PGPORT"
else
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d "/etc/postgresql/$PG_VERSION/$PG_CLUSTER" ]; then
    say "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start ||
      fail "PostgreSQL $PG_VERSION/$PG_CLUSTER did not start; see /var/log/postgresql/"
  else
    fail "PostgreSQL does not answer on $PGHOST:$PGPORT and no cluster $PG_VERSION/$PG_CLUSTER is installed.
Install and start it:
  apt-get update && apt-get install -y postgresql-15
  pg_ctlcluster --skip-systemctl-redirect 15 main start
(the tests connect as the superuser postgres with trust authentication on 127.0.0.1)."
  fi
  wait_until 30 pg_answers || fail "PostgreSQL was started but does not answer on $PGHOST:$PGPORT"
  say "PostgreSQL started on $PGHOST:$PGPORT"
fi
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAqc "SELECT 1" >/dev/null 2>&1 ||
  fail "cannot log in to PostgreSQL as $PGUSER on $PGHOST:$PGPORT (the tests expect trust authentication for $PGUSER on 127.0.0.1)"
if [ -n "$ENSURE_DATABASE" ]; then
  exists="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAqc \
    "SELECT 1 FROM pg_database WHERE datname = '$ENSURE_DATABASE'")"
  if [ "$exists" != "1" ]; then
    createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$ENSURE_DATABASE"
    say "created database $ENSURE_DATABASE"
  fi
fi

# --- Redis ----------------------------------------------------------------------------------
redis_answers() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

if ! command -v redis-cli >/dev/null 2>&1; then
  fail "redis-cli is missing. Install Redis:
  apt-get update && apt-get install -y redis-server
then start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no"
fi
if redis_answers; then
  say "Redis answers on $REDIS_HOST:$REDIS_PORT"
else
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no ||
      fail "redis-server did not start"
  else
    fail "Redis does not answer on $REDIS_HOST:$REDIS_PORT and redis-server is not installed.
Install and start it:
  apt-get update && apt-get install -y redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no"
  fi
  wait_until 15 redis_answers || fail "Redis was started but does not answer on $REDIS_HOST:$REDIS_PORT"
  say "Redis started on $REDIS_HOST:$REDIS_PORT"
fi

# --- Chromium -------------------------------------------------------------------------------
if [ -x "$CHROMIUM" ]; then
  say "Chromium is at $CHROMIUM"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's Chromium (apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null ||
    fail "apt-get could not install chromium"
  [ -x "$CHROMIUM" ] || fail "chromium was installed but $CHROMIUM is still missing"
  say "Chromium installed at $CHROMIUM"
else
  fail "$CHROMIUM is missing. Install Debian's Chromium as root:
  apt-get update && apt-get install -y chromium
(the browser tests never download a browser of their own)."
fi
