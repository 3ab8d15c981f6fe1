#!/usr/bin/env bash
# bench/copy: copy 1M sysbench rows (4 tables x 250000) from a master to an
# empty passive, side by side on the same machine:
#   (a) galaxis-relay sync --mode copy --threads 2 (consistent snapshot,
#       checkpoint written)
#   (b) mydumper -t 2 + myloader -t 2 (Debian's 0.10.1), timed together
#   (c) mariadb-dump --single-transaction | mariadb
# Each passive is checked against the master with CHECKSUM TABLE.
#
# Usage: bench/copy/run.sh   GALAXIS_BENCH_TABLE_SIZE (250000), GALAXIS_BENCH_THREADS (2),
#   GALAXIS_RELAY_BINARY (build/release/cli/galaxis-relay)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TABLES=4
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-250000}
THREADS=${GALAXIS_BENCH_THREADS:-2}
M_PORT=34201 A_PORT=34202 B_PORT=34203 C_PORT=34204
[[ -x $RELAY ]] || { echo "copy: $RELAY missing; build it or set GALAXIS_RELAY_BINARY" >&2; exit 1; }
cleanup() { for s in master ours mydumper dump; do stop_server $s; done; }
trap cleanup EXIT

fast=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW "${fast[@]}"
start_server ours $A_PORT --server-id=2 "${fast[@]}"
start_server mydumper $B_PORT --server-id=3 "${fast[@]}"
start_server dump $C_PORT --server-id=4 "${fast[@]}"
sql master "CREATE DATABASE sbtest"
sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench \
  --mysql-password= --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE prepare >/dev/null
rows=$((TABLES * TABLE_SIZE))
checksums() { sql "$1" "CHECKSUM TABLE sbtest.sbtest1, sbtest.sbtest2, sbtest.sbtest3, sbtest.sbtest4" | cut -f2 | tr '\n' ' '; }
expected=$(checksums master)
report() {  # report NAME SECONDS SERVER
  local got
  got=$(checksums "$3")
  printf '%-44s %7.2f s  %9.0f rows/s  %s\n' "$1" "$2" "$(echo "$rows / $2" | bc -l)" \
    "$([[ $got == "$expected" ]] && echo equal || echo "DIFFERENT: $got vs $expected")"
}
echo "== copy: $rows sysbench rows ($TABLES x $TABLE_SIZE), $THREADS threads, MariaDB $(sql master 'SELECT VERSION()')"

t0=$(now)
GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$RELAY" sync --mode copy --threads "$THREADS" \
  --source "mysql://bench@127.0.0.1:$M_PORT" --target "mysql://bench@127.0.0.1:$A_PORT" --include sbtest \
  --progress-interval 0 >"$BENCH_DIR/ours.log" 2>&1
t1=$(now)
ours=$(echo "$t1 - $t0" | bc -l)
report "galaxis-relay sync --mode copy" "$ours" ours

rm -rf "$BENCH_DIR/mydumper.out"
t0=$(now)
mydumper -h 127.0.0.1 -P $M_PORT -u bench -B sbtest -t "$THREADS" -o "$BENCH_DIR/mydumper.out" >"$BENCH_DIR/mydumper.log" 2>&1
myloader -h 127.0.0.1 -P $B_PORT -u bench -d "$BENCH_DIR/mydumper.out" -t "$THREADS" >>"$BENCH_DIR/mydumper.log" 2>&1
t1=$(now)
my=$(echo "$t1 - $t0" | bc -l)
report "mydumper -t $THREADS + myloader -t $THREADS" "$my" mydumper

t0=$(now)
mariadb-dump --no-defaults -h 127.0.0.1 -P $M_PORT -u bench --single-transaction --databases sbtest |
  mariadb --no-defaults -h 127.0.0.1 -P $C_PORT -u bench
t1=$(now)
dump=$(echo "$t1 - $t0" | bc -l)
report "mariadb-dump --single-transaction | mariadb" "$dump" dump
printf 'ratio: mydumper+myloader / ours = %.2fx, mariadb-dump|mariadb / ours = %.2fx\n' \
  "$(echo "$my / $ours" | bc -l)" "$(echo "$dump / $ours" | bc -l)"
