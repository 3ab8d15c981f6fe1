#!/usr/bin/env bash
# bench/switchover: planned `promote` while the master takes its full
# sysbench write rate.
#
# Per round (GALAXIS_BENCH_ROUNDS, 5): fresh role rows, master writable,
# `galaxis-relay run` master → passive; sysbench oltp_write_only
# unthrottled (2 threads, DML-only user `app`) plus a ledger client
# (one `mariadb -e INSERT` per transaction, autocommit, user `app`) that
# writes to whichever server the role rows name active and, after a failed
# insert, re-reads the roles and retries the same id. Then
# `promote --admin-source --admin-target` (bench, which has SUPER).
# Measured per round:
#   promote_ms  from promote's start to its exit (the passive's role row
#               says active: it takes writes from then on)
#   fence_to_flip_ms  from the old master turning read-only to the new
#               active's role row (promote's audit log): the window a client
#               that switches at once cannot write anywhere
#   client_window_ms  the ledger client's longest gap between two acknowledged
#               inserts around the switchover (its resolution is one
#               client process spawn, ~10-30 ms on a loaded machine)
#   lost        acknowledged ledger ids missing on the new active (must be 0)
# Servers: MariaDB 10.11 (bench/lib.sh); GALAXIS_BENCH_FLAVOR=mariadb-11.8 or
# mysql-9.7 runs both servers of that flavour in its chroot (MySQL with
# gtid_mode=ON on both). The last line has the medians.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

ROUNDS=${GALAXIS_BENCH_ROUNDS:-5}
M_PORT=34301 P_PORT=34302
[[ -x $RELAY ]] || { echo "switchover: $RELAY missing" >&2; exit 1; }

RELAY_PID= SB_PID= CLIENT_PID=
cleanup() {
  for p in $CLIENT_PID $SB_PID $RELAY_PID; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $CLIENT_PID $SB_PID $RELAY_PID; do wait "$p" 2>/dev/null || true; done  # not the servers
  stop_server master
  stop_server passive
}
trap cleanup EXIT

GTID_ARGS=()
is_mysql_flavor && GTID_ARGS=(--gtid-mode=ON --enforce-gtid-consistency=ON)
start_flavor_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL \
  --sync-binlog=0 --innodb-flush-log-at-trx-commit=2 "${GTID_ARGS[@]}"
start_flavor_server passive $P_PORT --server-id=2 --log-bin=binlog --binlog-format=ROW \
  --innodb-flush-log-at-trx-commit=2 "${GTID_ARGS[@]}"
for s in master passive; do
  sql $s "CREATE USER IF NOT EXISTS app@'%'; GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON *.* TO app@'%';"
done
export GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' GALAXIS_ADMIN_SOURCE_PASSWORD='' GALAXIS_ADMIN_TARGET_PASSWORD=''
M_URL="mysql://bench@127.0.0.1:$M_PORT" P_URL="mysql://bench@127.0.0.1:$P_PORT"

ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# The ledger client: ids from $1 on; "id port unix-time" per acknowledged insert.
ledger_client() {
  local id=$1 out=$2 port
  port=$M_PORT
  while true; do
    if mariadb --no-defaults -h127.0.0.1 -P"$port" -uapp -e "INSERT INTO ledger.t VALUES ($id, NOW(6))" 2>/dev/null; then
      echo "$id $port $(now)" >>"$out"
      id=$((id + 1))
    else
      # Which server is active now? (The role endpoint of issue 13 does the same for a load balancer.)
      if [[ $(mariadb --no-defaults -h127.0.0.1 -P$P_PORT -uapp -N -B -e \
        "SELECT role FROM galaxis_relay.role WHERE pair='default'" 2>/dev/null) == active ]]; then
        port=$P_PORT
      fi
    fi
  done
}

promote_ms=() f2f_ms=() window_ms=() lost_total=0
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for round in $(seq 1 "$ROUNDS"); do
  # Reset: master active and writable, passive empty of roles, relay from now.
  sql master "SET GLOBAL read_only=OFF; DROP DATABASE IF EXISTS ledger; DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS galaxis_relay;"
  sql passive "DROP DATABASE IF EXISTS ledger; DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS galaxis_relay;"
  # The relay starts from-start: the earlier rounds' binlog must not be replayed.
  for s in master passive; do reset_binlogs $s; done
  # On the master only: the relay (from-start) creates them on the passive.
  sql master "CREATE DATABASE ledger; CREATE TABLE ledger.t (id INT PRIMARY KEY, at DATETIME(6)); CREATE DATABASE sbtest;"
  sbargs=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=app --mysql-password=
    --mysql-db=sbtest --tables=2 --table-size=10000)
  sysbench oltp_write_only "${sbargs[@]}" prepare >/dev/null
  "$RELAY" run --source "$M_URL" --target "$P_URL" --initial from-start --server-id 4713 --stats-interval 10 \
    >>"$BENCH_DIR/relay-switchover.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 1 600); do
    [[ $(sql passive "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='sbtest'" 2>/dev/null || echo 0) == 2 ]] && break
    sleep 0.1
  done
  sysbench oltp_write_only "${sbargs[@]}" --threads=2 --time=60 --rate=0 run >"$BENCH_DIR/sysbench-switchover.log" 2>&1 &
  SB_PID=$!
  acks=$BENCH_DIR/acks-$round.txt
  : >"$acks"
  ledger_client 1 "$acks" &
  CLIENT_PID=$!
  sleep 3
  t0=$(now)
  "$RELAY" promote --source "$M_URL" --target "$P_URL" --admin-source "$M_URL" --admin-target "$P_URL" \
    --audit-log "$BENCH_DIR/audit-switchover.jsonl" --max-lag 60 >"$BENCH_DIR/promote-$round.log" 2>&1 ||
    { echo "round $round: promote failed:"; cat "$BENCH_DIR/promote-$round.log"; exit 1; }
  t1=$(now)
  # Let the client reach the new active and ack a few there.
  for _ in $(seq 1 200); do
    [[ $(awk -v p=$P_PORT '$2 == p' "$acks" | wc -l) -ge 5 ]] && break
    sleep 0.05
  done
  kill -TERM $CLIENT_PID $SB_PID 2>/dev/null || true
  wait $CLIENT_PID $SB_PID 2>/dev/null || true
  wait $RELAY_PID 2>/dev/null || true  # exits on its own: the target is active now
  CLIENT_PID= SB_PID= RELAY_PID=
  window=$(awk 'NR > 1 { g = ($3 - prev) * 1000; if (g > max) max = g } { prev = $3 } END { printf "%.0f", max }' "$acks")
  acked=$(wc -l <"$acks")
  present=$(awk '{print $1}' "$acks" | paste -sd, | xargs -I{} mariadb --no-defaults -S "$BENCH_DIR/passive/sock" -uroot -N -B -e "SELECT COUNT(*) FROM ledger.t WHERE id IN ({})")
  on_master=$(awk -v p=$M_PORT '$2 == p' "$acks" | wc -l)
  # Server side: from the fence (old master read-only) to the flip (new active) in promote's audit log.
  fence_to_flip=$(tail -n 20 "$BENCH_DIR/audit-switchover.jsonl" | python3 -c '
import json, sys, datetime
at = {}
for line in sys.stdin:
    r = json.loads(line)
    at[r["step"]] = datetime.datetime.strptime(r["at"], "%Y-%m-%dT%H:%M:%S.%fZ")
print(round((at["flip"] - at["fence"]).total_seconds() * 1000))')
  promote_ms+=("$(ms_between "$t0" "$t1")") f2f_ms+=("$fence_to_flip") window_ms+=("$window") lost_total=$((lost_total + acked - present))
  echo "round $round: promote_ms $(ms_between "$t0" "$t1") fence_to_flip_ms $fence_to_flip client_window_ms $window acked $acked (on the old master $on_master) lost $((acked - present))"
done
echo "$BENCH_FLAVOR medians over $ROUNDS rounds: promote_ms $(median "${promote_ms[@]}") fence_to_flip_ms $(median "${f2f_ms[@]}") client_window_ms $(median "${window_ms[@]}") lost_total $lost_total"
