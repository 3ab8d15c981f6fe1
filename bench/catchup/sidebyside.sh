#!/usr/bin/env bash
# bench/catchup/sidebyside.sh: one sysbench oltp_write_only backlog applied by
#   native     the server's own replica, single-threaded applier (MariaDB
#              slave_parallel_threads=0, MySQL replica_parallel_workers=1),
#              only the SQL thread timed (its relay log is fetched first)
#   native_mt  the server's own multi-threaded applier (MySQL: its default,
#              replica_parallel_workers unset = 4 in 9.x, writeset
#              dependencies from the source; MariaDB: 4 optimistic threads)
#   base       galaxis-relay BASELINE_BINARY, default flags
#   new        galaxis-relay NEW_BINARY, default flags
# ROUNDS rounds, alternating the order (forward / reversed / ...): in each,
# every contestant gets a fresh target that catches up with the master
# (untimed), the master writes a new backlog of TRX transactions (same
# workload every round), and the contestants apply it one after another.
# Prints per run the seconds, row changes/s and the CPU seconds per 100k row
# changes of the relay process and of the target server (for a native
# replica: its server), then medians and ratios; checks every target equals
# the master (CHECKSUM TABLE).
#
# Usage: bench/catchup/sidebyside.sh BASELINE_BINARY [NEW_BINARY]
#   GALAXIS_BENCH_FLAVOR (mariadb-10.11 | mariadb-11.8 | mysql-9.7: master and
#   targets of that flavour, bench/lib.sh), GALAXIS_BENCH_DURABILITY (fast:
#   sync_binlog=0, innodb_flush_log_at_trx_commit=2 on the targets; durable:
#   1 and 1; the master is always fast), GALAXIS_BENCH_CONTESTANTS ("native
#   base new"), GALAXIS_BENCH_TRX (30000), GALAXIS_BENCH_TABLES (4),
#   GALAXIS_BENCH_TABLE_SIZE (20000), GALAXIS_BENCH_RAND (uniform | special),
#   GALAXIS_BENCH_ROUNDS (5), GALAXIS_BENCH_PORT (35401).
# MySQL servers keep their default binlog (log_bin, log_replica_updates ON) on
# every target, native or relay, so both pay the same for it.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BASE=${1:?usage: sidebyside.sh BASELINE_BINARY [NEW_BINARY]}
NEW=${2:-$RELAY}
TRX=${GALAXIS_BENCH_TRX:-30000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-20000}
RAND=${GALAXIS_BENCH_RAND:-uniform}
ROUNDS=${GALAXIS_BENCH_ROUNDS:-5}
DURABILITY=${GALAXIS_BENCH_DURABILITY:-fast}
read -r -a CONTESTANTS <<<"${GALAXIS_BENCH_CONTESTANTS:-native base new}"
M_PORT=${GALAXIS_BENCH_PORT:-35401}
ROWS=$((TRX * 4))
for b in "$BASE" "$NEW"; do [[ -x $b ]] || { echo "sidebyside: $b missing" >&2; exit 1; }; done
declare -A BIN=([base]=$BASE [new]=$NEW)
ORDER=()
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then
    ORDER+=("${CONTESTANTS[@]}")
  else
    for ((j = ${#CONTESTANTS[@]} - 1; j >= 0; j--)); do ORDER+=("${CONTESTANTS[$j]}"); done
  fi
done
cleanup() { remove_server master; for n in "${!ORDER[@]}"; do remove_server "t$n"; done; }
trap cleanup EXIT
fast=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
case $DURABILITY in
  fast) durability=("${fast[@]}") ;;
  durable) durability=(--sync-binlog=1 --innodb-flush-log-at-trx-commit=1) ;;
  *) echo "sidebyside: GALAXIS_BENCH_DURABILITY is fast or durable" >&2; exit 1 ;;
esac
single=(--slave-parallel-threads=0) multi=(--slave-parallel-threads=4 --slave-parallel-mode=optimistic) gtid=()
# Smaller redo logs than lib.sh's on every server alike (disk: a MySQL
# datadir is ~0.7 GB with lib.sh's 512 MB redo log).
small_logs=(--innodb-log-file-size=96M)
if is_mysql_flavor; then
  single=(--replica-parallel-workers=1) multi=() gtid=(--gtid-mode=ON --enforce-gtid-consistency=ON)
  small_logs=(--innodb-redo-log-capacity=128M)
fi
sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
  --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE --rand-type=$RAND)
relay() {  # relay BINARY PORT
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "${RELAY_WRAP[@]}" "$1" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$2" --initial from-start --stop-at-end --server-id 4711 >>"$BENCH_DIR/relay-$2.log" 2>&1
}
start_flavor_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${fast[@]}" \
  "${gtid[@]}" "${small_logs[@]}"
reset_binlogs master
sql master "CREATE DATABASE sbtest"
sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null
echo "== sidebyside: $ROUNDS rounds of $TRX oltp_write_only trx ($RAND keys) over $TABLES x $TABLE_SIZE rows = $ROWS row" \
  "changes each, $DURABILITY, $BENCH_FLAVOR $(sql master 'SELECT VERSION()'), load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(date -u +%H:%M) UTC"
echo "   base: $BASE"
echo "   new:  $NEW"
declare -A TIMES RCPU TCPU
RELAY_WRAP=()
# One round at a time (disk: only its targets exist): the round's targets
# catch up with the master (untimed), the master writes the round's backlog,
# each contestant applies it, timed, in this round's order.
per_round=${#CONTESTANTS[@]}
for ((round = 0; round < ROUNDS; round++)); do
  read -r PREP_FILE PREP_POS <<<"$(master_pos master)"
  for ((n = round * per_round; n < (round + 1) * per_round; n++)); do
    port=$((M_PORT + 1 + n))
    case ${ORDER[$n]} in
      native | native_mt)
        if [[ ${ORDER[$n]} == native ]]; then threads=("${single[@]}"); else threads=("${multi[@]}"); fi
        start_flavor_server "t$n" $port --server-id=$((10 + n)) --skip-slave-start "${durability[@]}" "${gtid[@]}" \
          "${threads[@]}" "${small_logs[@]}"
        native_replica_fetch "t$n" $M_PORT
        start_sql_thread "t$n"
        native_wait_exec "t$n" "$PREP_FILE" "$PREP_POS"
        stop_sql_thread "t$n"
        if is_mysql_flavor; then v=$(sql "t$n" 'SELECT @@replica_parallel_workers'); else v=$(sql "t$n" 'SELECT @@slave_parallel_threads'); fi
        ((round > 0)) || echo "   ${ORDER[$n]}: $v applier threads"
        ;;
      *)
        start_flavor_server "t$n" $port --server-id=$((10 + n)) "${durability[@]}" "${gtid[@]}" "${small_logs[@]}"
        relay "${BIN[${ORDER[$n]}]}" $port
        ;;
    esac
  done
  sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events=$TRX --time=0 --rate=0 run >"$BENCH_DIR/sysbench.log"
  read -r END_FILE END_POS <<<"$(master_pos master)"
  sum_m=$(sql master "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
  for ((n = round * per_round; n < (round + 1) * per_round; n++)); do
    c=${ORDER[$n]} port=$((M_PORT + 1 + n)) pid=$(server_pid "t$n")
    if [[ $c == native* ]]; then
      native_wait_fetched "t$n" "$END_FILE" "$END_POS"
      c0=$(cpu_seconds "$pid") a=$(now)
      start_sql_thread "t$n"
      native_wait_exec "t$n" "$END_FILE" "$END_POS"
      b=$(now) rc=0
    else
      c0=$(cpu_seconds "$pid") a=$(now)
      RELAY_WRAP=(/usr/bin/time -f '%U %S' -o "$BENCH_DIR/time-$n")
      relay "${BIN[$c]}" $port
      RELAY_WRAP=()
      b=$(now) rc=$(awk '{print $1 + $2}' "$BENCH_DIR/time-$n")
    fi
    tc=$(awk -v a=$c0 -v b="$(cpu_seconds "$pid")" 'BEGIN {print b-a}')
    t=$(awk -v a=$a -v b=$b 'BEGIN {printf "%.3f", b-a}')
    r100=$(awk -v c=$rc -v n=$ROWS 'BEGIN {printf "%.2f", c * 100000 / n}')
    t100=$(awk -v c=$tc -v n=$ROWS 'BEGIN {printf "%.2f", c * 100000 / n}')
    TIMES[$c]="${TIMES[$c]:-} $t" RCPU[$c]="${RCPU[$c]:-} $r100" TCPU[$c]="${TCPU[$c]:-} $t100"
    sum_t=$(sql "t$n" "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
    [[ $sum_t == "$sum_m" ]] || echo "   WARNING: run $n ($c) differs from the master"
    printf '   run %-2d %-9s %8.3f s %8.0f rows/s   CPU per 100k row changes: relay %5.2f s, target %5.2f s   (load %s)\n' \
      "$n" "$c" "$t" "$(awk -v n=$ROWS -v s=$t 'BEGIN {print n / s}')" "$r100" "$t100" "$(cut -d' ' -f1 /proc/loadavg)"
    remove_server "t$n"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for c in "${CONTESTANTS[@]}"; do
  m=$(median <<<"${TIMES[$c]}")
  printf '   %-9s median %.3f s = %.0f rows/s (%s ), CPU per 100k row changes: relay %.2f s, target %.2f s, sum %.2f s\n' \
    "$c" "$m" "$(awk -v n=$ROWS -v s=$m 'BEGIN {print n / s}')" "${TIMES[$c]}" "$(median <<<"${RCPU[$c]}")" \
    "$(median <<<"${TCPU[$c]}")" "$(awk -v a="$(median <<<"${RCPU[$c]}")" -v b="$(median <<<"${TCPU[$c]}")" 'BEGIN {print a + b}')"
done
for n in native native_mt; do
  [[ -n ${TIMES[$n]:-} ]] || continue
  for c in base new; do
    [[ -n ${TIMES[$c]:-} ]] || continue
    printf '   ratio (%s, %s keys, %s) %s/%s = %.2fx\n' "$BENCH_FLAVOR" "$RAND" "$DURABILITY" "$n" "$c" \
      "$(awk -v a="$(median <<<"${TIMES[$n]}")" -v b="$(median <<<"${TIMES[$c]}")" 'BEGIN {print a/b}')"
  done
done
if [[ -n ${TIMES[base]:-} && -n ${TIMES[new]:-} ]]; then
  printf '   base/new = %.2fx\n' "$(awk -v a="$(median <<<"${TIMES[base]}")" -v b="$(median <<<"${TIMES[new]}")" 'BEGIN {print a/b}')"
fi
