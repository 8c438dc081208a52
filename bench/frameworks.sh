#!/usr/bin/env bash
# Side by side in one run, per framework, on a generated suite with a heavy CPU-bound boot (its helper spins for
# about BOOT seconds before any test, as a large application or data set does) and FILES test files of CPU-bound
# tests (TEST seconds per file in all): the suite serial in one process | parallel_tests (parallel_test,
# parallel_cucumber, parallel_rspec) -n N | testbot in local mode -n N, its first build (no history) and second
# build | testbot --no-warm (one process per job, as before warm workers), second build | testbot through a server
# and one runner of N instances (started for these rows and stopped after them, so that nothing it boots ahead runs
# beside other rows): first build, second build at once, and a second build PAUSE seconds later (default 4) with one
# test file changed, by when the runner has booted each instance's worker again ahead of it (Test::Unit, minitest,
# Cucumber: see the runner's --boot-ahead) | testbot in local mode kept warm (--keep-warm, which leaves a server and
# runner for the project in the background): the run that starts it, and one PAUSE seconds later with one test file
# changed, in the workers it booted ahead meanwhile; then `testbot local stop`.
# Each row's wall time, and its ratio to serial. Frameworks: minitest, test-unit, cucumber, rspec (FRAMEWORKS), and
# rails: examples/rails-demo's Rails 6.1 app (rspec-rails, SQLite, a database per instance that each instance's first
# job prepares), its 12 spec files made to take about half a second each (its own boot stands for BOOT).
# With JUNIT_PROJECT=DIR (a Maven project whose tests are compiled, jsoup say), also: `mvn surefire:test` with one
# fork and with -DforkCount=N, and `testbot junit -n N` and -n 2N, second builds (first builds prepare the classpath),
# and -n 2N again with as many JVMs at once as instances (TESTBOT_JVMS), as before the one-JVM-per-core rule.
# Every row runs REPEAT times (default 1), the rows taking turns; a row prints its median.
# RUNNER_OPTS: more options for the runner (--no-boot-ahead, to compare).
# Usage: [FRAMEWORKS="minitest test-unit cucumber rspec" (or rails)] [REPEAT=1] [BOOT=1.5] [TEST=0.3] [PAUSE=4] [RUNNER_OPTS=...]
#        [JUNIT_PROJECT=DIR] [M2_HOME_DIR=~/.m2]
#        bench/frameworks.sh [INSTANCES (default 2)] [FILES (default 12)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
instances="${1:-2}"
files="${2:-12}"
repeat="${REPEAT:-1}"
frameworks="${FRAMEWORKS:-minitest test-unit cucumber rspec}"
testbot="$here/bin/testbot"
m2="${M2_HOME_DIR:-$HOME/.m2}" # the JUnit project's dependencies, before HOME moves
. "$here/bench/lib.sh"
bench_setup frameworks

# Iterations of `x += i % 7` per second on this machine, so that BOOT and TEST are seconds here.
per_second=$(ruby -e 't = Process.clock_gettime(Process::CLOCK_MONOTONIC); x = 0; 3_000_000.times { |i| x += i % 7 }
  puts (3_000_000 / (Process.clock_gettime(Process::CLOCK_MONOTONIC) - t)).round')
boot_iterations=$(awk -v s="${BOOT:-1.5}" -v r="$per_second" 'BEGIN { printf "%d", s * r }')
test_iterations=$(awk -v s="${TEST:-0.3}" -v r="$per_second" 'BEGIN { printf "%d", s * r / 2 }') # two tests per file
spin() { printf 'x = 0; %d.times { |i| x += i %% 7 }' "$1"; }

generate() { # framework dir
  local fw="$1" dir="$2" i
  if [ "$fw" = rails ]; then
    bash "$here/examples/rails-demo/generate.sh" "$dir" > "$work/rails-generate.log" 2>&1 || { cat "$work/rails-generate.log" >&2; exit 1; }
    sed -i -e 's/40\.times/200.times/; s/eq(20)/eq(100)/' "$dir"/spec/models/article_*_spec.rb
    sed -i -e 's/25\.times/600.times/; s/eq(25)/eq(600)/' "$dir"/spec/models/comment_*_spec.rb
    return
  fi
  mkdir -p "$dir"
  case "$fw" in
    minitest|test-unit)
      mkdir -p "$dir/test"
      if [ "$fw" = minitest ]; then echo 'require "minitest/autorun"' > "$dir/test/test_helper.rb"; base="Minitest::Test"
      else echo 'require "test/unit"' > "$dir/test/test_helper.rb"; base="Test::Unit::TestCase"; fi
      echo "$(spin "$boot_iterations") # the application's boot" >> "$dir/test/test_helper.rb"
      for i in $(seq 1 "$files"); do
        printf 'require "test_helper"\nclass File%dTest < %s\n  def test_one; %s; assert true; end\n  def test_two; %s; assert_equal %d, %d; end\nend\n' \
          "$i" "$base" "$(spin "$test_iterations")" "$(spin "$test_iterations")" "$i" "$i" > "$dir/test/file_${i}_test.rb"
      done ;;
    cucumber)
      mkdir -p "$dir/features/support" "$dir/features/step_definitions" "$dir/lib"
      echo "$(spin "$boot_iterations") # the application's boot" > "$dir/lib/app.rb"
      echo 'require File.expand_path("../../lib/app", __dir__)' > "$dir/features/support/env.rb"
      printf 'Given(/^work$/) { %s }\nThen(/^it is done$/) { }\n' "$(spin "$test_iterations")" > "$dir/features/step_definitions/steps.rb"
      for i in $(seq 1 "$files"); do
        printf 'Feature: File %d\n  Scenario: one\n    Given work\n    Then it is done\n  Scenario: two\n    Given work\n    Then it is done\n' "$i" > "$dir/features/file_$i.feature"
      done ;;
    rspec)
      mkdir -p "$dir/spec"
      echo "$(spin "$boot_iterations") # the application's boot" > "$dir/spec/spec_helper.rb"
      for i in $(seq 1 "$files"); do
        printf 'require "spec_helper"\nRSpec.describe "File %d" do\n  it("one") { %s }\n  it("two") { %s }\nend\n' \
          "$i" "$(spin "$test_iterations")" "$(spin "$test_iterations")" > "$dir/spec/file_${i}_spec.rb"
      done ;;
  esac
}

serial() { # framework
  case "$1" in
    minitest|test-unit) ruby -Itest -e 'ARGV.each { |f| require File.expand_path(f) }' test/*_test.rb ;;
    cucumber) cucumber ;;
    rspec) rspec ;;
    rails) bundle exec rspec ;;
  esac
}
parallel() { # framework
  case "$1" in
    minitest|test-unit) parallel_test -n "$instances" test ;;
    cucumber) parallel_cucumber -n "$instances" features ;;
    rspec|rails) parallel_rspec -n "$instances" spec ;;
  esac
}
command_of() { case "$1" in minitest|test-unit) echo test ;; rails) echo rspec ;; *) echo "$1" ;; esac; }

# Runs a command in a directory, checks its status, and prints its wall time in seconds.
timed() { # expected-status dir command...
  local expected="$1" dir="$2" start status; shift 2
  start=$EPOCHREALTIME
  set +e; (cd "$dir" && "$@") > "$work/last.log" 2>&1; status=$?; set -e
  if [ "$status" -ne "$expected" ]; then echo "unexpected exit status $status from: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; fi
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}

# One history database for every row (HOME is in $work), made by a build of another project first: a first build
# is one with no history for its project, not the first testbot ever ran as this user (that also makes the database).
mkdir -p "$work/warm-up/spec"
echo 'RSpec.describe("warm-up") { it("runs") { } }' > "$work/warm-up/spec/warm_up_spec.rb"
timed 0 "$work/warm-up" "$testbot" rspec -n 1 > /dev/null

start_farm() { # name: a fresh server and one runner of $instances instances, usable when this returns
  local before=${#pids[@]}
  bench_server "$work/server-$1"
  "$testbot" runner --connect "127.0.0.1:$port" --instances "$instances" --work-dir "$work/runner-$1" --hostname runner ${RUNNER_OPTS:-} > "$work/runner-$1.log" 2>&1 & pids+=($!)
  until [ "$(curl -s -H "Authorization: Bearer $TESTBOT_TOKEN" "127.0.0.1:$port/runners/total_instances")" = "$instances" ]; do sleep 0.05; done
  farm=("${pids[@]:$before}")
}
stop_farm() { # the runner first (it leaves), then the server
  local p
  for p in "${farm[1]}" "${farm[0]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
remote() { "$testbot" "$@" --connect "127.0.0.1:$port"; }
touch_test() { # dir: one test file changed, as between two builds of a developer's
  local file; file=$(cd "$1" && { find test spec features -name '*_test.rb' -o -name '*_spec.rb' -o -name '*.feature' 2>/dev/null || true; } | sort | head -1)
  echo "# changed $(date +%s%N)" >> "$1/$file"
}

echo "# $(nproc) cores, $(ruby -e 'print RUBY_VERSION') ruby, boot ${BOOT:-1.5} s, $files files of ${TEST:-0.3} s, $instances instances, repeat $repeat"
printf '%-10s %-40s %8s %8s\n' framework row seconds "x serial"
for fw in $frameworks; do
  declare -A times=()
  for r in $(seq 1 "$repeat"); do
    dir="$work/$fw-$r"; generate "$fw" "$dir"
    times[serial]+=" $(timed 0 "$dir" serial "$fw")"
    times[parallel]+=" $(timed 0 "$dir" parallel "$fw")"
    times[first]+=" $(timed 0 "$dir" "$testbot" "$(command_of "$fw")" -n "$instances")"
    times[second]+=" $(timed 0 "$dir" "$testbot" "$(command_of "$fw")" -n "$instances")"
    times[nowarm]+=" $(timed 0 "$dir" "$testbot" "$(command_of "$fw")" -n "$instances" --no-warm)"
    times[kfirst]+=" $(timed 0 "$dir" "$testbot" "$(command_of "$fw")" -n "$instances" --keep-warm)"
    sleep "${PAUSE:-4}"; touch_test "$dir"
    times[kpaused]+=" $(timed 0 "$dir" "$testbot" "$(command_of "$fw")" -n "$instances" --keep-warm)"
    "$testbot" local stop -C "$dir" > /dev/null
    start_farm "$fw-$r"
    times[sfirst]+=" $(timed 0 "$dir" remote "$(command_of "$fw")")"
    times[ssecond]+=" $(timed 0 "$dir" remote "$(command_of "$fw")")"
    sleep "${PAUSE:-4}"; touch_test "$dir"
    times[spaused]+=" $(timed 0 "$dir" remote "$(command_of "$fw")")"
    stop_farm
  done
  s=$(echo "${times[serial]}" | median)
  for row in serial parallel first second nowarm kfirst kpaused sfirst ssecond spaused; do
    case $row in
      serial) label="serial, one process" ;; parallel) label="parallel_tests -n $instances" ;;
      first) label="testbot -n $instances, first build" ;; second) label="testbot -n $instances, second build" ;;
      nowarm) label="testbot -n $instances --no-warm (history)" ;;
      kfirst) label="--keep-warm, the run that starts it" ;; kpaused) label="--keep-warm, ${PAUSE:-4} s later, a test changed" ;;
      sfirst) label="server + runner, first build" ;; ssecond) label="server + runner, second build" ;;
      spaused) label="server + runner, ${PAUSE:-4} s later, a test changed" ;;
    esac
    m=$(echo "${times[$row]}" | median)
    printf '%-10s %-40s %8s %8s\n' "$fw" "$label" "$m" "$(ratio "$m" "$s")"
  done
  unset times
done

if [ -n "${JUNIT_PROJECT:-}" ]; then
  cp -r "$JUNIT_PROJECT" "$work/junit"; dir="$work/junit"
  ln -sfn "$m2" "$HOME/.m2"
  (cd "$dir" && mvn -B -q -o test-compile > "$work/compile.log" 2>&1)
  timed 0 "$dir" "$testbot" junit -n "$instances" > /dev/null # history and the classpath
  declare -A times=()
  for r in $(seq 1 "$repeat"); do
    times[one]+=" $(timed 0 "$dir" mvn -B -q -o surefire:test)"
    times[forks]+=" $(timed 0 "$dir" mvn -B -q -o surefire:test -DforkCount="$instances")"
    times[tb]+=" $(timed 0 "$dir" "$testbot" junit -n "$instances")"
    times[tb2]+=" $(timed 0 "$dir" "$testbot" junit -n "$((instances * 2))")"
    # As before one JVM per core at most (CoreSlots): every instance its own JVM, all at once.
    times[tb2all]+=" $(timed 0 "$dir" env TESTBOT_JVMS="$((instances * 2))" "$testbot" junit -n "$((instances * 2))")"
  done
  s=$(echo "${times[one]}" | median)
  for row in one forks tb tb2 tb2all; do
    case $row in
      one) label="surefire, one fork" ;; forks) label="surefire -DforkCount=$instances" ;;
      tb) label="testbot junit -n $instances, second build" ;; tb2) label="testbot junit -n $((instances * 2)), with history" ;;
      tb2all) label="the same, TESTBOT_JVMS=$((instances * 2))" ;;
    esac
    m=$(echo "${times[$row]}" | median)
    printf '%-10s %-40s %8s %8s\n' junit "$label" "$m" "$(ratio "$m" "$s")"
  done
fi
