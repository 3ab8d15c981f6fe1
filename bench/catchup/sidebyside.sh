#!/usr/bin/env bash
# bench/catchup/sidebyside.sh: one sysbench oltp_write_only backlog applied by
#   native  a native MariaDB replica SQL thread (slave_parallel_threads=0),
#           only the SQL thread timed (its relay log is fetched first)
#   base    galaxis-relay BASELINE_BINARY, default flags
#   new     galaxis-relay NEW_BINARY, default flags
# ROUNDS times each, alternating the order (native base new / new base
# native / ...), every run on its own target that applied the prepared
# tables first (untimed). Prints per run the seconds and the CPU seconds per
# 100k row changes of the relay process and of the target server (for the
# native replica: its server), then medians and ratios; checks every target
# equals the master (CHECKSUM TABLE). Fast settings.
#
# Usage: bench/catchup/sidebyside.sh BASELINE_BINARY [NEW_BINARY]
#   GALAXIS_BENCH_TRX (30000), GALAXIS_BENCH_TABLES (4), GALAXIS_BENCH_TABLE_SIZE
#   (20000), GALAXIS_BENCH_RAND (uniform), GALAXIS_BENCH_ROUNDS (5),
#   GALAXIS_BENCH_PORT (35401).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BASE=${1:?usage: sidebyside.sh BASELINE_BINARY [NEW_BINARY]}
NEW=${2:-$RELAY}
TRX=${GALAXIS_BENCH_TRX:-30000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-20000}
RAND=${GALAXIS_BENCH_RAND:-uniform}
ROUNDS=${GALAXIS_BENCH_ROUNDS:-5}
M_PORT=${GALAXIS_BENCH_PORT:-35401}
ROWS=$((TRX * 4))
for b in "$BASE" "$NEW"; do [[ -x $b ]] || { echo "sidebyside: $b missing" >&2; exit 1; }; done
declare -A BIN=([base]=$BASE [new]=$NEW)
ORDER=()
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then ORDER+=(native base new); else ORDER+=(new base native); fi
done
cleanup() { stop_server master; for n in "${!ORDER[@]}"; do stop_server "t$n"; done; }
trap cleanup EXIT
durability=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
  --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE --rand-type=$RAND)
relay() {  # relay BINARY PORT
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "${RELAY_WRAP[@]}" "$1" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$2" --initial from-start --stop-at-end --server-id 4711 >>"$BENCH_DIR/relay-$2.log" 2>&1
}
start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${durability[@]}"
sql master "CREATE DATABASE sbtest"
sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null
read -r PREP_FILE PREP_POS <<<"$(master_pos master)"
for n in "${!ORDER[@]}"; do
  port=$((M_PORT + 1 + n))
  if [[ ${ORDER[$n]} == native ]]; then
    start_server "t$n" $port --server-id=$((10 + n)) --skip-slave-start "${durability[@]}" --slave-parallel-threads=0
    native_replica_fetch "t$n" $M_PORT
    sql "t$n" "START SLAVE SQL_THREAD"
    native_wait_exec "t$n" "$PREP_FILE" "$PREP_POS"
    sql "t$n" "STOP SLAVE SQL_THREAD"
  else
    start_server "t$n" $port --server-id=$((10 + n)) "${durability[@]}"
    relay "${BIN[${ORDER[$n]}]}" $port
  fi
done
sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events=$TRX --time=0 --rate=0 run >"$BENCH_DIR/sysbench.log"
read -r END_FILE END_POS <<<"$(master_pos master)"
echo "== sidebyside: $TRX oltp_write_only trx ($RAND keys) over $TABLES x $TABLE_SIZE rows = $ROWS row changes, fast," \
  "MariaDB $(sql master 'SELECT VERSION()'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   base: $BASE"
echo "   new:  $NEW"
sum_m=$(sql master "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
declare -A TIMES RCPU TCPU
RELAY_WRAP=()
for n in "${!ORDER[@]}"; do
  c=${ORDER[$n]} port=$((M_PORT + 1 + n)) pid=$(server_pid "t$n")
  if [[ $c == native ]]; then
    native_wait_fetched "t$n" "$END_FILE" "$END_POS"
    c0=$(cpu_seconds "$pid") a=$(now)
    sql "t$n" "START SLAVE SQL_THREAD"
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
  printf '   run %-2d %-7s %8.3f s   CPU per 100k row changes: relay %5.2f s, target %5.2f s   (load %s)\n' "$n" "$c" "$t" \
    "$r100" "$t100" "$(cut -d' ' -f1 /proc/loadavg)"
  stop_server "t$n"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for c in native base new; do
  printf '   %-7s median %.3f s (%s ), CPU per 100k row changes: relay %.2f s, target %.2f s, sum %.2f s\n' "$c" \
    "$(median <<<"${TIMES[$c]}")" "${TIMES[$c]}" "$(median <<<"${RCPU[$c]}")" "$(median <<<"${TCPU[$c]}")" \
    "$(awk -v a="$(median <<<"${RCPU[$c]}")" -v b="$(median <<<"${TCPU[$c]}")" 'BEGIN {print a + b}')"
done
mn=$(median <<<"${TIMES[native]}")
for c in base new; do
  printf '   native/%s = %.2fx\n' "$c" "$(awk -v a=$mn -v b="$(median <<<"${TIMES[$c]}")" 'BEGIN {print a/b}')"
done
printf '   base/new = %.2fx\n' "$(awk -v a="$(median <<<"${TIMES[base]}")" -v b="$(median <<<"${TIMES[new]}")" 'BEGIN {print a/b}')"
