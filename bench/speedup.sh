#!/usr/bin/env bash
# Measures, side by side in one run, the wall time of one generated RSpec suite (spec files that sleep, with skewed
# durations, so many instances fit on few cores):
#   serial rspec  |  testbot local mode  |  testbot server + 2 runners on loopback
# each against the ideal schedule for the same instance count: max(total / instances, longest file).
# Usage: bench/speedup.sh [INSTANCES (default 4)] [FILES (default 36)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-4}"
files="${2:-36}"
[ -f "$here/target/testbot.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
java_cmd=(java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$here/target/testbot.jar")

work="$(mktemp -d /tmp/testbot-bench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"

# The suite: most files are short, a few are long (a skew like a real suite's), in whole centiseconds.
project="$work/suite"
mkdir -p "$project/spec"
total_cs=0; longest_cs=0
for i in $(seq 1 "$files"); do
  if   [ $((i % 12)) -eq 0 ]; then cs=$((150 + i * 2))
  elif [ $((i % 5)) -eq 0 ];  then cs=$((60 + i))
  else cs=$((10 + (i * 7) % 30)); fi
  total_cs=$((total_cs + cs)); [ "$cs" -gt "$longest_cs" ] && longest_cs=$cs
  secs=$(printf '%d.%02d' $((cs / 100)) $((cs % 100)))
  cat > "$project/spec/file_${i}_spec.rb" <<RUBY
RSpec.describe "File $i" do
  it("takes ${secs} s") { sleep ${secs} }
end
RUBY
done
ideal_cs=$(( (total_cs + instances - 1) / instances )); [ "$longest_cs" -gt "$ideal_cs" ] && ideal_cs=$longest_cs

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
declare -A wall

t0=$(now); (cd "$project" && rspec >/dev/null); t1=$(now); wall[serial]=$(seconds "$t0" "$t1")

for run in first second; do
  t0=$(now); (cd "$project" && "${java_cmd[@]}" rspec --local -n "$instances" >"$work/local-$run.out" 2>&1); t1=$(now)
  wall[local-$run]=$(seconds "$t0" "$t1")
done

"${java_cmd[@]}" server --port 0 --bind 127.0.0.1 --data-dir "$work/server" >"$work/server.log" 2>&1 & pids+=($!)
until grep -q 'listening on' "$work/server.log" 2>/dev/null; do sleep 0.1; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/server.log" | sed 's/.*://')
export TESTBOT_TOKEN="$(cat "$work/server/token")"
per_runner=$(( (instances + 1) / 2 ))
for r in 1 2; do
  "${java_cmd[@]}" runner --connect "127.0.0.1:$port" --instances "$per_runner" --work-dir "$work/runner$r" --hostname "runner$r" >"$work/runner$r.log" 2>&1 & pids+=($!)
done
until [ "$(curl -s -H "Authorization: Bearer $TESTBOT_TOKEN" "127.0.0.1:$port/runners/total_instances")" = "$((per_runner * 2))" ]; do sleep 0.1; done
for run in first second; do
  t0=$(now); (cd "$project" && "${java_cmd[@]}" rspec --connect "127.0.0.1:$port" >"$work/remote-$run.out" 2>&1); t1=$(now)
  wall[remote-$run]=$(seconds "$t0" "$t1")
done

ideal=$(awk -v c="$ideal_cs" 'BEGIN { printf "%.2f", c / 100 }')
echo "suite: $files spec files, $(awk -v c="$total_cs" 'BEGIN { printf "%.2f", c / 100 }') s of sleeps, longest $(awk -v c="$longest_cs" 'BEGIN { printf "%.2f", c / 100 }') s; $instances instances; ideal wall time ${ideal} s"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $(java -version 2>&1 | head -1), $(ruby -v | cut -d' ' -f1-2)"
printf '%-34s %8s %10s %10s\n' "run" "wall s" "speedup" "x ideal"
row() { printf '%-34s %8s %10s %10s\n' "$1" "$2" "$(awk -v s="${wall[serial]}" -v w="$2" 'BEGIN { printf "%.2fx", s / w }')" "$(awk -v i="$ideal" -v w="$2" 'BEGIN { printf "%.2f", w / i }')"; }
row "serial rspec" "${wall[serial]}"
row "testbot local, first build" "${wall[local-first]}"
row "testbot local, second build" "${wall[local-second]}"
row "testbot server + 2 runners, first" "${wall[remote-first]}"
row "testbot server + 2 runners, second" "${wall[remote-second]}"
for f in local-first local-second remote-first remote-second; do
  grep -q ' 0 failures' "$work/$f.out" || { echo "bench: the $f run did not pass:"; tail -20 "$work/$f.out"; exit 1; }
done
