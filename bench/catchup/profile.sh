#!/usr/bin/env bash
# bench/catchup/profile.sh: where does the CPU go while a sysbench
# oltp_write_only backlog is applied? perf record (-g, cpu-clock: no hardware
# counters in this container) on the relay process and on its target mariadbd,
# and on a native replica's server while its SQL thread applies the same
# backlog. Prints the top self-time symbols of each and the CPU seconds.
#
# Usage: bench/catchup/profile.sh [RELAY_BINARY]
#   GALAXIS_BENCH_TRX (30000), GALAXIS_BENCH_TABLES (4),
#   GALAXIS_BENCH_TABLE_SIZE (20000), GALAXIS_BENCH_RAND (uniform),
#   GALAXIS_BENCH_FLAGS (relay flags, default none). Fast settings.
#   Reports: $BENCH_DIR/perf-{relay,target,native}.txt
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BIN=${1:-$RELAY}
TRX=${GALAXIS_BENCH_TRX:-30000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-20000}
RAND=${GALAXIS_BENCH_RAND:-uniform}
read -r -a FLAGS <<<"${GALAXIS_BENCH_FLAGS:-}"
M_PORT=${GALAXIS_BENCH_PORT:-35101} N_PORT=$((M_PORT + 1)) T_PORT=$((M_PORT + 2))
cleanup() { for s in master native target; do stop_server $s; done; }
trap cleanup EXIT
durability=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
  --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE --rand-type=$RAND)
relay() {
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$@" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$T_PORT" --initial from-start --stop-at-end --server-id 4711 "${FLAGS[@]}" \
    >>"$BENCH_DIR/relay.log" 2>&1
}
start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${durability[@]}"
start_server native $N_PORT --server-id=2 --skip-slave-start "${durability[@]}" --slave-parallel-threads=0
start_server target $T_PORT --server-id=3 "${durability[@]}"
sql master "CREATE DATABASE sbtest"
sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null
read -r PREP_FILE PREP_POS <<<"$(master_pos master)"
native_replica_fetch native $M_PORT
sql native "START SLAVE SQL_THREAD"
relay "$BIN"
native_wait_exec native "$PREP_FILE" "$PREP_POS"
sql native "STOP SLAVE SQL_THREAD"
sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events=$TRX --time=0 --rate=0 run >"$BENCH_DIR/sysbench.log"
read -r END_FILE END_POS <<<"$(master_pos master)"
echo "== profile: $TRX trx ($RAND) = $((TRX * 4)) row changes, load $(cut -d' ' -f1-3 /proc/loadavg), relay flags: ${FLAGS[*]:-default}"
native_wait_fetched native "$END_FILE" "$END_POS"

pid=$(server_pid native)
c0=$(cpu_seconds "$pid")
perf record -q -g -p "$pid" -o "$BENCH_DIR/native.data" 2>/dev/null &
perf_pid=$!
a=$(now)
sql native "START SLAVE SQL_THREAD"
native_wait_exec native "$END_FILE" "$END_POS"
b=$(now)
kill -INT $perf_pid; wait $perf_pid || true
echo "   native: $(awk -v a=$a -v b=$b 'BEGIN{printf "%.2f", b-a}') s, server CPU $(awk -v a=$c0 -v b="$(cpu_seconds "$pid")" 'BEGIN{print b-a}') s"

pid=$(server_pid target)
c0=$(cpu_seconds "$pid")
perf record -q -g -p "$pid" -o "$BENCH_DIR/target.data" 2>/dev/null &
perf_pid=$!
a=$(now)
relay perf record -q -g -o "$BENCH_DIR/relay.data" -- /usr/bin/time -f '%U %S' -o "$BENCH_DIR/time" "$BIN"
b=$(now)
kill -INT $perf_pid; wait $perf_pid || true
echo "   relay: $(awk -v a=$a -v b=$b 'BEGIN{printf "%.2f", b-a}') s (under perf), relay CPU $(awk '{print $1+$2}' "$BENCH_DIR/time") s, target CPU $(awk -v a=$c0 -v b="$(cpu_seconds "$pid")" 'BEGIN{print b-a}') s"
for p in native target relay; do
  perf report -i "$BENCH_DIR/$p.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null |
    grep -v '^#' | grep -v '^$' >"$BENCH_DIR/perf-$p.txt" || true
  perf report -i "$BENCH_DIR/$p.data" --children --sort symbol --stdio -g none --percent-limit 2 2>/dev/null |
    grep -v '^#' | grep -v '^$' >"$BENCH_DIR/perf-$p-children.txt" || true
done
sum_m=$(sql master "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
for r in native target; do
  [[ $(sql $r "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ') == "$sum_m" ]] ||
    echo "   WARNING: $r differs from the master"
done
