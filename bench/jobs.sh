#!/usr/bin/env bash
# Inside a second build, side by side: what each job costs beyond its tests, read from the server's own store.
# For this checkout and, with OTHER=DIR, another one (built), taking turns ROUNDS times (default 3): a fresh server
# and one runner x N instances, the sized suite of bench/speedup.sh, one first build, then BUILDS builds with
# history (default 4) PAUSE seconds apart (default 1; 0: each starts as the one before ends, as CI steps do).
# For each version it prints the medians over its builds of: the wall time,
# the jobs' span (first hand-out to last result; the ideal is the suite's sleeps / N), each instance's first job's
# time beyond its files' own (a fresh fork's first rspec run), and the later jobs' (a warm worker's).
# Usage: [OTHER=DIR] [ROUNDS=3] [BUILDS=4] [PAUSE=1] bench/jobs.sh [INSTANCES (default 8)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-8}"
rounds="${ROUNDS:-3}"
builds="${BUILDS:-4}"
pause="${PAUSE:-1}"
versions=("$here")
[ -n "${OTHER:-}" ] && versions+=("$(cd "$OTHER" && pwd)")
for v in "${versions[@]}"; do
  [ -f "$v/target/testbot.jar" ] || (cd "$v" && mvn -B -q -Dstyle.color=never -DskipTests package)
done

work="$(mktemp -d /tmp/testbot-bench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
unset TESTBOT_SERVER TESTBOT_TOKEN

# The sized suite of bench/speedup.sh: 48 files of 0.1 s examples, most short, some medium, three long.
mkdir -p "$work/suite/spec"
for i in $(seq 1 48); do
  if   [ $((i % 16)) -eq 0 ]; then cs=$((160 + i))
  elif [ $((i % 5)) -eq 0 ];  then cs=$((50 + i))
  else cs=$((10 + (i * 7) % 30)); fi
  { printf 'RSpec.describe "File %d" do\n' "$i"
    for ((left = cs, k = 1; left > 0; left -= 10, k++)); do printf '  it("step %d") { sleep 0.%02d }\n' "$k" $((left < 10 ? left : 10)); done
    printf 'end\n'; } > "$work/suite/spec/file_${i}_spec.rb"
done

one_round() { # one_round VERSION_DIR N: prints one line per build with history
  local tb="$1/bin/testbot" dir="$work/round-$2" port start
  mkdir -p "$dir/home"; cp -r "$work/suite" "$dir/suite"
  export HOME="$dir/home" XDG_CACHE_HOME="$dir/home/.cache"
  env -u TESTBOT_TOKEN "$tb" server --port 0 --bind 127.0.0.1 --data-dir "$dir/data" >"$dir/server.log" 2>&1 & pids+=($!)
  until grep -q 'listening on' "$dir/server.log" 2>/dev/null; do sleep 0.05; done
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/server.log" | sed 's/.*://')
  export TESTBOT_TOKEN="$(cat "$dir/data/token")"
  "$tb" runner --connect "127.0.0.1:$port" --instances "$instances" --work-dir "$dir/runner" --hostname r1 >"$dir/runner.log" 2>&1 & pids+=($!)
  until [ "$(curl -s -H "Authorization: Bearer $TESTBOT_TOKEN" "127.0.0.1:$port/runners/total_instances")" -ge "$instances" ]; do
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "bench: the runner ended: $(tail -1 "$dir/runner.log")" >&2; exit 1; }
    sleep 0.05
  done
  sleep 2 # its spares booted
  for b in $(seq 0 "$builds"); do
    start=$(date +%s.%N)
    (cd "$dir/suite" && "$tb" rspec --connect "127.0.0.1:$port" >/dev/null 2>&1)
    echo "$((b + 1)) $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')" >>"$dir/walls"
    sleep "$pause"
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true # the runner, then its server
  kill "${pids[-2]}"; wait "${pids[-2]}" 2>/dev/null || true
  python3 - "$dir" <<'PY'
import json, sqlite3, sys
d = sys.argv[1]
walls = dict(line.split() for line in open(d + "/walls"))
db = sqlite3.connect(d + "/data/testbot.sqlite")
for (build,) in db.execute("SELECT id FROM builds WHERE id > 1 ORDER BY id"):
    rows = db.execute("SELECT started_at, finished_at, result_json FROM jobs WHERE build_id = ? ORDER BY started_at", (build,)).fetchall()
    span = (max(r[1] for r in rows) - min(r[0] for r in rows)) / 1000
    seen, first, later = set(), [], []
    for _, _, result in rows:
        r = json.loads(result)
        (later if r["instance"] in seen else first).append(r["seconds"] - sum(f["seconds"] for f in r["files"]))
        seen.add(r["instance"])
    print(walls[str(build)], span, sum(first) / len(first), sum(later) / max(1, len(later)))
PY
}

for r in $(seq 1 "$rounds"); do
  for i in "${!versions[@]}"; do one_round "${versions[$i]}" "$r-$i" >>"$work/results-$i"; done
done

ideal=$(find "$work/suite/spec" -name '*_spec.rb' -exec grep -ho 'sleep 0\.[0-9]*' {} + | awk -v n="$instances" '{ t += $2 } END { printf "%.2f", t / n }')
echo "sized suite, 48 files, $instances instances: ideal span ${ideal} s; medians over $((rounds * builds)) builds with history, ${pause} s apart"
printf '%-40s %8s %8s %16s %16s\n' "version" "wall s" "span s" "first job +ms" "later jobs +ms"
for i in "${!versions[@]}"; do
  python3 - "$work/results-$i" "$(cd "${versions[$i]}" && git describe --always --dirty 2>/dev/null || basename "${versions[$i]}") (${versions[$i]})" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
med = [statistics.median(col) for col in zip(*rows)]
print(f"{sys.argv[2][:40]:<40} {med[0]:8.2f} {med[1]:8.3f} {med[2] * 1000:16.0f} {med[3] * 1000:16.0f}")
PY
done
