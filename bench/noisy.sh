#!/usr/bin/env bash
# Builds with history on a suite whose runtimes vary between builds, as real suites' do on shared machines: each
# spec file sleeps its base time times a factor drawn afresh every run, uniform in [0.6, 1.4], and 2.5 one time in
# twenty. BUILDS builds one after another (the first has no history), in local mode and on a server with one runner,
# N instances each; each build against its own ideal, computed from what its files really took this time:
# max(total / N, longest file). The target: every build with history within 1.10x its ideal + 0.5 s. Beside them,
# parallel_rspec -n N with its runtime log (recorded by the run before), the same number of times.
# Usage: [BUILDS=6] bench/noisy.sh [INSTANCES (default 8)] [FILES (default 40)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-8}"
files="${2:-40}"
builds="${BUILDS:-6}"
testbot="$here/bin/testbot"
. "$here/bench/lib.sh"
bench_setup noisy

# Base times in centiseconds: most files short, some medium, a few long (about 60 s in all for 40 files).
make_suite() { # dir
  mkdir -p "$1/spec" "$1/tmp"
  for i in $(seq 1 "$files"); do
    if   [ $((i % 13)) -eq 0 ]; then cs=$((400 + i * 5))
    elif [ $((i % 4)) -eq 0 ];  then cs=$((150 + i * 3))
    else cs=$((40 + (i * 11) % 60)); fi
    printf 'RSpec.describe "File %d" do\n  it("takes about %d cs") do\n    factor = rand < 0.05 ? 2.5 : 0.6 + rand * 0.8\n    sleep %d / 100.0 * factor\n  end\nend\n' \
      "$i" "$cs" "$cs" > "$1/spec/file_${i}_spec.rb"
  done
}

# Prints "wall ideal" from a testbot build's summary.
testbot_build() { # dir args...
  local dir="$1" out; shift
  out=$(cd "$dir" && "$testbot" rspec -n "$instances" "$@" 2>&1) || { echo "$out" | tail -20 >&2; exit 1; }
  echo "$out" | awk '/^Wall time/ { wall = $3 } /^Ideal wall time/ { ideal = $7 } END { print wall, ideal }'
}
report() { # label wall ideal
  awk -v l="$1" -v w="$2" -v i="$3" 'BEGIN { ok = (w <= 1.10 * i + 0.5) ? "ok" : "OVER";
    printf "  %-34s %7.2f %7.2f %6.2fx  %s\n", l, w, i, w / i, ok }'
}

echo "# $(nproc) cores; $files files, $instances instances, $builds builds each"
printf '  %-34s %7s %7s %7s  %s\n' build wall ideal ratio "<= 1.10x ideal + 0.5 s"

local_dir="$work/local"; make_suite "$local_dir"
for b in $(seq 1 "$builds"); do
  read -r wall ideal < <(testbot_build "$local_dir")
  report "local mode, build $b" "$wall" "$ideal"
done

server_dir="$work/server"; make_suite "$server_dir"
bench_server "$work/data"
"$testbot" runner --connect "127.0.0.1:$port" --instances "$instances" --work-dir "$work/runner" > "$work/runner.log" 2>&1 & pids+=($!)
for b in $(seq 1 "$builds"); do
  read -r wall ideal < <(testbot_build "$server_dir" --connect "127.0.0.1:$port")
  report "server + 1 runner, build $b" "$wall" "$ideal"
done

# parallel_rspec has no ideal of its own to print: its wall time beside the median of testbot's.
pr_dir="$work/parallel"; make_suite "$pr_dir"
log=(-o "--format progress --format ParallelTests::RSpec::RuntimeLogger --out tmp/parallel_runtime_rspec.log")
for b in $(seq 1 "$builds"); do
  start=$EPOCHREALTIME
  (cd "$pr_dir" && parallel_rspec -n "$instances" "${log[@]}" > /dev/null 2>&1) || true
  awk -v a="$start" -v b="$EPOCHREALTIME" -v n="$b" 'BEGIN { printf "  %-34s %7.2f\n", "parallel_rspec with its log, run " n, b - a }'
done
