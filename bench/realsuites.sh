#!/usr/bin/env bash
# The corpus's Ruby suites (docs/conformance.md) side by side in one run, each in a copy of its own:
#   the framework alone | parallel_tests -n N with its runtime log (recorded by a run before) | testbot local mode
#   -n N, a second build (history from a build before; no kept-warm process of the project running, which would
#   serve it) | testbot --keep-warm -n N, a run PAUSE seconds after the one that started it (default 4), in the
#   workers it booted ahead meanwhile, one test file changed
# printing each row's wall time (the median of REPEAT, default 3, the rows taking turns) and its ratio to
# parallel_tests'. Counts are bench/conformance.sh's business; this one times.
#
# Usage: [CORPUS=/work/corpus] [INSTANCES=2] [REPEAT=3] [PAUSE=4] bench/realsuites.sh [SUITE ...]
#   SUITE: tty-prompt money mail tty-command pastel dry-logic liquid csv rake kramdown rack rspec-expectations treetop diff-lcs tzinfo faker hashie virtus rspec-mocks mocha json_spec asciidoctor (default: all of them)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-/work/corpus}"
instances="${INSTANCES:-2}"
repeat="${REPEAT:-3}"
testbot="$here/bin/testbot"
. "$here/bench/lib.sh"
. "$here/bench/corpus.sh"
[ -d "$corpus" ] || { echo "realsuites: no corpus at $corpus (see docs/conformance.md)" >&2; exit 2; }
if [ $# -gt 0 ]; then suites=("$@"); else suites=(tty-prompt money mail tty-command pastel dry-logic liquid csv rake kramdown rack rspec-expectations treetop diff-lcs tzinfo faker hashie virtus rspec-mocks mocha json_spec asciidoctor); fi
bench_setup realsuites
trap '"$testbot" local stop --all > /dev/null 2>&1 || true; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# parallel_tests' command for the suite, recording its runtime log (record) or balancing by it (use). Only
# parallel_rspec's logger works here: parallel_cucumber's needs Cucumber 3 or later (Debian's is 2.4), and
# parallel_test's wrote nothing for minitest 5.17; those two group files by size, as without a log.
parallel() { # record|use
  local log="$work/runtime-$name.log" how
  case "$framework" in
    rspec)
      if [ "$1" = record ]; then how=(-o "--format progress --format ParallelTests::RSpec::RuntimeLogger --out $log")
      else how=(--group-by runtime --runtime-log "$log"); fi
      parallel_rspec -n "$instances" "${how[@]}" spec ;;
    # parallel_test runs ruby -Itest; rake test (and testbot) put lib ahead too, which some suites count on (kramdown).
    test) [ "$1" = record ] || RUBYLIB="lib${RUBYLIB:+:$RUBYLIB}" parallel_test -n "$instances" "${parallel_test_args[@]}" ;;
    cucumber)
      if [ "$1" = record ]; then return 0; fi
      if [ "$name" = json_spec ]; then parallel_cucumber -n "$instances" -o "--tags ~@fail" features; else parallel_cucumber -n "$instances" features; fi ;;
  esac
}
parallel_label() { [ "$framework" = rspec ] && echo "parallel_tests -n $instances, runtime log" || echo "parallel_tests -n $instances (by size)"; }

timed() { # command...: its wall time in seconds; the exit status is the suite's business (some fail on purpose)
  local start=$EPOCHREALTIME
  (cd "$copy" && if [ -n "$runner_env" ]; then export "${runner_env?}"; fi && "$@") > "$work/last.log" 2>&1 || true
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}
change_a_test() { # one test file of the copy changed, as between a developer's two runs: the first the suite's pattern finds
  local pattern file
  case "$framework" in
    rspec) pattern='spec/**/*_spec.rb' ;;
    cucumber) pattern='features/**/*.feature' ;;
    *) pattern=$(echo "$testbot_command" | sed -n "s/.*--pattern '\([^']*\)'.*/\1/p") ;;
  esac
  file=$(cd "$copy" && ruby -e 'puts Dir.glob(ARGV[0]).sort.first' "${pattern:-test/**/*_test.rb}")
  echo "# changed $(date +%s%N)" >> "$copy/$file"
}

echo "# $(nproc) cores, ruby $(ruby -e 'print RUBY_VERSION'), parallel_tests $(parallel_rspec --version 2>/dev/null | tail -1), $instances instances, repeat $repeat"
printf '%-12s %-44s %8s %14s\n' suite row seconds "x parallel"
for name in "${suites[@]}"; do
  suite "$name"
  [ "$framework" != junit ] || { echo "realsuites: $name is a JUnit suite (see bench/frameworks.sh's JUNIT_PROJECT)" >&2; continue; }
  copy="$work/$name"
  cp -r "$corpus/$dir" "$copy"
  # parallel_tests runs under `bundle exec` wherever there is a Gemfile, and the corpus's gems come from Debian, not
  # Bundler (the suites run without it alone and under testbot: none has a Gemfile.lock).
  rm -f "$copy/Gemfile"
  # As a shell would read it: liquid's pattern is quoted.
  tb="'$testbot' ${testbot_command:-$framework} -n $instances"
  # Untimed: the runtime log, the history, and the process kept warm.
  timed parallel record > /dev/null
  timed bash -c "$tb" > /dev/null
  timed bash -c "$tb --keep-warm" > /dev/null
  declare -A times=()
  for _ in $(seq 1 "$repeat"); do
    times[alone]+=" $(timed bash -c "$alone")"
    times[parallel]+=" $(timed parallel use)"
    # Plain local mode: with the project's kept-warm process running, bin/testbot would hand the run to it.
    (cd "$copy" && "$testbot" local stop > /dev/null 2>&1) || true
    times[local]+=" $(timed bash -c "$tb")"
    timed bash -c "$tb --keep-warm" > /dev/null
    sleep "${PAUSE:-4}"; change_a_test
    times[kept]+=" $(timed bash -c "$tb --keep-warm")"
  done
  ahead=$(cat "$HOME"/.cache/testbot/local/kept/*/log 2>/dev/null | grep -c 'takes the worker booted ahead' || true)
  # Why the kept-warm runs' jobs booted anew instead, where they did (the other rows write files, a coverage report say).
  cat "$HOME"/.cache/testbot/local/kept/*/log 2>/dev/null | grep -o 'boots its worker anew, not the one booted ahead: .*' \
    | sed 's/.*booted ahead: /#   booted anew: /' | sort | uniq -c | sort -rn | head -3 | sed "s/^/# $name /" || true
  (cd "$copy" && "$testbot" local stop > /dev/null 2>&1) || true
  rm -rf "$HOME/.cache/testbot/local/kept"
  p=$(echo "${times[parallel]}" | median)
  for row in alone parallel local kept; do
    case $row in
      alone) label="$alone" ;; parallel) label="$(parallel_label)" ;;
      local) label="testbot -n $instances, second build" ;; kept) label="testbot --keep-warm, ${PAUSE:-4} s later ($ahead ahead)" ;;
    esac
    m=$(echo "${times[$row]}" | median)
    printf '%-12s %-44s %8s %14s\n' "$name" "${label:0:44}" "$m" "$(ratio "$m" "$p")"
  done
  unset times
done
