#!/usr/bin/env bash
# bench/decode/generate.sh — write a >= 200 MB binlog with sysbench
# oltp_write_only on a throw-away local MariaDB 10.11 master.
#
#   bench/decode/generate.sh [OUT_DIR] [TARGET_MB]
#
# Starts its own mariadbd in OUT_DIR/server (unix socket only, no TCP),
# binlog_format=ROW, binlog_row_image=FULL, binlog_checksum=CRC32,
# max_binlog_size=1G (so the workload lands in one file), sync_binlog=0,
# innodb_flush_log_at_trx_commit=2; runs sysbench oltp_write_only (4 tables
# x 100k rows, 4 threads) until the binlog is TARGET_MB (default 220) MB;
# stops the server and leaves the binlog as OUT_DIR/bench.binlog plus
# OUT_DIR/WORKLOAD.txt describing exactly what ran. Idempotent: an existing
# OUT_DIR/bench.binlog is kept.
set -euo pipefail

OUT_DIR=${1:-/var/tmp/galaxis-bench-decode}
TARGET_MB=${2:-220}
SERVER_DIR="$OUT_DIR/server"
SOCKET="$SERVER_DIR/mysqld.sock"
TABLES=4
TABLE_SIZE=100000
THREADS=4

if [[ -s "$OUT_DIR/bench.binlog" ]]; then
  echo "generate: $OUT_DIR/bench.binlog exists ($(du -m "$OUT_DIR/bench.binlog" | cut -f1) MB), keeping it"
  exit 0
fi
command -v sysbench >/dev/null || { echo "generate: sysbench is not installed (apt-get install sysbench)" >&2; exit 1; }
command -v mariadbd >/dev/null || { echo "generate: mariadbd is not installed" >&2; exit 1; }

rm -rf "$SERVER_DIR"
mkdir -p "$SERVER_DIR/data"
mariadb-install-db --no-defaults --datadir="$SERVER_DIR/data" --auth-root-authentication-method=normal \
  --skip-test-db >"$SERVER_DIR/install.log" 2>&1

mariadbd --no-defaults --user=root --datadir="$SERVER_DIR/data" --socket="$SOCKET" --skip-networking \
  --pid-file="$SERVER_DIR/mysqld.pid" --log-error="$SERVER_DIR/error.log" \
  --server-id=1 --log-bin="$SERVER_DIR/data/binlog" --binlog-format=ROW --binlog-row-image=FULL \
  --binlog-checksum=CRC32 --max-binlog-size=1073741824 --sync-binlog=0 \
  --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=512M &
SERVER_PID=$!
cleanup() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  mariadb --no-defaults -S "$SOCKET" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
mariadb --no-defaults -S "$SOCKET" -uroot -e "CREATE DATABASE sbtest"

SB=(sysbench oltp_write_only --db-driver=mysql --mysql-socket="$SOCKET" --mysql-user=root --mysql-db=sbtest
    --tables=$TABLES --table-size=$TABLE_SIZE --threads=$THREADS)
"${SB[@]}" prepare >"$SERVER_DIR/prepare.log"
mariadb --no-defaults -S "$SOCKET" -uroot -e "FLUSH BINARY LOGS"  # the run gets a file of its own
RUN_FILE=$(mariadb --no-defaults -S "$SOCKET" -uroot -N -e "SHOW MASTER STATUS" | cut -f1)

SECONDS_RUN=0
while :; do
  "${SB[@]}" --time=30 --report-interval=0 run >>"$SERVER_DIR/run.log"
  SECONDS_RUN=$((SECONDS_RUN + 30))
  SIZE_MB=$(( $(stat -c %s "$SERVER_DIR/data/$RUN_FILE") / 1048576 ))
  echo "generate: binlog $RUN_FILE is $SIZE_MB MB after ${SECONDS_RUN}s of sysbench"
  (( SIZE_MB >= TARGET_MB )) && break
done
mariadb --no-defaults -S "$SOCKET" -uroot -e "FLUSH BINARY LOGS"
cleanup
trap - EXIT

mv "$SERVER_DIR/data/$RUN_FILE" "$OUT_DIR/bench.binlog"
cat >"$OUT_DIR/WORKLOAD.txt" <<INFO
binlog: $OUT_DIR/bench.binlog ($(stat -c %s "$OUT_DIR/bench.binlog") bytes)
server: $(mariadbd --version)
settings: binlog_format=ROW binlog_row_image=FULL binlog_checksum=CRC32 sync_binlog=0 innodb_flush_log_at_trx_commit=2
workload: sysbench $(sysbench --version | cut -d' ' -f2) oltp_write_only --tables=$TABLES --table-size=$TABLE_SIZE --threads=$THREADS, ${SECONDS_RUN}s (after prepare, in its own binlog file)
INFO
rm -rf "$SERVER_DIR"
cat "$OUT_DIR/WORKLOAD.txt"
