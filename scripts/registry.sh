#!/usr/bin/env bash
# Try the Salal Registry locally: a PostgreSQL cluster in a folder of its own
# (kept between runs), the release build, the schema, a demo organization
# "Salal Demo Clinic" (made once), a fresh enrollment code for it, then the
# server on https://127.0.0.1:8443 in the foreground. Ctrl-C stops the server
# and the cluster.
#   scripts/registry.sh
# Settings: SALAL_REGISTRY_HOME (default ~/.local/share/salal-registry),
# SALAL_REGISTRY_PG_PORT (5544), SALAL_PG_BIN, CARGO_TARGET_DIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=${SALAL_REGISTRY_HOME:-$HOME/.local/share/salal-registry}
port=${SALAL_REGISTRY_PG_PORT:-5544}
listen=127.0.0.1:8443
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/salal/target}

pg_bin=${SALAL_PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then pg_bin=$dir; break; fi
  done
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "registry.sh: PostgreSQL is not installed. Install it with: sudo apt-get install postgresql" >&2
  exit 1
fi
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
fi

data="$home/pgdata"
mkdir -p "$home"
if [ "${#as_pg[@]}" -gt 0 ] && ! "${as_pg[@]}" test -x "$home"; then
  # As root, PostgreSQL runs as the postgres user, who may not enter $home
  # (e.g. under /root): keep the cluster in /var/lib, linked from $home.
  if [ ! -L "$data" ]; then
    real="/var/lib/salal-registry/pgdata-$(printf '%s' "$home" | sha256sum | cut -c1-12)"
    mkdir -p "$real"
    ln -sfn "$real" "$data"
  fi
  data=$(readlink -f "$data")
fi
if [ ! -f "$data/PG_VERSION" ]; then
  echo "Creating a PostgreSQL cluster in $data ..."
  mkdir -p "$data"
  if [ "${#as_pg[@]}" -gt 0 ]; then chown postgres "$data"; fi
  chmod 700 "$data"
  "${as_pg[@]}" "$pg_bin/initdb" -A trust -U postgres -E UTF8 --locale=C.UTF-8 -D "$data" >/dev/null
  cat >>"$data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
CONF
fi
stop_pg() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}
if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 30 start >/dev/null
fi
trap stop_pg EXIT
trap 'exit 130' INT TERM

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/salal"
if ! "${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
     "SELECT 1 FROM pg_database WHERE datname = 'salal'" postgres | grep -q 1; then
  "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres salal
fi

(cd "$root" && cargo build --release -p salal-registry)
bin="$CARGO_TARGET_DIR/release/salal-registry"
"$bin" migrate >/dev/null

if [ ! -s "$home/demo-org-id" ]; then
  "$bin" org add --name "Salal Demo Clinic" >"$home/demo-org-id"
fi
org=$(cat "$home/demo-org-id")
code=$("$bin" enroll-code --org "$org" --tls-dir "$home/tls")
echo
echo "Enrollment code for Salal Demo Clinic (one device, valid 7 days):"
echo "  $code"
echo "Use it on a clinic computer with:"
echo "  salal enroll --registry https://$listen --code $code"
echo
"$bin" serve --listen "$listen" --tls-dir "$home/tls"
