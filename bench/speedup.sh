#!/usr/bin/env bash
# Side by side in one run, on one generated RSpec suite of spec files that sleep with skewed durations (so that
# more instances than cores still measure scheduling, not CPU):
#   serial rspec | parallel_rspec without and with its runtime log | testbot local mode |
#   testbot server + 1 runner x N | testbot server + 4 runners x N/4, first build (no history) and second build,
#   and the first build of another project once that server and its runners have served builds
# each against the ideal schedule for N instances: max(total / N, longest file). And the fixed overheads:
# runner start -> usable, requester start -> first spec running, last spec done -> requester exit (local mode's
# once the builds are over, the server's against a fresh server whose runners have booted their spares).
# A first build has no history and orders files by size: it also prints what that order allows at best (one file
# per job, no overhead at all). SUITE=sized writes each file as examples of 0.1 s, so that, as in real suites, a
# longer file is a bigger file; the default (flat) gives every file one example, so sizes say nothing.
# Every row but serial rspec runs REPEAT times (default 3), the rows taking turns, each testbot server row on a fresh
# server and runners; each prints its median and its range, since a row moves 0.1-0.2 s between runs.
# A second build starts the moment the first ends, which on this VM slows the next JVM's start (docs/benchmarks.md);
# "second, paused" is one more build with history, PAUSE seconds (default 3) later, as when builds do not follow at once.
# Usage: [SUITE=flat|sized] [REPEAT=3] [PAUSE=3] bench/speedup.sh [INSTANCES (default 8)] [FILES (default 48)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-8}"
files="${2:-48}"
suite="${SUITE:-flat}"
repeat="${REPEAT:-3}"
pause="${PAUSE:-3}"
testbot=("$here/bin/testbot")
. "$here/bench/lib.sh"
bench_setup bench

# The suite: most files short, some medium, a few long, in whole centiseconds.
project="$work/suite"
mkdir -p "$project/spec"
total_cs=0; longest_cs=0
for i in $(seq 1 "$files"); do
  if   [ $((i % 16)) -eq 0 ]; then cs=$((160 + i))
  elif [ $((i % 5)) -eq 0 ];  then cs=$((50 + i))
  else cs=$((10 + (i * 7) % 30)); fi
  total_cs=$((total_cs + cs)); [ "$cs" -gt "$longest_cs" ] && longest_cs=$cs
  secs=$(printf '%d.%02d' $((cs / 100)) $((cs % 100)))
  file="$project/spec/file_${i}_spec.rb"
  if [ "$suite" = sized ]; then
    { printf 'RSpec.describe "File %d" do\n' "$i"
      for ((left = cs, k = 1; left > 0; left -= 10, k++)); do
        step=$((left < 10 ? left : 10))
        printf '  it("step %d") { sleep 0.%02d }\n' "$k" "$step"
      done
      printf 'end\n'; } > "$file"
  else
    printf 'RSpec.describe "File %d" do\n  it("takes %s s") { sleep %s }\nend\n' "$i" "$secs" "$secs" > "$file"
  fi
  echo "$(stat -c %s "$file") file_${i}_spec.rb $cs" >> "$work/sizes"
done
ideal_cs=$(( (total_cs + instances - 1) / instances )); [ "$longest_cs" -gt "$ideal_cs" ] && ideal_cs=$longest_cs
ideal=$(awk -v c="$ideal_cs" 'BEGIN { printf "%.2f", c / 100 }')
# Without history: largest file first (then by name), each to the instance free first, nothing else counted.
no_history=$(LC_ALL=C sort -k1,1nr -k2,2 "$work/sizes" | awk -v n="$instances" '
  { best = 1; for (i = 2; i <= n; i++) if (load[i] < load[best]) best = i; load[best] += $3 }
  END { m = 0; for (i = 1; i <= n; i++) if (load[i] > m) m = load[i]; printf "%.2f", m / 100 }')

now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
labels=()
declare -A samples=()
timed() { # timed LABEL COMMAND...: runs in the project, checks it passed, adds the wall time to the label's samples
  local label="$1"; shift
  local t0 t1 log="$work/run.log"
  t0=$(now); (cd "${in_dir:-$project}" && "$@") >"$log" 2>&1 || { echo "bench: '$label' failed:"; tail -20 "$log"; exit 1; }; t1=$(now)
  [ -n "${samples[$label]+set}" ] || labels+=("$label")
  samples[$label]+="$(diff_s "$t0" "$t1") "
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }
range() { tr ' ' '\n' | grep . | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi ? lo : lo "-" hi) }'; }

timed "serial rspec" rspec
rspec_log=(-o "--format progress --format ParallelTests::RSpec::RuntimeLogger --out tmp/parallel_runtime_rspec.log")
# Records bin/testbot's class-data archive (once per build of the jar), outside the timings.
(cd "$project" && "${testbot[@]}" rspec --local -n 1 spec/file_1_spec.rb >/dev/null 2>&1)

start_server() { # start_server NAME: a fresh server on loopback; sets port and TESTBOT_TOKEN
  env -u TESTBOT_TOKEN "${testbot[@]}" server --port 0 --bind 127.0.0.1 --data-dir "$work/$1" >"$work/$1.log" 2>&1 & pids+=($!); cycle+=($!)
  until grep -q 'listening on' "$work/$1.log" 2>/dev/null; do sleep 0.05; done
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$1.log" | sed 's/.*://')
  export TESTBOT_TOKEN="$(cat "$work/$1/token")"
}
total_instances() { curl -s -H "Authorization: Bearer $TESTBOT_TOKEN" "127.0.0.1:$port/runners/total_instances"; }
start_runners() { # start_runners COUNT EACH: returns when all are usable; sets runner_ms for the first one
  local count=$1 each=$2 before t0
  for r in $(seq 1 "$count"); do
    before=$(total_instances); t0=$(now)
    "${testbot[@]}" runner --connect "127.0.0.1:$port" --instances "$each" --work-dir "$work/runner-$port-$r" --hostname "runner$r" >"$work/runner-$port-$r.log" 2>&1 & pids+=($!); cycle+=($!)
    until [ "$(total_instances)" -ge $((before + each)) ]; do sleep 0.02; done
    [ "$r" -eq 1 ] && runner_ms=$(diff_ms "$t0" "$(now)")
  done
  return 0
}
other_project() { # other_project NAME: sets other to a copy of the suite that the server knows nothing of
  # Every file gets the same comment: new content to upload, fetch and write, as a new project's, sizes in the same order.
  other="$work/other-$1"; rm -rf "$other"; mkdir -p "$other"; cp -r "$project/spec" "$other/"
  for f in "$other"/spec/*_spec.rb; do echo "# another project: $1" >> "$f"; done
}
stop_cycle() { # ends this round's server and runners (runners first: they leave, then the server stops)
  local p
  for p in "${cycle[@]:1}" "${cycle[0]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  cycle=()
}

runner_samples=""
for k in $(seq 1 "$repeat"); do
  rm -f "$project/tmp/parallel_runtime_rspec.log"
  timed "parallel_rspec -n $instances, no runtime log" parallel_rspec -n "$instances" "${rspec_log[@]}"
  timed "parallel_rspec -n $instances, with runtime log" parallel_rspec -n "$instances" "${rspec_log[@]}"
  rm -rf "$XDG_CACHE_HOME/testbot/local"
  timed "testbot local -n $instances, first build" "${testbot[@]}" rspec --local -n "$instances"
  timed "testbot local -n $instances, second build" "${testbot[@]}" rspec --local -n "$instances"
  cycle=()
  sleep 1 # the local run's workers and JVM are gone; let the machine settle as it would between two CI steps
  start_server "server-a$k"
  start_runners 1 "$instances"
  runner_samples+="$runner_ms "
  timed "testbot server + 1 runner x $instances, first" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  timed "testbot server + 1 runner x $instances, second" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  sleep "$pause"
  timed "testbot server + 1 runner x $instances, second, paused" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  other_project "a$k"
  in_dir="$other" timed "testbot server + 1 runner x $instances, first, running" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  stop_cycle
  start_server "server-b$k"
  start_runners 4 $((instances / 4))
  timed "testbot server + 4 runners x $((instances / 4)), first" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  timed "testbot server + 4 runners x $((instances / 4)), second" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  sleep "$pause"
  timed "testbot server + 4 runners x $((instances / 4)), second, paused" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  other_project "b$k"
  in_dir="$other" timed "testbot server + 4 runners x $((instances / 4)), first, running" "${testbot[@]}" rspec --connect "127.0.0.1:$port"
  stop_cycle
done
runner_usable_ms=$(median <<<"$runner_samples")

# Fixed overheads, on a one-file probe project whose spec stamps when it starts and ends; each is the median of
# three runs after one that records its history.
mkdir -p "$work/probe/spec"
cat > "$work/probe/spec/probe_spec.rb" <<RUBY
File.write("$work/probe-start", Time.now.to_f.to_s)
RSpec.describe("Probe") { it("stamps") { File.write("$work/probe-end", Time.now.to_f.to_s) } }
RUBY
probe() { # probe ARGS...: prints "start_ms end_ms"
  local t0 t1
  t0=$(now); (cd "$work/probe" && "${testbot[@]}" rspec "$@" >/dev/null 2>&1) || { echo "bench: probe $* failed" >&2; exit 1; }; t1=$(now)
  echo "$(diff_ms "$t0" "$(cat "$work/probe-start")") $(diff_ms "$(cat "$work/probe-end")" "$t1")"
}
probe_median() { # probe_median ARGS...: the median start and the median end of three probes
  local runs; runs=$(for _ in 1 2 3; do probe "$@"; done)
  echo "$(cut -d' ' -f1 <<<"$runs" | sort -n | sed -n 2p) $(cut -d' ' -f2 <<<"$runs" | sort -n | sed -n 2p)"
}
probe --local >/dev/null
read -r local_start local_end < <(probe_median --local -n "$instances")

# The remote probe, against a fresh server with 4 runners once they have settled (booted their spares).
cycle=()
start_server probe-server
start_runners 4 $((instances / 4))
sleep 3
probe --connect "127.0.0.1:$port" >/dev/null   # its first run uploads and syncs the probe project
read -r remote_start remote_end < <(probe_median --connect "127.0.0.1:$port")

echo "suite ($suite): $files spec files, $(awk -v c="$total_cs" 'BEGIN { printf "%.2f", c / 100 }') s of sleeps, longest $(awk -v c="$longest_cs" 'BEGIN { printf "%.2f", c / 100 }') s; $instances instances; ideal wall time ${ideal} s"
echo "first build, files by size with no overhead at all: ${no_history} s ($(awk -v i="$ideal" -v w="$no_history" 'BEGIN { printf "%.2f", w / i }') x ideal)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $(java -version 2>&1 | head -1), $(ruby -v | cut -d' ' -f1-2), parallel_tests $(parallel_rspec --version 2>/dev/null | tail -1)"
serial=$(median <<<"${samples[serial rspec]}")
printf '%-46s %8s %9s %9s  %s\n' "run (median of $repeat but serial)" "wall s" "speedup" "x ideal" "range s"
for label in "${labels[@]}"; do
  wall=$(median <<<"${samples[$label]}")
  printf '%-46s %8s %9s %9s  %s\n' "$label" "$wall" "$(awk -v s="$serial" -v w="$wall" 'BEGIN { printf "%.2fx", s / w }')" \
    "$(awk -v i="$ideal" -v w="$wall" 'BEGIN { printf "%.2f", w / i }')" "$(range <<<"${samples[$label]}")"
done
echo "overheads (ms):"
printf '  %-52s %6s\n' "runner start -> usable (x $instances instances)" "$runner_usable_ms"
printf '  %-52s %6s\n' "requester start -> first spec running, local" "$local_start"
printf '  %-52s %6s\n' "requester start -> first spec running, server" "$remote_start"
printf '  %-52s %6s\n' "last spec done -> requester exit, local" "$local_end"
printf '  %-52s %6s\n' "last spec done -> requester exit, server" "$remote_end"
