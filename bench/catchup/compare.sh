#!/usr/bin/env bash
# bench/catchup/compare.sh: the same sysbench oltp_write_only backlog applied
# by two galaxis-relay binaries side by side (a change against the commit
# before it), each with the default flags and with --parallel 1
# --no-compact-rows (one statement per row change: where per-statement costs
# such as the warning check show most). Every contestant runs REPEAT times on
# a fresh target that has applied the prepared tables (untimed); the order
# alternates (A B B A ...) so drift in machine load hurts both alike.
# Prints each time, the medians and the ratio baseline/new (>1: new faster),
# and checks every target equals the master (CHECKSUM TABLE).
#
# Usage: bench/catchup/compare.sh BASELINE_BINARY [NEW_BINARY]
#   NEW_BINARY defaults to build/release/cli/galaxis-relay.
#   GALAXIS_BENCH_TRX (30000), GALAXIS_BENCH_TABLES (4),
#   GALAXIS_BENCH_TABLE_SIZE (25000), GALAXIS_BENCH_RAND (special|uniform),
#   GALAXIS_BENCH_REPEAT (3), GALAXIS_BENCH_FLAGS ("default serial": which
#   flag sets to run). Fast settings (sync_binlog=0,
#   innodb_flush_log_at_trx_commit=2).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BASE=${1:?usage: compare.sh BASELINE_BINARY [NEW_BINARY]}
NEW=${2:-$RELAY}
TRX=${GALAXIS_BENCH_TRX:-30000}
TABLES=${GALAXIS_BENCH_TABLES:-4}
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-25000}
RAND=${GALAXIS_BENCH_RAND:-special}
REPEAT=${GALAXIS_BENCH_REPEAT:-3}
read -r -a SETS <<<"${GALAXIS_BENCH_FLAGS:-default serial}"
M_PORT=34201 T_PORT=34210
for b in "$BASE" "$NEW"; do [[ -x $b ]] || { echo "compare: $b missing" >&2; exit 1; }; done

cleanup() { stop_server master; for ((n = 0; n < 2 * ${#SETS[@]} * REPEAT; n++)); do stop_server "t$n"; done; }
trap cleanup EXIT
durability=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
  --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE --rand-type=$RAND)

# Contestants: binary x flags; each run gets its own target, prepared before
# the backlog is written (the relay applies the prepared tables, untimed).
declare -A BIN=([base]=$BASE [new]=$NEW)
declare -A FLAGS=([default]="" [serial]="--parallel 1 --no-compact-rows")
ORDER=()
for ((i = 1; i <= REPEAT; i++)); do
  for f in "${SETS[@]}"; do
    if ((i % 2)); then ORDER+=("base:$f" "new:$f"); else ORDER+=("new:$f" "base:$f"); fi
  done
done

start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${durability[@]}"
sql master "CREATE DATABASE sbtest"
sysbench oltp_write_only "${sysbench_args[@]}" prepare >/dev/null

relay() {  # relay BINARY PORT FLAGS...
  local binary=$1 port=$2
  shift 2
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$binary" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$port" --initial from-start --stop-at-end --server-id 4711 "$@" \
    >>"$BENCH_DIR/relay-$port.log" 2>&1
}
for n in "${!ORDER[@]}"; do
  port=$((T_PORT + n))
  start_server "t$n" $port --server-id=$((10 + n)) "${durability[@]}"
  relay "${BIN[${ORDER[$n]%%:*}]}" $port
done

sysbench oltp_write_only "${sysbench_args[@]}" --threads=4 --events=$TRX --time=0 --rate=0 run >"$BENCH_DIR/sysbench.log"
backlog_mb=$(sql master "SHOW BINARY LOGS" | awk '{s+=$2} END {printf "%.1f", s/1048576}')
echo "== catchup compare: $TRX oltp_write_only trx ($RAND keys) over $TABLES x $TABLE_SIZE rows = $((TRX * 4)) row changes, binlog ${backlog_mb} MB, fast settings, MariaDB $(sql master 'SELECT VERSION()'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   base: $BASE"
echo "   new:  $NEW"
sum_m=$(sql master "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
declare -A TIMES
for n in "${!ORDER[@]}"; do
  c=${ORDER[$n]}
  read -r -a extra <<<"${FLAGS[${c#*:}]}"
  a=$(now)
  relay "${BIN[${c%%:*}]}" $((T_PORT + n)) "${extra[@]}"
  b=$(now)
  t=$(awk -v a=$a -v b=$b 'BEGIN {printf "%.3f", b-a}')
  TIMES[$c]="${TIMES[$c]:-} $t"
  sum_t=$(sql "t$n" "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 $TABLES)" | awk '{print $2}' | tr '\n' ' ')
  [[ $sum_t == "$sum_m" ]] || echo "   WARNING: run $n ($c) differs from the master"
  printf '   run %-2d %-13s %8.3f s\n' "$n" "$c" "$t"
  stop_server "t$n"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for f in "${SETS[@]}"; do
  mb=$(median <<<"${TIMES[base:$f]}")
  mn=$(median <<<"${TIMES[new:$f]}")
  printf '   %-8s median base %.3f s, new %.3f s: base/new = %.2fx (%.0f vs %.0f row changes/s)\n' "$f" "$mb" "$mn" \
    "$(awk -v a=$mb -v b=$mn 'BEGIN{print a/b}')" "$(awk -v a=$mb -v n=$((TRX * 4)) 'BEGIN{print n/a}')" \
    "$(awk -v a=$mn -v n=$((TRX * 4)) 'BEGIN{print n/a}')"
done
