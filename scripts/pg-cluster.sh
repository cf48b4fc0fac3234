#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster for the tests.
#   eval "$(bash scripts/pg-cluster.sh start)"   -> exports CITYKPI_TEST_POSTGRES_URL, CITYKPI_PG_DIR
#   bash scripts/pg-cluster.sh stop DIR
# Installs Debian's postgresql package when no server binaries are present.
set -euo pipefail

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

case "${1:-}" in
  start)
    bin=$(find_bin)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
      echo "PostgreSQL server not found; installing Debian's postgresql package" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
      bin=$(find_bin)
    fi
    dir=$(mktemp -d /tmp/citykpi-pg.XXXXXX)
    chmod 755 "$dir"
    runas=()
    if [ "$(id -u)" = "0" ]; then
      id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres >&2
      chown postgres "$dir"
      runas=(runuser -u postgres --)
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${runas[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >&2
    "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
    "${runas[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres citykpi_test >&2
    echo "export CITYKPI_PG_DIR=$dir"
    echo "export CITYKPI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/citykpi_test"
    ;;
  stop)
    dir=${2:?usage: pg-cluster.sh stop DIR}
    bin=$(find_bin)
    runas=()
    [ "$(id -u)" = "0" ] && runas=(runuser -u postgres --)
    "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
