# Shared by scripts/demo and scripts/test: a scratch PostgreSQL cluster and the project's AWS
# emulator, both on loopback, both stopped on exit. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.scratch"
# Where cargo puts what it builds: CARGO_TARGET_DIR when set (relative to the repository, where
# the scripts run cargo), else target/.
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
VENV="$SCRATCH/venv"
mkdir -p "$SCRATCH"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The test environment's Python packages, pinned in tests/validators/requirements.txt: the
# emulator (moto[server], tests/emulator/requirements.txt) and the format validators.
ensure_python_env() {
  command -v python3 >/dev/null || die "python3 is required (apt-get install python3 python3-venv)"
  local stamp="$VENV/.requirements" wanted
  wanted=$(cat "$ROOT/tests/validators/requirements.txt" "$ROOT/tests/emulator/requirements.txt")
  if [ ! -x "$VENV/bin/python" ] || [ "$wanted" != "$(cat "$stamp" 2>/dev/null)" ]; then
    log "installing the test environment's Python packages into $VENV"
    python3 -m venv "$VENV" || die "cannot create a virtualenv (apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/tests/validators/requirements.txt" \
      || die "pip install of tests/validators/requirements.txt failed"
    printf '%s' "$wanted" >"$stamp"
  fi
  export MFA_AUDITOR_PYTHON="$VENV/bin/python"
}

# A Debian package a test needs, installed when this runs as root with apt (as in CI);
# otherwise that test says it skipped and how to get it.
#   ensure_debian_tool COMMAND PACKAGE WHY [APT-GET OPTIONS...]
ensure_debian_tool() {
  local command=$1 package=$2 why=$3
  shift 3
  command -v "$command" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's $package for $why"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq "$@" "$package" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq "$@" "$package" >/dev/null; }; } \
      || log "could not install $package: $why will skip (apt-get install $package)"
  else
    log "$command not found: $why will skip (apt-get install $package)"
  fi
}

# Debian's chromium renders the HTML report in tests/html_report.rs.
ensure_chromium() {
  ensure_debian_tool chromium chromium "the HTML report test"
}

# promtool (Debian's prometheus) checks and unit-tests deploy/prometheus in tests/alerts.rs.
ensure_promtool() {
  ensure_debian_tool promtool prometheus "the alert rules test" --no-install-recommends
}

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  [ -x "$dir/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  echo "$dir"
}

# Starts a throwaway cluster with trust auth on loopback and exports DATABASE_URL, unless
# DATABASE_URL is already set (then that server is used as it is).
start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    log "using the given DATABASE_URL"
    return
  fi
  local bindir port as_pg=()
  bindir=$(pg_bindir)
  port=$(free_port)
  PG_DIR=$(mktemp -d /tmp/mfa-auditor-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || die "running as root needs a postgres user (apt-get install postgresql)"
    chown postgres "$PG_DIR"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  PG_AS=("${as_pg[@]}")
  PG_BINDIR="$bindir"
  "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres mfa_auditor
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/mfa_auditor"
  log "PostgreSQL scratch cluster on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

# Starts the emulator on a free loopback port and exports its URL as AWS_ENDPOINT_URL.
start_emulator() {
  ensure_python_env
  local portfile
  portfile=$(mktemp -u /tmp/mfa-auditor-emulator.XXXXXX)
  "$MFA_AUDITOR_PYTHON" "$ROOT/tests/emulator/mfa_emulator.py" --port 0 --port-file "$portfile" \
    >"$SCRATCH/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$portfile" ] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$SCRATCH/emulator.log" >&2; die "the emulator exited"; }
    sleep 0.1
  done
  [ -s "$portfile" ] || die "the emulator did not start within 10 s (see $SCRATCH/emulator.log)"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$portfile")"
  rm -f "$portfile"
  log "AWS emulator on $AWS_ENDPOINT_URL"
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
}

# Static credentials for the emulator: it accepts any, and nothing here reaches real AWS.
use_emulator_credentials() {
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
}
