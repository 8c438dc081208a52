#!/usr/bin/env bash
# Splitting slow files, side by side in one run: a generated suite in which one spec file holds a third of the
# work in many short examples (sleep-based, so more instances than cores still measure scheduling). Runs serial
# rspec, parallel_rspec with its runtime log, and testbot local mode on history with --no-split and with
# splitting, each against the ideal schedule when a file may be cut between examples: max(total / N, longest
# example) - and against the ideal when it may not: max(total / N, longest file).
# Usage: bench/split.sh [INSTANCES (default 8)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-8}"
testbot=("$here/bin/testbot")
[ -f "$here/target/testbot.jar" ] || (cd "$here" && mvn -B -q -Dstyle.color=never -DskipTests package)

work="$(mktemp -d /tmp/testbot-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
unset TESTBOT_SERVER TESTBOT_TOKEN

# The suite: one file of 24 examples x 0.25 s, and 23 files of one example of 0.2-0.5 s.
project="$work/suite"
mkdir -p "$project/spec"
printf 'RSpec.describe "Big" do\n  24.times { |i| it("waits #{i}") { sleep 0.25 } }\nend\n' > "$project/spec/big_spec.rb"
total_cs=600
for i in $(seq 1 23); do
  cs=$((20 + (i * 7) % 31)); total_cs=$((total_cs + cs))
  secs=$(printf '%d.%02d' $((cs / 100)) $((cs % 100)))
  printf 'RSpec.describe "File %d" do\n  it("takes %s s") { sleep %s }\nend\n' "$i" "$secs" "$secs" > "$project/spec/file_${i}_spec.rb"
done
ideal_split=$(awk -v t="$total_cs" -v n="$instances" 'BEGIN { i = t / n / 100; if (i < 0.25) i = 0.25; printf "%.2f", i }')
ideal_whole=$(awk -v t="$total_cs" -v n="$instances" 'BEGIN { i = t / n / 100; if (i < 6) i = 6; printf "%.2f", i }')

now() { date +%s.%N; }
rows=()
timed() { # timed LABEL COMMAND...: runs in the project, checks it passed, records the wall time
  local label="$1"; shift
  local t0 t1 log="$work/run-${#rows[@]}.log"
  t0=$(now); (cd "$project" && "$@") >"$log" 2>&1 || { echo "bench: '$label' failed:"; tail -20 "$log"; exit 1; }; t1=$(now)
  rows+=("$label|$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
}

timed "serial rspec" rspec
rspec_log=(-o "--format progress --format ParallelTests::RSpec::RuntimeLogger --out tmp/parallel_runtime_rspec.log")
(cd "$project" && parallel_rspec -n "$instances" "${rspec_log[@]}" >/dev/null 2>&1) # records its runtime log
timed "parallel_rspec -n $instances, with runtime log" parallel_rspec -n "$instances" "${rspec_log[@]}"
(cd "$project" && "${testbot[@]}" rspec --local -n "$instances" --no-split >/dev/null 2>&1) # records history
timed "testbot local -n $instances, history, --no-split" "${testbot[@]}" rspec --local -n "$instances" --no-split
timed "testbot local -n $instances, history, split" "${testbot[@]}" rspec --local -n "$instances"
grep -o 'split 1 slow file(s) into [0-9]* parts' "$work/run-$((${#rows[@]} - 1)).log" | sed 's/^/testbot: /'

echo "suite: 24 spec files, $(awk -v c="$total_cs" 'BEGIN { printf "%.2f", c / 100 }') s of sleeps; spec/big_spec.rb 6.00 s in 24 examples; $instances instances"
echo "ideal wall time: ${ideal_split} s when files may be cut between examples, ${ideal_whole} s when they may not"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $(java -version 2>&1 | head -1), $(ruby -v | cut -d' ' -f1-2)"
serial=${rows[0]#*|}
printf '%-46s %8s %9s %14s\n' "run" "wall s" "speedup" "x ideal (cut)"
for row in "${rows[@]}"; do
  label=${row%|*}; wall=${row#*|}
  printf '%-46s %8s %9s %14s\n' "$label" "$wall" "$(awk -v s="$serial" -v w="$wall" 'BEGIN { printf "%.2fx", s / w }')" \
    "$(awk -v i="$ideal_split" -v w="$wall" 'BEGIN { printf "%.2f", w / i }')"
done
