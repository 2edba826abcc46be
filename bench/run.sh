#!/usr/bin/env bash
# Throughput/latency benchmark of the public site under production settings.
# See bench/README.md. Usage: bash bench/run.sh   (or: make bench)
#
# Prepares a dedicated PostgreSQL database with the demo content, starts
# gunicorn (2 workers) on 127.0.0.1, measures three cached pages and one static
# file with wrk one after another, prints a table and a PASS/FAIL verdict and
# writes it to bench/results/latest.txt. Exits 0 whether or not the targets
# are met; exits non-zero only when the benchmark itself could not run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

# --- Configuration (environment variables, see README.md) -------------------
DURATION="${BENCH_DURATION:-15s}"            # wrk -d, per URL
CONNECTIONS="${BENCH_CONNECTIONS:-16}"       # wrk -c
THREADS="${BENCH_THREADS:-2}"                # wrk -t
WORKERS="${BENCH_WORKERS:-2}"                # gunicorn --workers
PORT="${BENCH_PORT:-8123}"
WARMUP="${BENCH_WARMUP:-5}"                  # requests per URL before measuring
ROUNDS="${BENCH_ROUNDS:-1}"                  # >1: measure all URLs N times, report the median
DATABASE_URL_BENCH="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microloans_bench}"
REDIS_URL_BENCH="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}"
REUSE_DB="${BENCH_REUSE_DB:-0}"              # 1: keep the database from the last run
USE_LUA="${BENCH_LUA:-1}"                    # 0: plain wrk (no per-response counting)
GUNICORN_EXTRA="${BENCH_GUNICORN_ARGS:-}"     # e.g. "--threads 4" for experiments
TARGET_RATIO="${BENCH_TARGET_RATIO:-25}"     # home req/s as % of static req/s
TARGET_P99_MS="${BENCH_TARGET_P99_MS:-100}"
RESULTS_DIR="$ROOT/bench/results"
HOST=127.0.0.1
BASE="http://$HOST:$PORT"
PAGES=(/ /saadan-fungerer-det/ /historier/amina-syr-og-ret/)

PY="$ROOT/.venv/bin/python"

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# wrk's -d accepts e.g. 15, 15s, 2m; convert to seconds for the timeouts.
duration_seconds() {
  local d="$1"
  case "$d" in
    *ms) echo 1 ;;
    *s) echo "${d%s}" ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *h) echo $(( ${d%h} * 3600 )) ;;
    *) echo "$d" ;;
  esac
}
DURATION_S="$(duration_seconds "$DURATION")"
[[ "$DURATION_S" =~ ^[0-9]+$ ]] || die "BENCH_DURATION must look like 15s, 30 or 1m (got $DURATION)"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer (got $ROUNDS)"

for tool in wrk curl psql createdb dropdb redis-cli timeout; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done

# --- 1. Virtualenv -----------------------------------------------------------
if [[ ! -x "$PY" ]]; then
  log "No .venv: make install"
  make install
fi

# --- Scratch space and clean-up ---------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/microloans-bench.XXXXXX")"
GUNICORN_PID=""

cleanup() {
  local status=$?
  if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do             # graceful stop, at most 10 s
      kill -0 "$GUNICORN_PID" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$GUNICORN_PID" 2>/dev/null; then
      kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    fi
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. Environment for config.settings.production --------------------------
export DJANGO_SETTINGS_MODULE=config.settings.production
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"   # 64 characters
export SECRET_KEY
export ALLOWED_HOSTS="127.0.0.1,localhost"
export SECURE_SSL_REDIRECT=false               # plain http on loopback
export SESSION_COOKIE_SECURE=false
export CSRF_COOKIE_SECURE=false
export DATABASE_URL="$DATABASE_URL_BENCH"
export REDIS_URL="$REDIS_URL_BENCH"
export PRIVATE_MEDIA_ROOT="$WORK/private_media" # public media: the project's media/ (git-ignored)
export TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend  # no worker during the bench
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
mkdir -p "$PRIVATE_MEDIA_ROOT"

# Split the database URL into what the PostgreSQL client tools need.
read -r PGHOST_B PGPORT_B PGUSER_B PGPASSWORD_B DB_NAME < <("$PY" - "$DATABASE_URL" <<'EOF'
import sys
from urllib.parse import unquote, urlsplit
u = urlsplit(sys.argv[1])
if u.scheme not in ("postgres", "postgresql", "pgsql") or not u.path.strip("/"):
    sys.exit(f"BENCH_DATABASE_URL must be a postgres://user@host:port/name URL, got {sys.argv[1]}")
print(u.hostname or "127.0.0.1", u.port or 5432, unquote(u.username or "postgres"),
      unquote(u.password or "") or "-", unquote(u.path.strip("/")))
EOF
)
[[ "$PGPASSWORD_B" == "-" ]] || export PGPASSWORD="$PGPASSWORD_B"
PG_ARGS=(-h "$PGHOST_B" -p "$PGPORT_B" -U "$PGUSER_B")

manage() { timeout 600 "$PY" manage.py "$@"; }

if [[ "$REUSE_DB" == "1" ]]; then
  log "Reusing database $DB_NAME (BENCH_REUSE_DB=1)"
else
  # The database is dropped: refuse names that do not look like a bench database.
  [[ "$DB_NAME" == *bench* ]] || die "refusing to drop database '$DB_NAME': its name must contain 'bench'"
  log "Recreating database $DB_NAME on $PGHOST_B:$PGPORT_B"
  timeout 60 dropdb "${PG_ARGS[@]}" --if-exists --force "$DB_NAME"
  timeout 60 createdb "${PG_ARGS[@]}" "$DB_NAME"
  log "migrate"
  manage migrate --noinput -v 0
  log "seed_demo --quiet"
  manage seed_demo --quiet
fi

log "Flushing Redis ($REDIS_URL)"
timeout 10 redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null

log "collectstatic"
manage collectstatic --noinput -v 0

# The CSS under its hashed name, as pages link to it.
CSS_NAME="$("$PY" - "$ROOT/staticfiles/staticfiles.json" <<'EOF'
import json, sys
try:
    print(json.load(open(sys.argv[1]))["paths"]["portal/css/site.css"])
except Exception:
    print("portal/css/site.css")
EOF
)"
STATIC_URL_PATH="/static/$CSS_NAME"

# --- 3. gunicorn -------------------------------------------------------------
if curl -s -o /dev/null --max-time 2 "$BASE/"; then
  die "something already listens on $HOST:$PORT; set BENCH_PORT"
fi
log "Starting gunicorn with $WORKERS workers on $HOST:$PORT ${GUNICORN_EXTRA}"
read -r -a GUNICORN_EXTRA_ARGS <<<"$GUNICORN_EXTRA"   # split on spaces, no quoting
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" -m gunicorn config.wsgi:application \
  --workers "$WORKERS" \
  --bind "$HOST:$PORT" \
  --error-logfile "$WORK/gunicorn.log" \
  --log-level warning \
  "${GUNICORN_EXTRA_ARGS[@]}" \
  >>"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!

for i in $(seq 1 60); do                       # at most ~30 s
  if curl -fs -o /dev/null --max-time 2 "$BASE/healthz"; then
    break
  fi
  if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then
    cat "$WORK/gunicorn.log" >&2
    die "gunicorn exited during start-up"
  fi
  [[ "$i" -lt 60 ]] || { cat "$WORK/gunicorn.log" >&2; die "/healthz did not answer within 30 s"; }
  sleep 0.5
done

# The gunicorn port matches no Site, so Wagtail must fall back to the default
# site (Nordby).
status="$(curl -s -o "$WORK/home.html" -w '%{http_code}' --max-time 10 "$BASE/")"
[[ "$status" == "200" ]] || die "home page answered $status, expected 200"
grep -q "Nordby" "$WORK/home.html" || die "home page does not mention Nordby: not the default site?"

log "Warming up ($WARMUP requests per URL)"
for path in "${PAGES[@]}" "$STATIC_URL_PATH"; do
  for _ in $(seq 1 "$WARMUP"); do
    curl -s -o /dev/null -D "$WORK/headers.txt" --max-time 10 "$BASE$path"
  done
  code="$(awk 'NR==1 {print $2}' "$WORK/headers.txt")"
  cache="$(awk -F': ' 'tolower($1)=="x-page-cache" {gsub(/\r/, "", $2); print $2}' "$WORK/headers.txt")"
  printf '  %-45s HTTP %s  X-Page-Cache: %s\n' "$path" "$code" "${cache:--}" >&2
  [[ "$code" == "200" ]] || die "$path answered $code after warm-up, expected 200"
done

# --- 4. wrk, one URL after another -------------------------------------------
# CPU time used by gunicorn (master and workers) and by Redis, read before and
# after each wrk run: CPU per request is much less disturbed by other load on
# the machine than requests/s.
gunicorn_cpu_seconds() {
  local total=0 pid fields
  for pid in "$GUNICORN_PID" $(pgrep -P "$GUNICORN_PID" || true); do
    [[ -r "/proc/$pid/stat" ]] || continue
    # utime and stime are fields 14 and 15; strip "pid (comm) " first.
    fields="$(sed 's/^.*) //' "/proc/$pid/stat")"
    total=$(( total + $(awk '{print $12 + $13}' <<<"$fields") ))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz}'
}
redis_cpu_seconds() {
  timeout 5 redis-cli -u "$REDIS_URL" INFO cpu 2>/dev/null |
    awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'
}

WRK_ARGS=(-t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency --timeout 5s)
if [[ "$USE_LUA" == "1" ]]; then
  WRK_ARGS+=(-s "$ROOT/bench/wrk_stats.lua")
fi

mkdir -p "$RESULTS_DIR"
rm -f "$RESULTS_DIR"/wrk-*.txt
REPORT_ARGS=()
for round in $(seq 1 "$ROUNDS"); do
  n=0
  for path in "${PAGES[@]}" "$STATIC_URL_PATH"; do
    n=$((n + 1))
    out="$RESULTS_DIR/wrk-$round-$n.txt"
    log "[round $round/$ROUNDS] wrk ${WRK_ARGS[*]} $BASE$path"
    app_cpu_before="$(gunicorn_cpu_seconds)"; redis_cpu_before="$(redis_cpu_seconds)"
    timeout $(( DURATION_S + 60 )) wrk "${WRK_ARGS[@]}" "$BASE$path" | tee "$out" >&2
    app_cpu_after="$(gunicorn_cpu_seconds)"; redis_cpu_after="$(redis_cpu_seconds)"
    printf 'BENCH_CPU {"app_s": %s, "redis_s": %s}\n' \
      "$(awk -v a="$app_cpu_before" -v b="$app_cpu_after" 'BEGIN {printf "%.3f", b - a}')" \
      "$(awk -v a="$redis_cpu_before" -v b="$redis_cpu_after" 'BEGIN {printf "%.3f", b - a}')" >>"$out"
    if [[ "$path" == "$STATIC_URL_PATH" ]]; then
      REPORT_ARGS+=(--static "$path" "$out")
    else
      REPORT_ARGS+=(--page "$path" "$out")
    fi
  done
done

if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then
  cat "$WORK/gunicorn.log" >&2
  die "gunicorn died during the benchmark"
fi
if grep -qE 'WORKER TIMEOUT|Traceback|\[ERROR\]' "$WORK/gunicorn.log"; then
  log "gunicorn logged errors during the run:"
  tail -n 40 "$WORK/gunicorn.log" >&2
fi

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- 5. Report -----------------------------------------------------------------
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then COMMIT="$COMMIT (uncommitted changes)"; fi
log "Results"
"$PY" "$ROOT/bench/report.py" \
  --out "$RESULTS_DIR/latest.txt" \
  --meta "Benchmark of $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) CPUs" \
  --meta "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per URL, $ROUNDS round(s); gunicorn: $WORKERS workers on $HOST:$PORT ${GUNICORN_EXTRA}" \
  --meta "load average before: $LOAD_BEFORE, after: $LOAD_AFTER (other processes on this machine skew the numbers)" \
  --meta "settings: config.settings.production, PostgreSQL $DB_NAME, Redis $REDIS_URL" \
  --connections "$CONNECTIONS" \
  --target-ratio "$TARGET_RATIO" \
  --target-p99 "$TARGET_P99_MS" \
  "${REPORT_ARGS[@]}"
echo "(written to bench/results/latest.txt; raw wrk output in bench/results/wrk-*.txt)"
