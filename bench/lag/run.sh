#!/usr/bin/env bash
# bench/lag: how far behind is the passive while the master writes at its
# full rate, and how much memory does the relay need for a huge transaction?
#
# 1. master + passive (MariaDB 10.11, sync_binlog=0, flush_log_at_trx_commit=2),
#    galaxis-relay run between them, and beside it a native replica of the
#    same master (same settings, slave_parallel_threads=0) — side by side in
#    the same run, so machine load hits both;
# 2. a heartbeat row on the master updated every 100 ms (UPDATE ... NOW(6)),
#    sampled on the passive and on the native replica every 100 ms as
#    NOW(6) - heartbeat (same clock: one machine), while sysbench
#    oltp_write_only runs unthrottled for GALAXIS_BENCH_SECONDS (60) with 4
#    threads, once per key distribution in GALAXIS_BENCH_KEYS ("uniform
#    special": sysbench --rand-type; special = its default hot ids). Like
#    pt-heartbeat this includes up to one heartbeat period of staleness. The
#    samples carry their time (lag-samples-<keys>-<replica>.txt: unix time,
#    lag µs) to line stalls up with the relay log and the load (vmstat);
# 3. one transaction of GALAXIS_BENCH_BIG_MB (1024; 0 skips it) MiB of row
#    data; the relay's peak RSS (VmHWM) before and after it.
# Prints p50/p99/max lag in ms per distribution for relay and native, and the RSS figures.
# GALAXIS_BENCH_RELAY_FLAGS: extra `run` flags, e.g. "--parallel 1"; GALAXIS_BENCH_RELAY_LOG_LEVEL (info).
# GALAXIS_BENCH_PORT_BASE (34201): four ports from it, so two runs on one machine need not collide.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

SECONDS_RUN=${GALAXIS_BENCH_SECONDS:-60}
BIG_MB=${GALAXIS_BENCH_BIG_MB:-1024}
KEYS=${GALAXIS_BENCH_KEYS:-uniform special}
PORT0=${GALAXIS_BENCH_PORT_BASE:-34201}
M_PORT=$PORT0 P_PORT=$((PORT0 + 1)) HEALTH_PORT=$((PORT0 + 2)) N_PORT=$((PORT0 + 3))
[[ -x $RELAY ]] || { echo "lag: $RELAY missing; build it or set GALAXIS_RELAY_BINARY" >&2; exit 1; }

RELAY_PID=
cleanup() {
  [[ -n $RELAY_PID ]] && kill -TERM "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null || true
  jobs -p | xargs -r kill 2>/dev/null || true
  stop_server master
  stop_server passive
  stop_server native
}
trap cleanup EXIT

start_server master $M_PORT --server-id=1 --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL \
  --sync-binlog=0 --innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M
start_server passive $P_PORT --server-id=2 --innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M
start_server native $N_PORT --server-id=3 --skip-slave-start --innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M \
  --slave-parallel-threads=0
sql native "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$M_PORT, MASTER_USER='bench', MASTER_PASSWORD='',
  MASTER_USE_GTID=no, MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=4; START SLAVE;"
sql master "CREATE DATABASE sbtest; CREATE DATABASE hb; CREATE TABLE hb.beat (id INT PRIMARY KEY, ts DATETIME(6)); INSERT INTO hb.beat VALUES (1, NOW(6))"
sbargs=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=$M_PORT --mysql-user=bench --mysql-password=
  --mysql-db=sbtest --tables=4 --table-size=25000)
sysbench oltp_write_only "${sbargs[@]}" prepare >/dev/null

read -r -a RELAY_EXTRA <<<"${GALAXIS_BENCH_RELAY_FLAGS:-}"
LOG=$BENCH_DIR/relay-lag.log
: >"$LOG"
GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "$RELAY" --log-level "${GALAXIS_BENCH_RELAY_LOG_LEVEL:-info}" run --source "mysql://bench@127.0.0.1:$M_PORT" \
  --target "mysql://bench@127.0.0.1:$P_PORT" --initial from-start --server-id 4712 --stats-interval 10 \
  --health-listen "127.0.0.1:$HEALTH_PORT" "${RELAY_EXTRA[@]}" >>"$LOG" 2>&1 &
RELAY_PID=$!
for r in passive native; do
  for _ in $(seq 1 600); do
    [[ $(sql $r "SELECT COUNT(*) FROM hb.beat" 2>/dev/null || true) == 1 ]] && break
    sleep 0.1
  done
done

# Heartbeat writer and samplers: one client each, statements fed every 100 ms.
(while true; do echo "UPDATE hb.beat SET ts = NOW(6) WHERE id = 1;"; sleep 0.1; done) |
  mariadb --no-defaults -S "$BENCH_DIR/master/sock" -uroot &
for r in passive native; do
  (while true; do echo "SELECT UNIX_TIMESTAMP(NOW(6)), TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)) FROM hb.beat;"; sleep 0.1; done) |
    mariadb --no-defaults -S "$BENCH_DIR/$r/sock" -uroot -N -B --unbuffered >"$BENCH_DIR/lag-samples-$r.txt" &
done
(vmstat -n 1 >"$BENCH_DIR/vmstat-lag.txt") &
# The clock starts only once both have applied the prepare's backlog (100k
# rows, CREATE INDEX): the heartbeat lags by 3-4 s while they catch up, and
# the old fixed 2 s wait let that catch-up into some runs' samples — the
# "stall" of issue 15 (bench/RESULTS.md). Caught up = heartbeat lag under
# 300 ms in 10 consecutive samples (1 s) on each.
t_wait=$(now)
for r in passive native; do
  ok=0
  for _ in $(seq 1 1200); do
    lag=$(sql $r "SELECT TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)) FROM hb.beat" 2>/dev/null || echo 999999999)
    if ((lag < 300000)); then ok=$((ok + 1)); else ok=0; fi
    ((ok >= 10)) && break
    sleep 0.1
  done
done
printf '   both replicas caught up with the prepare %.1f s after the heartbeat started\n' \
  "$(awk -v a=$t_wait -v b=$(now) 'BEGIN{print b-a}')"
summary() {  # summary FILE  -> "p50 p99 max samples" in ms
  cut -f2 "$1" | sort -n | awk '
    { v[NR] = $1 / 1000.0 }
    END {
      if (NR == 0) { print "no samples"; exit 1 }
      p50 = v[int(NR * 0.50) > 0 ? int(NR * 0.50) : 1]; p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
      printf "p50 %5.0f ms, p99 %5.0f ms, max %5.0f ms (%d samples)", p50, p99, v[NR], NR
    }'
}
for keys in $KEYS; do
  for r in passive native; do : >"$BENCH_DIR/lag-samples-$r.txt"; done
  echo "   --- $keys keys: sysbench from $(date -u +%T) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  sysbench oltp_write_only "${sbargs[@]}" --rand-type="$keys" --threads=4 --time="$SECONDS_RUN" --rate=0 \
    --report-interval=10 run >"$BENCH_DIR/sysbench-lag-$keys.log"
  for r in passive native; do cp "$BENCH_DIR/lag-samples-$r.txt" "$BENCH_DIR/lag-samples-$keys-$r.txt"; done
  tps=$(grep -E "transactions:" "$BENCH_DIR/sysbench-lag-$keys.log" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  printf '   master under sysbench oltp_write_only --rand-type=%s, 4 threads, %s s: %s trx/s; load average after %s\n' \
    "$keys" "$SECONDS_RUN" "$tps" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '   relay  lag: %s\n' "$(summary "$BENCH_DIR/lag-samples-$keys-passive.txt")"
  printf '   native lag: %s\n' "$(summary "$BENCH_DIR/lag-samples-$keys-native.txt")"
  curl -s "http://127.0.0.1:$HEALTH_PORT/metrics" | grep -E '^galaxis_relay_(apply_delay|source_age)' \
    >"$BENCH_DIR/relay-metrics-$keys.txt" || true  # cumulative since the relay started
  sleep 3  # both drain before the next workload
done
hwm_before=$(awk '/VmHWM/ {print $2}' /proc/$RELAY_PID/status)

# One huge transaction: BIG_MB MiB of 1 KiB rows, streamed through the relay.
((BIG_MB > 0)) || exit 0
sql native "STOP SLAVE"  # the relay's memory is measured, not the native replica
rows=$((BIG_MB * 1024))
sql master "CREATE TABLE hb.big (id INT PRIMARY KEY, payload VARCHAR(1024)) ENGINE=InnoDB;
  CREATE TABLE hb.digits (d INT PRIMARY KEY); INSERT INTO hb.digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
t0=$(now)
sql master "SET SESSION max_recursive_iterations = $((rows + 1));
  INSERT INTO hb.big WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $rows)
  SELECT n, REPEAT(CHAR(65 + n % 26), 1000) FROM seq"
t1=$(now)
size=$(sql master "SHOW BINARY LOGS" | awk '{s+=$2} END {printf "%.0f", s/1048576}')
for _ in $(seq 1 6000); do
  [[ $(sql passive "SELECT COUNT(*) FROM hb.big" 2>/dev/null || echo 0) == "$rows" ]] && break
  sleep 0.2
done
t2=$(now)
hwm_after=$(awk '/VmHWM/ {print $2}' /proc/$RELAY_PID/status)
printf '   %s MiB transaction (%s rows): master %.1f s, applied %.1f s after it committed; binlog now %s MiB\n' \
  "$BIG_MB" "$rows" "$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}')" "$(awk -v a=$t1 -v b=$t2 'BEGIN{print b-a}')" "$size"
printf '   relay peak RSS: %d MiB before it, %d MiB after it\n' $((hwm_before / 1024)) $((hwm_after / 1024))
[[ $(sql passive "SELECT COUNT(*) FROM hb.big") == "$rows" ]] || { echo "   big transaction not applied" >&2; exit 1; }
