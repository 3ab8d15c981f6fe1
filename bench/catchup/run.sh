#!/usr/bin/env bash
# bench/catchup: how fast is a sysbench oltp_write_only backlog applied?
#   (a) a native MariaDB replica SQL thread, slave_parallel_threads=0
#   (b) the same with 4 optimistic parallel threads
#   (c) galaxis-relay run --stop-at-end --parallel 1 --no-compact-rows (reads
#       over the network, decodes, applies on one connection)
#   (d) --parallel 4 --no-compact-rows (adaptive epochs on 4 target connections)
#   (e) --parallel 1 --compact-rows (net effect per key and target transaction)
#   (f) the default: no flags (--parallel 4, adaptive epochs, compaction)
# The native replicas fetch the whole backlog into their relay log first
# (IO thread), so only their SQL threads are timed; the relay is timed from
# process start to exit, network included. The prepared tables are applied
# by every contestant before the timed part.
#
# Every mode runs twice: sysbench's default skewed ids (--rand-type=special:
# 1% of the ids take 75% of the writes, so compaction folds most changes)
# and uniformly spread ids (--rand-type=uniform: a shop's orders and
# sessions; issue 15). Printed per contestant: seconds, row changes/s, the
# ratio to each native replica, and the CPU seconds of the relay process and
# of the target server per 100k row changes (/proc utime+stime; for the
# native replicas the replica server's).
#
# Usage: bench/catchup/run.sh [fast|durable]   (default: both)
#   GALAXIS_BENCH_TRX (default 100000) transactions, GALAXIS_BENCH_TABLES (4),
#   GALAXIS_BENCH_TABLE_SIZE (25000), GALAXIS_BENCH_RAND ("special uniform"),
#   GALAXIS_BENCH_RELAYS (the contestants below, default all),
#   GALAXIS_RELAY_BINARY (build/release/cli/galaxis-relay).
# fast:    sync_binlog=0, innodb_flush_log_at_trx_commit=2 everywhere
# durable: sync_binlog=1, innodb_flush_log_at_trx_commit=1 everywhere
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TRX=${GALAXIS_BENCH_TRX:-100000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-25000}
MODES=${1:-fast durable}
RANDS=${GALAXIS_BENCH_RAND:-special uniform}
M_PORT=34101 A_PORT=34102 B_PORT=34103 C_PORT=34104
# The galaxis-relay contestants: name, target port, extra flags.
read -r -a RELAYS <<<"${GALAXIS_BENCH_RELAYS:-relay relay_p4 relay_c relay_default}"
declare -A RELAY_PORT=([relay]=$C_PORT [relay_p4]=34105 [relay_c]=34107 [relay_default]=34106)
declare -A RELAY_FLAGS=([relay]="--parallel 1 --no-compact-rows" [relay_p4]="--parallel 4 --no-compact-rows"
  [relay_c]="--parallel 1 --compact-rows" [relay_default]="")
declare -A LABEL=([native]='native SQL thread (0 par.)' [native4]='native 4 optimistic threads'
  [relay]='relay --parallel 1 --no-compact' [relay_p4]='relay --parallel 4 --no-compact' [relay_c]='relay --parallel 1 --compact'
  [relay_default]='relay default (-p 4, compact)')
relay_variant() {  # relay_variant NAME LOG
  local -a extra
  read -r -a extra <<<"${RELAY_FLAGS[$1]}"
  RELAY_EXTRA=("${extra[@]}")
  relay_catch_up $M_PORT "${RELAY_PORT[$1]}" "$2"
}
[[ -x $RELAY ]] || { echo "catchup: $RELAY missing; build it or set GALAXIS_RELAY_BINARY" >&2; exit 1; }

cleanup() { for s in master native native4 relay relay_p4 relay_c relay_default; do stop_server $s; done; }
trap cleanup EXIT

for mode in $MODES; do
for rand in $RANDS; do
  sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
    --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE --rand-type=$rand)
  if [[ $mode == durable ]]; then durability=(--sync-binlog=1 --innodb-flush-log-at-trx-commit=1)
  else durability=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2); fi
  echo "== catchup ($mode, $rand keys): $TRX oltp_write_only transactions over $TABLES x $TABLE_SIZE rows," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
  start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${durability[@]}"
  start_server native $A_PORT --server-id=2 --skip-slave-start "${durability[@]}" --slave-parallel-threads=0
  start_server native4 $B_PORT --server-id=3 --skip-slave-start "${durability[@]}" --slave-parallel-threads=4 \
    --slave-parallel-mode=optimistic
  for r in "${RELAYS[@]}"; do start_server $r "${RELAY_PORT[$r]}" --server-id=4 "${durability[@]}"; done

  sql master "CREATE DATABASE sbtest"
  sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null
  read -r PREP_FILE PREP_POS <<<"$(master_pos master)"
  # Everyone applies the prepared tables first (untimed).
  for r in native native4; do
    native_replica_fetch $r $M_PORT
    sql $r "START SLAVE SQL_THREAD"
  done
  for r in "${RELAYS[@]}"; do relay_variant $r "$BENCH_DIR/$r-$mode.log"; done
  for r in native native4; do
    native_wait_exec $r "$PREP_FILE" "$PREP_POS"
    sql $r "STOP SLAVE SQL_THREAD"
  done

  t0=$(now)
  sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events=$TRX --time=0 --rate=0 run >"$BENCH_DIR/sysbench-$mode.log"
  t1=$(now)
  read -r END_FILE END_POS <<<"$(master_pos master)"
  rows=$(sql master "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('HANDLER_WRITE','HANDLER_UPDATE','HANDLER_DELETE')" || true)
  backlog_mb=$(sql master "SHOW BINARY LOGS" | awk '{s+=$2} END {printf "%.1f", s/1048576}')
  master_tps=$(awk -v n=$TRX -v a=$t0 -v b=$t1 'BEGIN {printf "%.0f", n/(b-a)}')
  # oltp_write_only: one index UPDATE, one non-index UPDATE, one DELETE and one INSERT per transaction.
  ROWS=$((TRX * 4))
  echo "   master wrote $TRX trx in $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.1f", b-a}') s ($master_tps trx/s), binlog ${backlog_mb} MB"

  declare -A secs relay_cpu target_cpu
  for r in native native4; do
    native_wait_fetched $r "$END_FILE" "$END_POS"
    c0=$(cpu_seconds "$(server_pid $r)")
    a=$(now)
    sql $r "START SLAVE SQL_THREAD"
    native_wait_exec $r "$END_FILE" "$END_POS"
    b=$(now)
    secs[$r]=$(awk -v a=$a -v b=$b 'BEGIN {printf "%.3f", b-a}')
    target_cpu[$r]=$(awk -v a=$c0 -v b="$(cpu_seconds "$(server_pid $r)")" 'BEGIN {print b-a}')
    relay_cpu[$r]=0
  done
  for r in "${RELAYS[@]}"; do
    c0=$(cpu_seconds "$(server_pid $r)")
    RELAY_WRAP=(/usr/bin/time -f '%U %S' -o "$BENCH_DIR/time-$r")
    a=$(now)
    relay_variant $r "$BENCH_DIR/$r-$mode.log"
    b=$(now)
    RELAY_WRAP=()
    secs[$r]=$(awk -v a=$a -v b=$b 'BEGIN {printf "%.3f", b-a}')
    target_cpu[$r]=$(awk -v a=$c0 -v b="$(cpu_seconds "$(server_pid $r)")" 'BEGIN {print b-a}')
    relay_cpu[$r]=$(awk '{print $1 + $2}' "$BENCH_DIR/time-$r")
  done

  printf '   %-30s %8s  %9s  %8s  %s\n' contestant seconds 'rows/s' 'trx/s' 'CPU s per 100k row changes: relay, target'
  for r in native native4 "${RELAYS[@]}"; do
    printf '   %-30s %8.2f  %9.0f  %8.0f  %6.2f  %6.2f\n' "${LABEL[$r]}" \
      "${secs[$r]}" "$(awk -v n=$ROWS -v s=${secs[$r]} 'BEGIN{print n/s}')" "$(awk -v n=$TRX -v s=${secs[$r]} 'BEGIN{print n/s}')" \
      "$(awk -v c=${relay_cpu[$r]} -v n=$ROWS 'BEGIN{print c * 100000 / n}')" \
      "$(awk -v c=${target_cpu[$r]} -v n=$ROWS 'BEGIN{print c * 100000 / n}')"
  done
  for r in "${RELAYS[@]}"; do
    printf '   ratio (%s keys, %s) %s/native = %.2fx, /native4 = %.2fx\n' "$rand" "$mode" "$r" \
      "$(awk -v a=${secs[native]} -v b=${secs[$r]} 'BEGIN{print a/b}')" \
      "$(awk -v a=${secs[native4]} -v b=${secs[$r]} 'BEGIN{print a/b}')"
  done
  # Every copy must equal the master.
  for r in native native4 "${RELAYS[@]}"; do
    sum_m=$(sql master "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
    sum_r=$(sql $r "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
    [[ $sum_m == "$sum_r" ]] || echo "   WARNING: $r differs from the master ($sum_r vs $sum_m)"
  done
  : "$rows"
  cleanup
done
done
