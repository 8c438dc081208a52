#!/usr/bin/env bash
# What a project's size costs a build through a server: the same 4 spec files (0.05 s each) in a 4-file project
# and in one with LIBFILES more small library files (default 10,000), on a server with one runner x 2, side by
# side: a build with nothing changed, and one with one line of one library file changed (each after a first build
# that uploads and syncs everything). Each row runs REPEAT times (default 5), the rows taking turns; the median.
# The target: the big project's builds at most 0.3 s slower than the small one's.
# Usage: [REPEAT=5] bench/bigtree.sh [LIBFILES]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
libfiles="${1:-10000}"
repeat="${REPEAT:-5}"
testbot="$here/bin/testbot"
. "$here/bench/lib.sh"
bench_setup bigtree

make_project() { # dir libfiles
  mkdir -p "$1/spec" "$1/lib"
  for i in 1 2 3 4; do printf 'RSpec.describe "Spec %d" do\n  it("runs") { sleep 0.05 }\nend\n' "$i" > "$1/spec/s${i}_spec.rb"; done
  for ((i = 0; i < $2; i++)); do
    d="$1/lib/part$((i / 500))"; [ $((i % 500)) -eq 0 ] && mkdir -p "$d"
    printf 'module Part%d\n  VALUE = %d\nend\n' "$i" "$i" > "$d/file_$i.rb"
  done
}
make_project "$work/small" 0
make_project "$work/big" "$libfiles"

bench_server "$work/data"
"$testbot" runner --connect "127.0.0.1:$port" --instances 2 --work-dir "$work/runner" > "$work/runner.log" 2>&1 & pids+=($!)

timed() { # dir: one build's wall seconds
  local start=$EPOCHREALTIME
  (cd "$1" && "$testbot" rspec --connect "127.0.0.1:$port" > "$work/last.log" 2>&1) || { tail -20 "$work/last.log" >&2; exit 1; }
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }

timed "$work/small" > /dev/null; timed "$work/big" > /dev/null # first builds: everything travels once
declare -A t=()
for r in $(seq 1 "$repeat"); do
  t[small_same]+=" $(timed "$work/small")"
  t[big_same]+=" $(timed "$work/big")"
  echo "# change $r" >> "$work/small/spec/s1_spec.rb"
  t[small_changed]+=" $(timed "$work/small")"
  echo "# change $r" >> "$work/big/lib/part3/file_1700.rb"
  t[big_changed]+=" $(timed "$work/big")"
done
echo "# $(nproc) cores; server + 1 runner x 2 on loopback; $libfiles library files; median of $repeat"
printf '  %-28s %9s %9s %9s\n' build "4 files" "+$libfiles" "difference"
for kind in same changed; do
  s=$(echo "${t[small_$kind]}" | median); b=$(echo "${t[big_$kind]}" | median)
  label=$([ "$kind" = same ] && echo "nothing changed" || echo "one line changed")
  awk -v l="$label" -v s="$s" -v b="$b" 'BEGIN { printf "  %-28s %8.3fs %8.3fs %+8.3fs\n", l, s, b, b - s }'
done
