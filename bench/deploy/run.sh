#!/usr/bin/env bash
# bench/deploy — push-to-deploy against `git fetch && git reset --hard`, side by side in one run.
# Lab repository shape: 2,030 files, ~52 MB tree; each round a commit
# changes 20 files, adds 5, deletes 5. Origin is a local bare repo (file://).
# Measures (median of ROUNDS): `deploy now` (fetch + release + switch) with and
# without syncfs vs `git fetch && git reset --hard` in a clone; the same with a
# composer-like before-switch hook building vendor/ (3,000 files, 24 MB, copied
# from a local "composer cache" when vendor/ is missing) with and without
# vendor/ reuse; the no-change `deploy now`; the webhook's answer time under
# 200 requests/s (load.py), over HTTP and HTTPS.
# Appends its section to bench/RESULTS.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELAY=${GALAXIS_RELAY_BINARY:-$HERE/../../build/release/cli/galaxis-relay}
DIR=${GALAXIS_BENCH_DIR:-/tmp/galaxis-bench-deploy}
ROUNDS=${ROUNDS:-5}
rm -rf "$DIR" && mkdir -p "$DIR"
cd "$DIR"
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

git init -q --bare -b main origin.git
git init -q -b main work && cd work
git config user.email bench@example.com && git config user.name bench
python3 - <<'PY'
import os, random
random.seed(1)
for i in range(2030):
    d = f"app/m{i % 40}/s{i % 7}"
    os.makedirs(d, exist_ok=True)
    size = 8000 + (i * 7919) % 36000     # 8-44 KB, ~52 MB in all
    with open(f"{d}/f{i}.php", "wb") as f:
        f.write(os.urandom(size // 2).hex().encode()[:size])
PY
echo '{"packages": ["acme/lib 1.0"]}' >composer.lock
git add -A && git commit -qm initial && git remote add origin ../origin.git && git push -q origin main
cd ..
du -sb work/app | awk '{printf "tree: %.1f MB, ", $1/1e6}'; find work/app -type f | wc -l | awk '{print $1 " files"}'
git clone -q "file://$DIR/origin.git" clone
python3 - "$DIR/composer-cache/vendor" <<'PY'
import os, sys
for i in range(3000):
    d = f"{sys.argv[1]}/pkg{i % 60}/src/d{i % 9}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/C{i}.php", "wb") as f:
        f.write(os.urandom(4000).hex().encode())
PY
# "composer install": builds vendor/ when missing, always rewrites the autoloader.
HOOK="[ -d vendor ] || cp -r $DIR/composer-cache/vendor vendor; mkdir -p vendor/composer && echo \"<?php // \$GALAXIS_DEPLOY_SHA\" >vendor/autoload.php"
for v in reuse noreuse; do
  flag=--reuse=vendor:composer.lock; [[ $v == noreuse ]] && flag=--no-reuse
  "$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-$v" --no-sync $flag --before-switch "$HOOK" >/dev/null
done
"$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-sync" >/dev/null
"$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-nosync" --no-sync >/dev/null

change() {  # a commit changing 20 files, adding 5, deleting 5
  local r=$1
  cd "$DIR/work"
  python3 - "$r" <<'PY'
import os, random, subprocess, sys
r = int(sys.argv[1])
files = sorted(subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split())
random.seed(r)
random.shuffle(files)
for f in files[:20]:
    with open(f, "wb") as out: out.write(os.urandom(10000).hex().encode())
for k in range(5):
    with open(f"app/new-{r}-{k}.php", "wb") as out: out.write(os.urandom(7500).hex().encode())
subprocess.run(["git", "rm", "-q"] + files[20:25], check=True)
PY
  git add -A && git commit -qm "round $r" && git push -q origin main
  cd "$DIR"
}

: >git.times; : >sync.times; : >nosync.times; : >nochange.times; : >start.times; : >reuse.times; : >noreuse.times
for r in $(seq 1 "$ROUNDS"); do
  change "$r"
  t=$(now); (cd clone && git fetch -q origin && git reset -q --hard origin/main); echo "$(now) - $t" | bc >>git.times
  t=$(now); "$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-nosync" --no-sync >/dev/null
  echo "$(now) - $t" | bc >>nosync.times
  t=$(now); "$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-sync" >/dev/null
  echo "$(now) - $t" | bc >>sync.times
  t=$(now); "$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-sync" >/dev/null
  echo "$(now) - $t" | bc >>nochange.times
  t=$(now); "$RELAY" --version >/dev/null; echo "$(now) - $t" | bc >>start.times
  for v in $( ((r % 2)) && echo reuse noreuse || echo noreuse reuse); do  # alternate the order
    flag=--reuse=vendor:composer.lock; [[ $v == noreuse ]] && flag=--no-reuse
    t=$(now); "$RELAY" --log-level warn deploy now --repo "file://$DIR/origin.git" --root "$DIR/app-$v" --no-sync $flag --before-switch "$HOOK" >/dev/null
    echo "$(now) - $t" | bc >>$v.times
  done
done
diff -r --exclude=.git clone "$DIR/app-sync/current/" >/dev/null && same=identical || same=DIFFERENT
G=$(median <git.times); S=$(median <sync.times); N=$(median <nosync.times); C=$(median <nochange.times); P=$(median <start.times)
VR=$(median <reuse.times); VN=$(median <noreuse.times)
reused=$(tail -1 "$DIR/app-reuse/.deploy/history.jsonl" | python3 -c "import json,sys; r=json.load(sys.stdin)['reused'][0]; print(f\"reused={r['reused']} linked={r['linked']} copied={r['copied']} {r['ms']:.0f} ms\")")
last=$(tail -1 "$DIR/app-sync/.deploy/history.jsonl")
steps=$(python3 -c "import json,sys; j=json.loads(sys.argv[1]); print(' '.join(f'{k}={v:.1f}' for k,v in j['steps_ms'].items()), 'written', j['files_written'], 'linked', j['files_linked'])" "$last")

# Webhook answer time: serve on a free port, 200 signed pushes/s for 10 s.
echo "bench-secret" >secret
"$RELAY" --log-level warn deploy serve --repo "file://$DIR/origin.git" --root "$DIR/app-serve" --listen 127.0.0.1:0 \
  --secret-file secret --no-sync >serve.log 2>&1 &
serve_pid=$!
for _ in $(seq 1 500); do [[ -s app-serve/.deploy/listen ]] && break; sleep 0.02; done
port=$(cut -d: -f2 app-serve/.deploy/listen)
sha=$(git --git-dir=origin.git rev-parse main)
load=$(python3 "$HERE/load.py" "$port" bench-secret "$sha" 200 10)
kill -TERM "$serve_pid"; wait "$serve_pid" || true
# The same over HTTPS (throw-away self-signed certificate).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -keyout key.pem -out cert.pem \
  -subj /CN=127.0.0.1 2>/dev/null
rm -f app-serve/.deploy/listen
"$RELAY" --log-level warn deploy serve --repo "file://$DIR/origin.git" --root "$DIR/app-serve" --listen 127.0.0.1:0 \
  --secret-file secret --no-sync --tls-cert cert.pem --tls-key key.pem >serve-tls.log 2>&1 &
serve_pid=$!
for _ in $(seq 1 500); do [[ -s app-serve/.deploy/listen ]] && break; sleep 0.02; done
port=$(cut -d: -f2 app-serve/.deploy/listen)
load_tls=$(python3 "$HERE/load.py" "$port" bench-secret "$sha" 200 10 main 4 tls)
kill -TERM "$serve_pid"; wait "$serve_pid" || true

ratio=$(echo "scale=2; $S / $G" | bc); ratio_n=$(echo "scale=2; $N / $G" | bc)
report=$(cat <<REPORT

### bench/deploy ($(date -u '+%Y-%m-%d %H:%M UTC'))

\`\`\`
repo: $(find work/app -type f | wc -l) files, $(du -sb work/app | awk '{printf "%.1f MB", $1/1e6}'); origin file:// (local bare repo); each round: 20 changed, 5 added, 5 deleted
machine: $(nproc) cores, $(uname -sr) (shared with other jobs: noisy); git $(git --version | cut -d' ' -f3)
\`\`\`

Median of $ROUNDS rounds, each a new commit (all three see the same commit; the release tree equals the clone: $same).

| command | median s |
|---|---|
| \`git fetch && git reset --hard origin/main\` (in-place, no sync) | $G |
| \`deploy now\` (fetch + new release + switch), \`--no-sync\` | $N |
| \`deploy now\` (fetch + new release + syncfs + switch), default | $S |
| \`deploy now\` + composer-like hook, vendor/ reused (default) | $VR |
| \`deploy now\` + composer-like hook, \`--no-reuse\` (vendor/ built: 3,000 files, 24 MB copied) | $VN |
| \`deploy now\`, tip unchanged | $C |
| \`galaxis-relay --version\` (process start alone, for scale) | $P |

**Ratios:** deploy vs git reset --hard: ${ratio_n}x with --no-sync, ${ratio}x with syncfs (target <= 2x); no-change \`deploy now\` $C s (target < 0.1 s) of which process start alone is $P s.
Last deploy's steps (ms): $steps. vendor/ of the last reuse run: $reused.
Webhook under load (load.py, 4 keep-alive connections, open loop, signed push with a new delivery ID each: one write(2) to the delivery log per request, and every push queues a run): $load; over HTTPS: $load_tls (target p99 < 10 ms); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

What a release costs: a whole tree, not a diff — every directory is created, unchanged files are hard links (one link(2) + one lstat each, no data), only changed/added blobs are written; syncfs flushes whatever is dirty on the file system (including other jobs' writes here), which \`git reset --hard\` never does.
REPORT
)
echo "$report"
echo "$report" >>"$HERE/../RESULTS.md"
