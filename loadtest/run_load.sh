#!/usr/bin/env bash
# The load and fault test of the production stack, in one command (see docs/load-test.md):
#
#   loadtest/run_load.sh
#
# 1. a private PostgreSQL 15 instance (initdb in a temporary directory, 127.0.0.1:$LOAD_PG_PORT), so
#    restarting it disturbs no other database; the load database is migrated, reference data loaded,
#    $LOAD_USERS users with a company and a draft green-factory assessment each;
# 2. two gunicorn app servers (DEBUG off, WhiteNoise, pooled psycopg 3) and one task worker;
# 3. runs: "single" (one server), "two-servers" (round-robin over both), "fault-postgres-restart"
#    (PostgreSQL stopped for $LOAD_PG_OUTAGE s during the run, reusing the sessions of the previous
#    run); each checked for lost answers;
# 4. the worker is killed (SIGKILL) mid-render and the report must still be made.
# Loopback only; bounded: the whole run is killed after $LOAD_TIME_LIMIT s. Every process it starts
# is stopped at the end (trap). Exit status 0 only if every check passed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
USERS=${LOAD_USERS:-50}
DURATION=${LOAD_DURATION:-60}
THINK=${LOAD_THINK:-1,3}
RAMP=${LOAD_RAMP:-30}
OUTAGE=${LOAD_PG_OUTAGE:-5}
PG_PORT=${LOAD_PG_PORT:-5433}
PORT_A=${LOAD_PORT_A:-18001}
PORT_B=${LOAD_PORT_B:-18002}
PORT_C=${LOAD_PORT_C:-18003}
TIME_LIMIT=${LOAD_TIME_LIMIT:-590}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d /tmp/greenmfg-load.XXXXXX)
chmod 711 "$WORK"
PGDATA_DIR=$WORK/pgdata
SUMMARY=$WORK/summary.jsonl
T0=$(date +%s)

say() { printf '\n[%4ds] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
now() { date +%s.%N; }

# initdb and pg_ctl refuse to run as root: run them as the postgres user then.
if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); else AS_PG=(); fi
pg_ctl() { "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # Only processes this script started: its own background jobs, and the replacement worker that
    # loadtest/worker_fault.py started (its pid file, checked to still be a db_worker).
    local pids
    pids=$(jobs -p)
    local replacement
    replacement=$(cat "$WORK/replacement.pid" 2>/dev/null || true)
    if [ -n "$replacement" ] && grep -q "manage.py" "/proc/$replacement/cmdline" 2>/dev/null; then
        pids="$pids $replacement"
    fi
    # gunicorn: SIGINT is its quick shutdown (TERM would wait up to graceful_timeout); the rest: TERM.
    for pid in $pids; do
        if grep -q gunicorn "/proc/$pid/cmdline" 2>/dev/null; then kill -INT "$pid" 2>/dev/null || true
        else kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for _ in $(seq 75); do
        local left=0
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ "$left" = 0 ] && break
        sleep 0.2
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ -f "$PGDATA_DIR/postmaster.pid" ]; then pg_ctl -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$PGDATA_DIR" "$WORK/media"
    echo "logs and results: $WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Hard bound on the whole run: a watchdog job that stops this script (its sleep dies with it).
( trap 'kill "$s" 2>/dev/null; exit 0' TERM; sleep "$TIME_LIMIT" & s=$!; wait "$s"
  echo "run_load.sh: time limit of $TIME_LIMIT s reached" >&2; kill -TERM $$ ) &

# Long steps run as background jobs the script waits for, so a signal (the watchdog's) is handled at once.
step() { "$@" & wait $!; }

# --- Environment: the production settings, plain http on loopback -----------------------------------
export DJANGO_SETTINGS_MODULE=greenmfg.settings
export DEBUG=0
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/greenmfg_load
export MEDIA_ROOT=$WORK/media LOG_LEVEL=WARNING HOST=127.0.0.1
# Static files: collectstatic (hashing + compression) takes a minute or more; reuse the result
# while the sources are unchanged.
STATIC_KEY=$(cd "$ROOT" && find static node_modules/bootstrap/dist node_modules/htmx.org/dist -type f -printf '%p %s %T@\n' 2>/dev/null \
    | sort | cat - requirements.lock | sha256sum | cut -c1-16)
export STATIC_ROOT=/tmp/greenmfg-load-static-$STATIC_KEY

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; load average $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK"

# --- PostgreSQL (private instance) ---------------------------------------------------------------
say "PostgreSQL: initdb, start on 127.0.0.1:$PG_PORT"
mkdir -p "$PGDATA_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$PGDATA_DIR"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log"
pg_ctl -w -l "$PGDATA_DIR/server.log" \
    -o "-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres greenmfg_load

say "setup: collectstatic (cached) || migrate, load_reference_data, $USERS users"
if [ ! -f "$STATIC_ROOT/staticfiles.json" ]; then
    "$PY" manage.py collectstatic --noinput -v0 >"$WORK/collectstatic.log" 2>&1 &
    STATIC_JOB=$!
else
    STATIC_JOB=
fi
step "$PY" loadtest/setup_data.py --users "$USERS" --out "$WORK/plan.json"
[ -n "$STATIC_JOB" ] && wait "$STATIC_JOB"

# --- The stack ---------------------------------------------------------------------------------
start_web() {  # port, name, [minutes after which a running report counts as stale]
    REPORT_STALE_MINUTES=${3:-10} PORT=$1 "$ROOT/.venv/bin/gunicorn" >"$WORK/$2.log" 2>&1 &
}
wait_healthy() {
    for _ in $(seq 120); do
        curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "app server on port $1 did not become healthy" >&2
    return 1
}
say "start: gunicorn on $PORT_A and $PORT_B (WEB_CONCURRENCY=${WEB_CONCURRENCY:-default}), task worker"
start_web "$PORT_A" web-a
start_web "$PORT_B" web-b
"$PY" manage.py worker --queue-name '*' --no-reload >"$WORK/worker.log" 2>&1 &
WORKER=$!
wait_healthy "$PORT_A"
wait_healthy "$PORT_B"

FAILED=0
run_phase() {  # name, verify-flags, extra client arguments, base URLs...
    local name=$1 flags=$2 extra=$3
    shift 3
    local bases=()
    for port in "$@"; do bases+=(--base "http://127.0.0.1:$port"); done
    say "run $name: $USERS users, ${DURATION} s, think ${THINK} s, servers $* $extra"
    # shellcheck disable=SC2086
    "$PY" loadtest/client.py --plan "$WORK/plan.json" "${bases[@]}" --duration "$DURATION" --ramp "$RAMP" \
        --think "$THINK" --out "$WORK/$name.json" --started-file "$WORK/$name.started" $extra &
    local client=$!
    if [ "$flags" = "--fault" ]; then
        until [ -f "$WORK/$name.started" ] || ! kill -0 "$client" 2>/dev/null; do sleep 0.2; done
        sleep 15
        local stopped started
        stopped=$(now)
        say "fault: stopping PostgreSQL for $OUTAGE s"
        pg_ctl -m fast -w stop >/dev/null
        sleep "$OUTAGE"
        pg_ctl -w -l "$PGDATA_DIR/server.log" \
            -o "-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
        started=$(now)
        say "fault: PostgreSQL is back"
        printf '{"postgres stop": %s, "postgres up": %s}\n' "$stopped" "$started" >"$WORK/$name.events"
        flags="--fault --events $WORK/$name.events"
    fi
    wait "$client" || FAILED=1
    # shellcheck disable=SC2086
    step "$PY" loadtest/verify.py --name "$name" --result "$WORK/$name.json" --summary "$SUMMARY" $flags || FAILED=1
}

run_phase single "" "" "$PORT_A"
run_phase two-servers "" "--sessions-out $WORK/sessions.json" "$PORT_A" "$PORT_B"
# The fault run reuses the sessions of the two-server run (no second login storm: the run is about
# the database going away, and the sessions must survive the restart).
run_phase fault-postgres-restart --fault "--sessions-in $WORK/sessions.json" "$PORT_A" "$PORT_B"

# The task worker that was running during the restart: did it survive?
if kill -0 "$WORKER" 2>/dev/null; then survived=true; else survived=false; FAILED=1; fi
say "task worker $WORKER after the PostgreSQL restart: $([ "$survived" = true ] && echo alive || echo "DEAD (see $WORK/worker.log)")"
printf '{"name": "worker-after-postgres-restart", "passed": %s}\n' "$survived" >>"$SUMMARY"

# --- Worker killed mid-render ------------------------------------------------------------------
say "worker fault: app server on $PORT_C with REPORT_STALE_MINUTES for ${LOADTEST_STALE_SECONDS:=20} s"
export LOADTEST_STALE_SECONDS
start_web "$PORT_C" web-c "$(awk -v s="$LOADTEST_STALE_SECONDS" 'BEGIN { print s / 60 }')"
wait_healthy "$PORT_C"
step "$PY" loadtest/worker_fault.py --plan "$WORK/plan.json" --base "http://127.0.0.1:$PORT_C" --worker-pid "$WORKER" \
    --worker-log-dir "$WORK" --pid-file "$WORK/replacement.pid" --summary "$SUMMARY" || FAILED=1

# --- Summary -----------------------------------------------------------------------------------
for log in "$WORK"/web-*.log "$WORK"/worker*.log; do
    count=$(grep '"gunicorn.access"' "$log" | grep -c '"status": 5[0-9][0-9]' || true)
    tracebacks=$(grep -c 'Traceback' "$log" || true)
    echo "$(basename "$log"): ${count} 5xx access lines, ${tracebacks} tracebacks"
done
say "summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$PY" loadtest/summary.py "$SUMMARY" --markdown "$WORK/summary.md" || FAILED=1
say "done in $(( $(date +%s) - T0 )) s: $([ "$FAILED" = 0 ] && echo PASS || echo FAIL)"
exit "$FAILED"
