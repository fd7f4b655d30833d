#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: a fresh data folder
# in /tmp, a random free port on 127.0.0.1, fsync off (speed, not safety),
# database `salal`. SALAL_PG_FSYNC=on keeps PostgreSQL's durable defaults
# (fsync, synchronous_commit, full_page_writes on), for benchmarks. Exports DATABASE_URL, plus SALAL_PG_BIN, SALAL_PG_DATA and
# SALAL_PG_PORT so tests can stop and start the server with pg_ctl (as the
# postgres user when run as root: initdb refuses root). The cluster is
# stopped and removed on exit; the command's exit code is returned.
#   scripts/with-postgres.sh cargo test -p salal-registry
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi

pg_bin=${SALAL_PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then pg_bin=$dir; break; fi
  done
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)." >&2
  echo "Install it with: sudo apt-get install postgresql   (or set SALAL_PG_BIN to its bin folder)" >&2
  exit 1
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
fi

free_port() {
  python3 - <<'PY' 2>/dev/null && return
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
  # Without python: try random ports until one is not answering.
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

dir=$(mktemp -d /tmp/salal-pg.XXXXXX)
data="$dir/data"
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "${#as_pg[@]}" -gt 0 ]; then
  chown postgres "$dir"
fi

"${as_pg[@]}" "$pg_bin/initdb" --no-sync -A trust -U postgres -E UTF8 --locale=C.UTF-8 -D "$data" >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 1
}
port=$(free_port)
# In postgresql.conf (not pg_ctl -o), so a plain `pg_ctl -D DATA start` brings it back the same.
cat >>"$data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 400
CONF
if [ "${SALAL_PG_FSYNC:-off}" = "on" ]; then
  cat >>"$data/postgresql.conf" <<CONF
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
else
  cat >>"$data/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 30 start >/dev/null || {
  cat "$dir/postgres.log" >&2
  exit 1
}
"${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres salal

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/salal"
export SALAL_PG_BIN="$pg_bin"
export SALAL_PG_DATA="$data"
export SALAL_PG_PORT="$port"
status=0
"$@" || status=$?
exit "$status"
