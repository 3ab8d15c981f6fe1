# bench/lib.sh — throw-away MariaDB 10.11 servers for the benchmarks (sourced).
# Each server: its own datadir under $BENCH_DIR/<name>, 127.0.0.1:<port>, a
# unix socket, user bench@'%' with ALL (benchmarks measure speed, the
# restricted-user paths are covered by the integration tests).
set -euo pipefail

BENCH_DIR=${GALAXIS_BENCH_DIR:-/tmp/galaxis-bench}
RELAY=${GALAXIS_RELAY_BINARY:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/release/cli/galaxis-relay}
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)

now() { date +%s.%N; }

sql() {  # sql NAME "statements"  (root over the socket)
  printf '%s\n' "$2" | mariadb --no-defaults -S "$BENCH_DIR/$1/sock" -uroot -N -B
}

start_server() {  # start_server NAME PORT extra-args...
  local name=$1 port=$2
  shift 2
  local dir=$BENCH_DIR/$name
  # Its own tmpdir: bootstraps running at once in a shared /tmp removed each
  # other's temporary tables.
  rm -rf "$dir" && mkdir -p "$dir/tmp"
  mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >"$dir/install.log" 2>&1
  "$MARIADBD" --no-defaults --user="$(id -un)" --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/error.log" --skip-name-resolve --tmpdir="$dir/tmp" \
    --innodb-buffer-pool-size=512M --innodb-log-file-size=256M --max-connections=200 \
    --character-set-server=utf8mb4 "$@" &
  for _ in $(seq 1 300); do
    [[ -S $dir/sock ]] && sql "$name" "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
  done
  sql "$name" "CREATE USER IF NOT EXISTS bench@'%'; GRANT ALL ON *.* TO bench@'%' WITH GRANT OPTION;"
}

# Other flavours: GALAXIS_BENCH_FLAVOR=mariadb-11.8 or mysql-9.7 runs the
# server inside its chroot ($GALAXIS_CHROOT_DIR, scripts/build-chroots) on a
# copy of the pristine datadir the test harness keeps there (run any
# integration test of that flavour once to create it). $BENCH_DIR/NAME/sock
# and pid are symlinks into the chroot, so sql/stop_server work unchanged.
# mariadb-10.11 (the default) is start_server above.
BENCH_FLAVOR=${GALAXIS_BENCH_FLAVOR:-mariadb-10.11}
is_mysql_flavor() { [[ $BENCH_FLAVOR == mysql-* ]]; }

start_flavor_server() {  # start_flavor_server NAME PORT extra-args...
  local name=$1 port=$2
  shift 2
  if [[ $BENCH_FLAVOR == mariadb-10.11 ]]; then
    start_server "$name" "$port" "$@"
    return
  fi
  local root=${GALAXIS_CHROOT_DIR:-/var/cache/galaxis-relay/chroots}/$BENCH_FLAVOR
  local pristine
  pristine=$(find "$root/var/lib/galaxis-pristine" -maxdepth 1 -name "$BENCH_FLAVOR-*" -type d 2>/dev/null | head -1)
  [[ -n $pristine ]] || { echo "no pristine $BENCH_FLAVOR datadir in $root: run one integration test of it" >&2; return 1; }
  # Named after $BENCH_DIR too: another engineer's bench in the same chroot
  # uses the same server names.
  local inner=/var/tmp/galaxis-bench-$(basename "$BENCH_DIR")-$name dir=$BENCH_DIR/$name
  rm -rf "${root:?}$inner" "$dir" && mkdir -p "$root$inner" "$dir"
  cp -a "$pristine" "$root$inner/data"
  rm -f "$root$inner/data/.complete" "$root$inner/data/auto.cnf"  # MySQL: its own server_uuid
  ln -s "$root$inner/sock" "$dir/sock"
  ln -s "$root$inner/pid" "$dir/pid"
  ln -s "$root$inner/error.log" "$dir/error.log"
  local binary=/usr/sbin/mariadbd
  local flavor_args=(--innodb-log-file-size=256M)
  if is_mysql_flavor; then
    binary=/usr/sbin/mysqld
    flavor_args=(--innodb-redo-log-capacity=512M --mysqlx=OFF --secure-file-priv=/tmp --performance-schema=OFF)
  fi
  /usr/sbin/chroot "$root" "$binary" --no-defaults --user=root --datadir="$inner/data" --tmpdir="$inner" \
    --port="$port" --bind-address=127.0.0.1 --socket="$inner/sock" --pid-file="$inner/pid" \
    --log-error="$inner/error.log" --skip-name-resolve --innodb-buffer-pool-size=512M --max-connections=200 \
    --character-set-server=utf8mb4 "${flavor_args[@]}" "$@" &
  for _ in $(seq 1 600); do
    [[ -S $dir/sock ]] && sql "$name" "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
  done
  sql "$name" "CREATE USER IF NOT EXISTS bench@'%'; GRANT ALL ON *.* TO bench@'%' WITH GRANT OPTION;"
}

# RESET MASTER (MariaDB) / RESET BINARY LOGS AND GTIDS (MySQL 8.4+).
reset_binlogs() { if is_mysql_flavor; then sql "$1" "RESET BINARY LOGS AND GTIDS"; else sql "$1" "RESET MASTER"; fi; }

stop_server() {
  local pid
  pid=$(cat "$BENCH_DIR/$1/pid" 2>/dev/null || true)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# MySQL 8.4+ spells the replica statements and status fields Source/Replica;
# the helpers below speak both (the flavour decides).
# Stops a server and deletes its datadir (in a chroot too): a bench with many
# targets would fill the disk (a MySQL datadir is ~0.7 GB with its redo log).
remove_server() {  # remove_server NAME
  stop_server "$1"
  local data
  data=$(readlink "$BENCH_DIR/$1/sock" 2>/dev/null || true)
  [[ -n $data && $data == */var/tmp/galaxis-bench-* ]] && rm -rf "$(dirname "$data")"
  rm -rf "${BENCH_DIR:?}/$1"
}

slave_status() {
  if is_mysql_flavor; then
    mariadb --no-defaults -S "$BENCH_DIR/$1/sock" -uroot -e 'SHOW REPLICA STATUS\G' | sed 's/Source_Log/Master_Log/g'
  else
    mariadb --no-defaults -S "$BENCH_DIR/$1/sock" -uroot -e 'SHOW SLAVE STATUS\G'
  fi
}

master_pos() {
  if is_mysql_flavor; then sql "$1" "SHOW BINARY LOG STATUS" | cut -f1,2; else sql "$1" "SHOW MASTER STATUS" | cut -f1,2; fi
}

start_sql_thread() { if is_mysql_flavor; then sql "$1" "START REPLICA SQL_THREAD"; else sql "$1" "START SLAVE SQL_THREAD"; fi; }
stop_sql_thread() { if is_mysql_flavor; then sql "$1" "STOP REPLICA SQL_THREAD"; else sql "$1" "STOP SLAVE SQL_THREAD"; fi; }

# Starts a native replica's IO thread only (the relay log fills), SQL thread off.
native_replica_fetch() {  # native_replica_fetch REPLICA MASTER_PORT
  if is_mysql_flavor; then
    sql "$1" "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=$2, SOURCE_USER='bench', SOURCE_PASSWORD='', SOURCE_AUTO_POSITION=0, SOURCE_LOG_FILE='binlog.000001', SOURCE_LOG_POS=4, GET_SOURCE_PUBLIC_KEY=1; START REPLICA IO_THREAD;"
  else
    sql "$1" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$2, MASTER_USER='bench', MASTER_PASSWORD='', MASTER_USE_GTID=no, MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=4; START SLAVE IO_THREAD;"
  fi
}

# Waits until the replica's SQL thread executed up to FILE POS.
native_wait_exec() {  # native_wait_exec REPLICA FILE POS
  local status
  while true; do
    status=$(slave_status "$1")
    if grep -q "Relay_Master_Log_File: $2\$" <<<"$status" && grep -q "Exec_Master_Log_Pos: $3\$" <<<"$status"; then return 0; fi
    if grep -q "Last_SQL_Errno: [1-9]" <<<"$status"; then grep -E "Last_SQL_Error" <<<"$status" >&2; return 1; fi
    sleep 0.05
  done
}

native_wait_fetched() {  # native_wait_fetched REPLICA FILE POS
  while true; do
    local status
    status=$(slave_status "$1")
    if grep -q " Master_Log_File: $2\$" <<<"$status" && grep -q "Read_Master_Log_Pos: $3\$" <<<"$status"; then return 0; fi
    if grep -q "Last_IO_Errno: [1-9]" <<<"$status"; then grep -E "Last_IO_Error" <<<"$status" >&2; return 1; fi
    sleep 0.1
  done
}

relay_catch_up() {  # relay_catch_up MASTER_PORT TARGET_PORT LOG  (until the master's end, then exit)
  GALAXIS_SOURCE_PASSWORD='' GALAXIS_TARGET_PASSWORD='' "${RELAY_WRAP[@]}" "$RELAY" run --source "mysql://bench@127.0.0.1:$1" \
    --target "mysql://bench@127.0.0.1:$2" --initial from-start --stop-at-end --server-id 4711 --stats-interval 5 \
    "${RELAY_EXTRA[@]}" >>"$3" 2>&1
}
RELAY_EXTRA=()
RELAY_WRAP=()  # a command prefix, e.g. (/usr/bin/time -f '%U %S' -o FILE)

# CPU seconds (user + system) a running process has used so far.
cpu_seconds() {  # cpu_seconds PID
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
server_pid() { cat "$BENCH_DIR/$1/pid"; }
