#!/usr/bin/env bash
# bench/mirror — galaxis-relay mirror vs rsync -a --delete, side by side in one run.
#
# Tree: 10,000 files in 100 directories, log-uniform sizes 1 KiB–1 MiB
# (~1.4 GiB, random bytes). Scenarios, each for local -> local and
# local -> ssh to 127.0.0.1 (a throw-away sshd on a loopback port, both
# tools through the same server): initial copy into an empty DEST, a
# no-change cycle, 3% of the files rewritten (BENCH_ROUNDS rounds each, the
# two tools alternating which goes first; cells are medians). Prints a Markdown section
# (also appended to bench/RESULTS.md with --record).
# Env: GALAXIS_BENCH_DIR (default /tmp/galaxis-bench-mirror), GALAXIS_RELAY_BINARY;
# GALAXIS_RELAY_BASELINE=<another build> also runs that binary ("base") in every
# round, in the rotating order, for an old-vs-new comparison in the same run.
# BENCH_KINDS (default "local ssh"): only these destinations, e.g. one kind per
# run when the disk cannot hold SRC and six copies (cells of the other show "-").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELAY=${GALAXIS_RELAY_BINARY:-$HERE/../../build/release/cli/galaxis-relay}
DIR=${GALAXIS_BENCH_DIR:-/tmp/galaxis-bench-mirror}
FILES=${BENCH_FILES:-10000}
ROUNDS=${BENCH_ROUNDS:-5}
BASE=${GALAXIS_RELAY_BASELINE:-}
KINDS=${BENCH_KINDS:-local ssh}
RECORD=0
[[ ${1:-} == --record ]] && RECORD=1

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

rm -rf "$DIR" && mkdir -p "$DIR"
SSHD_PID=
cleanup() { [[ -n $SSHD_PID ]] && kill "$SSHD_PID" 2>/dev/null || true; }
trap cleanup EXIT

echo "generating $FILES files..." >&2
python3 - "$DIR/src" "$FILES" <<'PY'
import math, os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
total = 0
for d in range(100):
    os.makedirs(f"{root}/d{d:03}", exist_ok=True)
for i in range(n):
    size = int(math.exp(rng.uniform(math.log(1024), math.log(1 << 20))))
    with open(f"{root}/d{i % 100:03}/f{i:05}.bin", "wb") as f:
        f.write(os.urandom(size))
    total += size
print(f"{n} files, {total / 2**30:.2f} GiB", file=sys.stderr)
PY
TREE_BYTES=$(du -sb "$DIR/src" | cut -f1)

# Throw-away sshd on a loopback port (as tests/harness/src/ssh_server.cc does).
mkdir -p /run/sshd "$DIR/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh/user_key"
cp "$DIR/ssh/user_key.pub" "$DIR/ssh/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$DIR/ssh/sshd_config" <<CFG
ListenAddress 127.0.0.1
HostKey $DIR/ssh/host_key
AuthorizedKeysFile $DIR/ssh/authorized_keys
PidFile $DIR/ssh/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
LogLevel ERROR
SetEnv SHLVL=1
CFG
/usr/sbin/sshd -D -e -f "$DIR/ssh/sshd_config" -p "$PORT" 2>"$DIR/ssh/sshd.log" &
SSHD_PID=$!
for _ in $(seq 1 200); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$DIR/ssh/host_key.pub")" >"$DIR/ssh/known_hosts"
SSH_CMD="ssh -p $PORT -i $DIR/ssh/user_key -o UserKnownHostsFile=$DIR/ssh/known_hosts -o StrictHostKeyChecking=yes"
USER_NAME=$(id -un)

run_mirror() {  # run_mirror DEST-ARG...
  "$RELAY" --log-level warn mirror --settle 0 --quiet --delete --max-delete 100% "$DIR/src" "$@" \
    --identity "$DIR/ssh/user_key" --known-hosts "$DIR/ssh/known_hosts" --remote-path "$RELAY"
}
run_base() {  # the baseline build, on both ends
  "$BASE" --log-level warn mirror --settle 0 --quiet --delete --max-delete 100% "$DIR/src" "$@" \
    --identity "$DIR/ssh/user_key" --known-hosts "$DIR/ssh/known_hosts" --remote-path "$BASE"
}
run_rsync_local() { rsync -a --delete "$DIR/src/" "$1/"; }
run_rsync_ssh() { rsync -a --delete -e "$SSH_CMD" "$DIR/src/" "$USER_NAME@127.0.0.1:$1/"; }

declare -A T  # T[key] = space-separated times of all rounds
measure() {  # measure KEY command...
  local key=$1 t0 t1
  shift
  sync
  t0=$(now)
  "$@" >/dev/null
  t1=$(now)
  T[$key]="${T[$key]:-} $(elapsed "$t0" "$t1")"
  echo "$key $(elapsed "$t0" "$t1") s" >&2
}

verify() {  # the copies must be identical to SRC (rsync itemize: no output)
  local out
  out=$(rsync -ani --delete --exclude=/.galaxis-mirror "$DIR/src/" "$1/" | head -5)
  [[ -z $out ]] || { echo "bench: $1 differs from src: $out" >&2; exit 1; }
}

change_files() {  # change_files SEED: rewrite 3% of the files
  python3 - "$DIR/src" "$FILES" "$1" <<'PY'
import os, random, sys
root, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
for i in rng.sample(range(n), n * 3 // 100):
    p = f"{root}/d{i % 100:03}/f{i:05}.bin"
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.write(os.urandom(size))
PY
}

# Each round runs mirror and rsync on the same input; odd rounds mirror
# first, even rounds rsync first (A B B A ...); with a baseline the three
# rotate (round 1: mirror base rsync, 2: base rsync mirror, 3: rsync mirror
# base, ...). Cells are medians.
cat "$DIR/src"/d0*/* >/dev/null  # warm the page cache for both tools alike
for scenario in initial nochange changed; do
  for ((round = 1; round <= ROUNDS; round++)); do
    if [[ $scenario == initial ]]; then rm -rf "$DIR"/dst-*; fi
    if [[ $scenario == changed ]]; then change_files $((round + 6)); fi
    for kind in $KINDS; do
      order="mirror rsync"
      ((round % 2 == 0)) && order="rsync mirror"
      if [[ -n $BASE ]]; then
        # Rotate all three through every slot (a fixed middle slot ran
        # measurably faster on this machine: an A/A run with one binary in
        # two slots differed 2x).
        tools=(mirror base rsync)
        s=$(((round - 1) % 3))
        order="${tools[s]} ${tools[(s + 1) % 3]} ${tools[(s + 2) % 3]}"
      fi
      for tool in $order; do
        if [[ $kind == local ]]; then
          dest=$DIR/dst-$tool
          [[ $tool == mirror ]] && measure "mirror-local-$scenario" run_mirror "$dest"
          [[ $tool == rsync ]] && measure "rsync-local-$scenario" run_rsync_local "$dest"
          [[ $tool == base ]] && measure "base-local-$scenario" run_base "$dest"
        else
          dest=$DIR/dst-$tool-ssh
          [[ $tool == mirror ]] && measure "mirror-ssh-$scenario" run_mirror "ssh://$USER_NAME@127.0.0.1:$PORT$dest"
          [[ $tool == rsync ]] && measure "rsync-ssh-$scenario" run_rsync_ssh "$dest"
          [[ $tool == base ]] && measure "base-ssh-$scenario" run_base "ssh://$USER_NAME@127.0.0.1:$PORT$dest"
        fi
      done
    done
  done
done
for tool in mirror rsync ${BASE:+base}; do
  [[ $KINDS == *local* ]] && verify "$DIR/dst-$tool"
  [[ $KINDS == *ssh* ]] && verify "$DIR/dst-$tool-ssh"
done
# Every round's times, for per-pair ratios (stderr has them too).
for key in "${!T[@]}"; do echo "raw $key:${T[$key]}"; done | sort >"$DIR.rounds.txt"
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" $1; }
for key in "${!T[@]}"; do T[$key]=$(median "${T[$key]}"); done
for tool in mirror rsync base; do  # cells of a kind not run
  for kind in local ssh; do
    for scenario in initial nochange changed; do T[$tool-$kind-$scenario]=${T[$tool-$kind-$scenario]:--}; done
  done
done

# Peak RSS of a no-change cycle (the index for 10,000 files in memory).
RSS=-
[[ $KINDS == *local* ]] && RSS=$(/usr/bin/time -f %M "$RELAY" --log-level warn mirror --settle 0 --quiet "$DIR/src" "$DIR/dst-mirror" 2>&1 >/dev/null | tail -1)

ratio() { if [[ $1 == - || $2 == - ]]; then echo -; else python3 -c "print(f'{$1 / $2:.2f}')"; fi; }
section=$(
  cat <<MD
### bench/mirror ($(date -u '+%Y-%m-%d %H:%M') UTC)

\`\`\`
tree: $FILES files in 100 directories, $(python3 -c "print(f'{$TREE_BYTES / 2**30:.2f}')") GiB, log-uniform 1 KiB-1 MiB, random bytes
tools: $("$RELAY" --version), $(rsync --version | head -1 | cut -c1-40)
ssh: both through one throw-away sshd on 127.0.0.1 (OpenSSH $(ssh -V 2>&1 | cut -d' ' -f1 | cut -d_ -f2)), ed25519 key
machine: $(nproc) cores, $(uname -r), shared with other jobs (noisy); /tmp on disk, source in page cache
\`\`\`

| scenario | mirror local s | rsync local s | ratio | mirror ssh s | rsync -e ssh s | ratio |
|---|---|---|---|---|---|---|
| initial copy | ${T[mirror-local-initial]} | ${T[rsync-local-initial]} | $(ratio "${T[rsync-local-initial]}" "${T[mirror-local-initial]}")x | ${T[mirror-ssh-initial]} | ${T[rsync-ssh-initial]} | $(ratio "${T[rsync-ssh-initial]}" "${T[mirror-ssh-initial]}")x |
| no change | ${T[mirror-local-nochange]} | ${T[rsync-local-nochange]} | $(ratio "${T[rsync-local-nochange]}" "${T[mirror-local-nochange]}")x | ${T[mirror-ssh-nochange]} | ${T[rsync-ssh-nochange]} | $(ratio "${T[rsync-ssh-nochange]}" "${T[mirror-ssh-nochange]}")x |
| 3% changed | ${T[mirror-local-changed]} | ${T[rsync-local-changed]} | $(ratio "${T[rsync-local-changed]}" "${T[mirror-local-changed]}")x | ${T[mirror-ssh-changed]} | ${T[rsync-ssh-changed]} | $(ratio "${T[rsync-ssh-changed]}" "${T[mirror-ssh-changed]}")x |

Ratio = rsync time / mirror time (> 1: mirror faster). Targets: initial >= 1.0x, no change >= 2x, 3% changed >= 1.5x.
All four copies verified equal to SRC afterwards (rsync -ani: no differences). Peak RSS of a no-change cycle: ${RSS} KiB.
Cells: medians of $ROUNDS rounds, mirror and rsync alternating first/second; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).
Reproduce: \`bench/mirror/run.sh [--record]\` (Release build; BENCH_ROUNDS, BENCH_FILES, BENCH_KINDS).
MD
)
if [[ -n $BASE ]]; then
  section+=$'\n'"Baseline build in the same rounds (medians, local / ssh): initial ${T[base-local-initial]} / ${T[base-ssh-initial]} s, no change ${T[base-local-nochange]} / ${T[base-ssh-nochange]} s, 3% changed ${T[base-local-changed]} / ${T[base-ssh-changed]} s. Every round: $DIR.rounds.txt."
fi
echo "$section"
if ((RECORD)); then
  printf '\n%s\n' "$section" >>"$HERE/../RESULTS.md"
fi
rm -rf "$DIR"
