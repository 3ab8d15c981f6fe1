#!/usr/bin/env bash
# bench/checksum: 1M sysbench rows (4 x 250000) on master and passive, 1% of
# the rows changed on the passive (every 100th id: the changes are spread
# over every chunk, the worst case for chunk checksums), then repaired by
#   (a) galaxis-relay sync --mode checksum
#   (b) pt-table-sync --execute (percona-toolkit), the master and the passive as two DSNs
# The divergence is injected again before (b). Both must end equal (CHECKSUM TABLE).
#
# Usage: bench/checksum/run.sh   GALAXIS_BENCH_TABLE_SIZE (250000), GALAXIS_RELAY_BINARY
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TABLES=4
TABLE_SIZE=${GALAXIS_BENCH_TABLE_SIZE:-250000}
M_PORT=34301 P_PORT=34302
[[ -x $RELAY ]] || { echo "checksum: $RELAY missing; build it or set GALAXIS_RELAY_BINARY" >&2; exit 1; }
cleanup() { for s in master passive; do stop_server $s; done; }
trap cleanup EXIT

fast=(--sync-binlog=0 --innodb-flush-log-at-trx-commit=2)
start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW "${fast[@]}"
start_server passive $P_PORT --server-id=2 "${fast[@]}"
sql master "CREATE DATABASE sbtest"
sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench \
  --mysql-password= --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE prepare >/dev/null
export GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD=''
src="mysql://bench@127.0.0.1:$M_PORT" dst="mysql://bench@127.0.0.1:$P_PORT"
"$RELAY" sync --mode copy --source "$src" --target "$dst" --include sbtest --progress-interval 0 >/dev/null 2>&1
rows=$((TABLES * TABLE_SIZE))
checksums() { sql "$1" "CHECKSUM TABLE sbtest.sbtest1, sbtest.sbtest2, sbtest.sbtest3, sbtest.sbtest4" | cut -f2 | tr '\n' ' '; }
expected=$(checksums master)
diverge() {
  for t in 1 2 3 4; do sql passive "UPDATE sbtest.sbtest$t SET k = k + 1, c = REVERSE(c) WHERE id % 100 = 0"; done
  [[ $(checksums passive) != "$expected" ]] || { echo "divergence not injected" >&2; exit 1; }
}
report() {
  local got
  got=$(checksums passive)
  printf '%-44s %7.2f s  %s\n' "$1" "$2" "$([[ $got == "$expected" ]] && echo equal || echo "DIFFERENT")"
}
echo "== checksum: $rows sysbench rows, 1% ($((rows / 100)) rows) changed on the passive"

diverge
t0=$(now)
"$RELAY" sync --mode checksum --source "$src" --target "$dst" --include sbtest --progress-interval 0 \
  >"$BENCH_DIR/ours.log" 2>&1
t1=$(now)
ours=$(echo "$t1 - $t0" | bc -l)
report "galaxis-relay sync --mode checksum" "$ours"
grep -E "rows missing|sync checksum" "$BENCH_DIR/ours.log" | sed 's/^/    /'

diverge
t0=$(now)
# Exit status 2 means "differences found and synced".
rc=0
pt-table-sync --execute --no-check-slave --databases sbtest h=127.0.0.1,P=$M_PORT,u=bench h=127.0.0.1,P=$P_PORT,u=bench \
  >"$BENCH_DIR/pt.log" 2>&1 || rc=$?
[[ $rc == 0 || $rc == 2 ]] || { echo "pt-table-sync failed ($rc):"; tail -5 "$BENCH_DIR/pt.log"; }
t1=$(now)
pt=$(echo "$t1 - $t0" | bc -l)
report "pt-table-sync --execute" "$pt"
printf 'ratio: pt-table-sync / ours = %.2fx\n' "$(echo "$pt / $ours" | bc -l)"
