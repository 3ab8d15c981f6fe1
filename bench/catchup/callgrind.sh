#!/usr/bin/env bash
# bench/catchup/callgrind.sh: instructions the relay process spends on one
# FIXED replay of a sysbench oltp_write_only backlog — the steady figure on a
# loaded machine (wall clock and CPU seconds are not).
#
#   prepare    master (sysbench prepare) and a target caught up with it by
#              the relay, the target's datadir snapshotted, then TRX
#              transactions written on the master (the backlog). Once.
#   measure    for each RELAY_BINARY: a fresh copy of the snapshot, the relay
#              under `valgrind --tool=callgrind` with --stop-at-end, the
#              target's CHECKSUM TABLE compared with the master's. Prints
#              instructions in all and per row change (TRX * 4).
#   cpu        the same without valgrind: the relay's user and system CPU
#              seconds (/usr/bin/time), per 100k row changes too.
#
# Usage: bench/catchup/callgrind.sh prepare
#        bench/catchup/callgrind.sh measure|cpu RELAY_BINARY... (master kept up
#          between calls; `bench/catchup/callgrind.sh stop` ends it)
#   GALAXIS_BENCH_DIR, GALAXIS_BENCH_PORT (36101: master, +1 target),
#   GALAXIS_BENCH_TRX (30000), GALAXIS_BENCH_TABLES (4),
#   GALAXIS_BENCH_TABLE_SIZE (20000), GALAXIS_BENCH_RAND (uniform),
#   GALAXIS_BENCH_FLAGS (relay flags). Callgrind outputs:
#   $BENCH_DIR/callgrind.out.<n>. Fast settings; MariaDB (bench/lib.sh).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TRX=${GALAXIS_BENCH_TRX:-30000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-20000}
RAND=${GALAXIS_BENCH_RAND:-uniform}
read -r -a FLAGS <<<"${GALAXIS_BENCH_FLAGS:-}"
M_PORT=${GALAXIS_BENCH_PORT:-36101} T_PORT=$((M_PORT + 1))
durability=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
tables=$(seq -s, -f 'sbtest.sbtest%g' 1 "$TABLES")
relay() {  # relay COMMAND-PREFIX... BINARY
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$@" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$T_PORT" --initial from-start --stop-at-end --server-id 4711 \
    --stats-interval 1000 "${FLAGS[@]}" >>"$BENCH_DIR/relay.log" 2>&1
}
start_target() {  # a copy of the snapshot, the server on it
  mkdir -p "$BENCH_DIR/target/tmp"
  rm -rf "$BENCH_DIR/target/data" && cp -a "$BENCH_DIR/snapshot" "$BENCH_DIR/target/data"
  "$MARIADBD" --no-defaults --user="$(id -un)" --datadir="$BENCH_DIR/target/data" --port="$T_PORT" \
    --bind-address=127.0.0.1 --socket="$BENCH_DIR/target/sock" --pid-file="$BENCH_DIR/target/pid" \
    --log-error="$BENCH_DIR/target/error.log" --skip-name-resolve --tmpdir="$BENCH_DIR/target/tmp" \
    --innodb-buffer-pool-size=512M --innodb-log-file-size=256M --max-connections=200 \
    --character-set-server=utf8mb4 --server-id=3 "${durability[@]}" &
  for _ in $(seq 1 300); do
    [[ -S $BENCH_DIR/target/sock ]] && sql target "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "callgrind.sh: target did not start" >&2
  return 1
}

case ${1:-} in
  prepare)
    mkdir -p "$BENCH_DIR"
    stop_server target; stop_server master
    start_server master "$M_PORT" --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL \
      "${durability[@]}"
    start_server target "$T_PORT" --server-id=3 "${durability[@]}"
    sql master "CREATE DATABASE sbtest"
    sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$M_PORT" --mysql-user=bench
      --mysql-password= --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE" --rand-type="$RAND")
    sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null
    relay "$RELAY"
    stop_server target
    rm -rf "$BENCH_DIR/snapshot" && cp -a "$BENCH_DIR/target/data" "$BENCH_DIR/snapshot"
    sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events="$TRX" --time=0 --rate=0 run \
      >"$BENCH_DIR/sysbench.log"
    sql master "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ' >"$BENCH_DIR/master.sum"
    echo "prepared: $TRX trx ($RAND) on the master (port $M_PORT), target snapshot in $BENCH_DIR/snapshot"
    ;;
  measure)
    shift
    n=$(find "$BENCH_DIR" -maxdepth 1 -name 'callgrind.out.*' | wc -l)
    for bin in "$@"; do
      start_target
      out=$BENCH_DIR/callgrind.out.$n
      relay valgrind --tool=callgrind --callgrind-out-file="$out" "$bin"
      sql_sum=$(sql target "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
      stop_server target
      [[ $sql_sum == "$(cat "$BENCH_DIR/master.sum")" ]] || echo "WARNING: target differs from the master ($bin)"
      ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
      echo "$bin: $ir instructions, $(awk -v i="$ir" -v r=$((TRX * 4)) 'BEGIN{printf "%.0f", i/r}') per row change ($out)"
      n=$((n + 1))
    done
    ;;
  cpu)  # the same replay without valgrind: user and system CPU seconds of the relay process
    shift
    for bin in "$@"; do
      start_target
      relay /usr/bin/time -f '%U %S' -o "$BENCH_DIR/time" "$bin"
      sql_sum=$(sql target "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
      stop_server target
      [[ $sql_sum == "$(cat "$BENCH_DIR/master.sum")" ]] || echo "WARNING: target differs from the master ($bin)"
      read -r user sys <"$BENCH_DIR/time"
      echo "$bin: user $user s, sys $sys s, per 100k row changes $(awk -v u="$user" -v s="$sys" -v r=$((TRX * 4)) \
        'BEGIN{printf "%.2f", (u+s)*100000/r}') s (load $(cut -d' ' -f1 /proc/loadavg))"
    done
    ;;
  stop) stop_server target; stop_server master ;;
  *) echo "usage: callgrind.sh prepare | measure RELAY_BINARY... | cpu RELAY_BINARY... | stop" >&2; exit 1 ;;
esac
