#!/usr/bin/env bash
# bench/catchup/myisam.sh: a backlog of small autocommit transactions on
# MyISAM tables (issue 15: ~12,000 of them applied at ~50 trx/s because every
# barrier transaction made the relay reload its schemas), applied by
#   native   a native MariaDB replica SQL thread (slave_parallel_threads=0),
#            only the SQL thread timed (the relay log is fetched first)
#   base     galaxis-relay BASELINE_BINARY, default flags (--parallel 4)
#   new      galaxis-relay NEW_BINARY, default flags
# each REPEAT times on its own target that applied the prepared tables
# (untimed), in alternating order (native base new new base native ...).
# Prints each time, the medians, the ratios native/x (>1: x faster than the
# native replica) and checks every target equals the master (CHECKSUM TABLE).
#
# Usage: bench/catchup/myisam.sh BASELINE_BINARY [NEW_BINARY]
#   GALAXIS_BENCH_TRX (12000), GALAXIS_BENCH_REPEAT (3), GALAXIS_BENCH_BASE_REPEAT
#   (REPEAT: the baseline runs in the first rounds only — a slow baseline
#   takes minutes per run). Fast settings.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BASE=${1:?usage: myisam.sh BASELINE_BINARY [NEW_BINARY]}
NEW=${2:-$RELAY}
TRX=${GALAXIS_BENCH_TRX:-12000}
REPEAT=${GALAXIS_BENCH_REPEAT:-3}
BASE_REPEAT=${GALAXIS_BENCH_BASE_REPEAT:-$REPEAT}
TABLES=4 ROWS_PER_TABLE=2000
M_PORT=${GALAXIS_BENCH_PORT:-34301} T_PORT=$((M_PORT + 9))
for b in "$BASE" "$NEW"; do [[ -x $b ]] || { echo "myisam: $b missing" >&2; exit 1; }; done

ORDER=()
for ((i = 1; i <= REPEAT; i++)); do
  base=(base)
  ((i <= BASE_REPEAT)) || base=()
  if ((i % 2)); then ORDER+=(native "${base[@]}" new); else ORDER+=(new "${base[@]}" native); fi
done
cleanup() { stop_server master; for n in "${!ORDER[@]}"; do stop_server "t$n"; done; }
trap cleanup EXIT
small=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=64M --innodb-log-file-size=48M)
declare -A BIN=([base]=$BASE [new]=$NEW)
tables=$(seq -s, -f 'mi.t%g' 1 $TABLES)

relay() {  # relay BINARY PORT
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$1" run --source "mysql://bench@127.0.0.1:$M_PORT" \
    --target "mysql://bench@127.0.0.1:$2" --initial from-start --stop-at-end --server-id 4711 \
    >>"$BENCH_DIR/relay-$2.log" 2>&1
}

start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL "${small[@]}"
{
  echo "CREATE DATABASE mi; USE mi;"
  for t in $(seq 1 $TABLES); do
    echo "CREATE TABLE mi.t$t (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL, KEY (k)) ENGINE=MyISAM;"
    echo "INSERT INTO mi.t$t SELECT seq, seq * 7 % 1000, CONCAT('row-', seq) FROM seq_1_to_$ROWS_PER_TABLE;"
  done
} | mariadb --no-defaults -S "$BENCH_DIR/master/sock" -uroot
read -r PREP_FILE PREP_POS <<<"$(master_pos master)"
for n in "${!ORDER[@]}"; do
  start_server "t$n" $((T_PORT + n)) --server-id=$((10 + n)) --skip-slave-start --slave-parallel-threads=0 "${small[@]}"
  if [[ ${ORDER[$n]} == native ]]; then
    native_replica_fetch "t$n" $M_PORT
    sql "t$n" "START SLAVE SQL_THREAD"
    native_wait_exec "t$n" "$PREP_FILE" "$PREP_POS"
    sql "t$n" "STOP SLAVE SQL_THREAD"
  else
    relay "${BIN[${ORDER[$n]}]}" $((T_PORT + n))
  fi
done

# The backlog: one small autocommit statement per transaction, uniform ids
# (3 UPDATEs : 1 INSERT : 1 DELETE of an inserted row).
awk -v n=$TRX -v tables=$TABLES -v size=$ROWS_PER_TABLE 'BEGIN {
  srand(42);
  for (i = 0; i < n; i++) {
    t = 1 + int(rand() * tables); id = 1 + int(rand() * size); r = i % 5;
    if (r < 3) printf "UPDATE mi.t%d SET k = k + 1, c = CONCAT(\"u\", %d) WHERE id = %d;\n", t, i, id;
    else if (r == 3) printf "INSERT INTO mi.t%d VALUES (%d, %d, \"new\");\n", t, size + i, i % 1000;
    else printf "DELETE FROM mi.t%d WHERE id = %d;\n", t, size + i - 1;
  }
}' | mariadb --no-defaults -S "$BENCH_DIR/master/sock" -uroot
read -r END_FILE END_POS <<<"$(master_pos master)"
echo "== catchup myisam: $TRX autocommit transactions on $TABLES MyISAM tables x $ROWS_PER_TABLE rows, fast settings," \
  "MariaDB $(sql master 'SELECT VERSION()'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   base: $BASE"
echo "   new:  $NEW"
sum_m=$(sql master "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
declare -A TIMES
for n in "${!ORDER[@]}"; do
  c=${ORDER[$n]}
  if [[ $c == native ]]; then
    native_wait_fetched "t$n" "$END_FILE" "$END_POS"
    a=$(now)
    sql "t$n" "START SLAVE SQL_THREAD"
    native_wait_exec "t$n" "$END_FILE" "$END_POS"
    b=$(now)
  else
    a=$(now)
    relay "${BIN[$c]}" $((T_PORT + n))
    b=$(now)
  fi
  t=$(awk -v a=$a -v b=$b 'BEGIN {printf "%.3f", b-a}')
  TIMES[$c]="${TIMES[$c]:-} $t"
  sum_t=$(sql "t$n" "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
  [[ $sum_t == "$sum_m" ]] || echo "   WARNING: run $n ($c) differs from the master"
  printf '   run %-2d %-7s %8.3f s  %6.0f trx/s  (load %s)\n' "$n" "$c" "$t" "$(awk -v a=$t -v n=$TRX 'BEGIN{print n/a}')" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  stop_server "t$n"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
mn=$(median <<<"${TIMES[native]}")
for c in native base new; do
  [[ -n ${TIMES[$c]:-} ]] || continue
  m=$(median <<<"${TIMES[$c]}")
  printf '   %-7s median %8.3f s  %6.0f trx/s  native/%s = %.2fx   (runs:%s)\n' "$c" "$m" \
    "$(awk -v a=$m -v n=$TRX 'BEGIN{print n/a}')" "$c" "$(awk -v a=$mn -v b=$m 'BEGIN{print a/b}')" "${TIMES[$c]}"
done
