#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL on 127.0.0.1 for tests (trust authentication, user
# postgres, fsync on: the tests check durability). Used by the Swift tests, scripts/rolling-restart.sh
# and .ci/run.
#
# Usage: scripts/postgres-test-server.sh start DIR PORT [CERT KEY]
#                                                         creates DIR (initdb) if needed, starts the
#                                                         server, prints its URL on stdout; with
#                                                         CERT and KEY (PEM files) it also accepts
#                                                         TLS with that certificate
#        scripts/postgres-test-server.sh stop DIR [MODE]   stops it (MODE: fast, the default, or immediate)
#        scripts/postgres-test-server.sh available          exit 0 when the binaries are installed
# Exit status 3 when PostgreSQL's binaries are missing (Debian: apt-get install postgresql).
# As root the server runs as the `postgres` user (it refuses to run as root), so DIR's parent
# must be traversable by it.
set -euo pipefail

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  [[ -x "$candidate/pg_ctl" ]] && bindir=$candidate
done
if [[ -z "$bindir" ]] && command -v pg_ctl >/dev/null 2>&1; then bindir=$(dirname "$(command -v pg_ctl)"); fi
if [[ -z "$bindir" ]]; then
  echo "postgres-test-server: PostgreSQL binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

command=${1:-}
case "$command" in
  available)
    exit 0
    ;;
  start)
    dir=${2:?DIR}
    port=${3:?PORT}
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-instructions >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200"
    if [[ -n "${4:-}" ]]; then
      # The server reads its key only when it is private to its owner.
      install -m 0644 "$4" "$dir/server.crt"
      install -m 0600 "$5" "$dir/server.key"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/server.crt" "$dir/server.key"
      options+=" -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    # Loopback only; the socket directory is DIR, so nothing is left in /var/run/postgresql.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
  stop)
    dir=${2:?DIR}
    mode=${3:-fast}
    [[ -f "$dir/data/postmaster.pid" ]] || exit 0
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null
    ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 64
    ;;
esac
